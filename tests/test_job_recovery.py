"""Background jobs whose worker died: the worker's recovery pass queues them again or fails
them with the reason, which admin shows; a real worker killed mid-send is recovered."""

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from followup.models import DraftPdf, FollowUp
from lofte.jobs import recover_stale_jobs
from lofte.mail import deliver_email, queue_email
from lofte.models import ExportJob, OutgoingEmail

from .conftest import (
    make_coordinator,
    make_promise,
    make_user,
    subprocess_database_url,
    wait_for_other_sessions_to_end,
)
from .document_data import make_follow_up

ROOT = Path(__file__).resolve().parent.parent


def begun_and_abandoned(job, *, minutes_ago: int, attempts: int = 1) -> None:
    """The job as a worker killed `minutes_ago` into its attempt leaves it."""
    type(job).objects.filter(pk=job.pk).update(
        started_at=timezone.now() - datetime.timedelta(minutes=minutes_ago), attempts=attempts
    )


@pytest.fixture
def waiting_email(db, db_queue):
    return queue_email(to="rapportor@example.org", subject="Påminnelse", body="Hej!")


def test_a_stale_email_is_queued_again_and_sent(
    waiting_email, settings, django_capture_on_commit_callbacks
):
    settings.JOB_STALE_AFTER = 10 * 60
    begun_and_abandoned(waiting_email, minutes_ago=11)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        assert recover_stale_jobs() == 1
    waiting_email.refresh_from_db()
    assert (waiting_email.state, waiting_email.attempts) == ("sent", 2)
    assert waiting_email.finished_at is not None and waiting_email.body == ""
    assert [message.subject for message in mail.outbox] == ["Påminnelse"]


def test_an_email_within_its_stale_limit_is_left_to_its_worker(waiting_email, settings):
    settings.JOB_STALE_AFTER = 10 * 60
    begun_and_abandoned(waiting_email, minutes_ago=9)
    assert recover_stale_jobs() == 0
    waiting_email.refresh_from_db()
    assert waiting_email.state == "queued" and waiting_email.started_at is not None
    # Its worker is still on it: the task, run again meanwhile, sends nothing a second time.
    assert deliver_email.call(waiting_email.pk) == "not queued"
    assert mail.outbox == []


def test_a_stale_email_after_its_last_attempt_fails_and_admin_shows_why(
    waiting_email, settings, client
):
    settings.JOB_STALE_AFTER = 10 * 60
    begun_and_abandoned(waiting_email, minutes_ago=30, attempts=settings.EMAIL_MAX_ATTEMPTS)
    assert recover_stale_jobs() == 1
    waiting_email.refresh_from_db()
    assert waiting_email.state == "failed" and waiting_email.finished_at is not None
    assert "Arbetaren stoppades innan jobbet var klart" in waiting_email.error
    client.force_login(make_user(is_staff=True, is_superuser=True))
    html = client.get(reverse("admin:lofte_outgoingemail_changelist")).content.decode()
    assert "Misslyckades" in html and "Arbetaren stoppades innan jobbet var klart" in html
    assert mail.outbox == []


def test_a_stale_export_and_draft_pdf_fail_with_the_reason(db, settings):
    settings.JOB_STALE_AFTER = 10 * 60
    settings.DRAFT_PDF_STALE_AFTER = 10 * 60
    user = make_user(is_staff=True)
    export = ExportJob.objects.create(
        requested_by=user, model="followup.statusreport", row_count=5000
    )
    preview = DraftPdf.objects.create(follow_up=make_follow_up(make_promise()), requested_by=user)
    fresh = ExportJob.objects.create(requested_by=user, model="lofte.subpromise", row_count=3000)
    begun_and_abandoned(export, minutes_ago=11)
    begun_and_abandoned(preview, minutes_ago=11)
    begun_and_abandoned(fresh, minutes_ago=1)
    assert recover_stale_jobs() == 2
    for job in (export, preview, fresh):
        job.refresh_from_db()
    assert (export.state, preview.state, fresh.state) == ("failed", "failed", "pending")
    assert "Arbetaren stoppades" in export.error and "Arbetaren stoppades" in preview.error
    assert fresh.error == ""


def test_a_slow_attempt_that_finished_meanwhile_is_not_undone(waiting_email, settings, monkeypatch):
    settings.JOB_STALE_AFTER = 10 * 60
    begun_and_abandoned(waiting_email, minutes_ago=11)

    def finished_meanwhile(cls):
        # The slow worker stores its result after the pass read the job as stale.
        OutgoingEmail.objects.filter(pk=waiting_email.pk).update(
            state="sent", finished_at=timezone.now()
        )
        return settings.EMAIL_MAX_ATTEMPTS

    monkeypatch.setattr(OutgoingEmail, "max_attempts", classmethod(finished_meanwhile))
    assert recover_stale_jobs() == 0
    waiting_email.refresh_from_db()
    assert (waiting_email.state, waiting_email.error) == ("sent", "")
    assert mail.outbox == []


def _worker(*arguments: str, backend: str, mail_dir: Path, **env: str) -> subprocess.Popen:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DATABASE_URL": subprocess_database_url(),
        "DJANGO_DEBUG": "true",
        "DJANGO_TASKS_BACKEND": "database",
        "DJANGO_CONN_MAX_AGE": "0",
        "DJANGO_EMAIL_BACKEND": backend,
        "LOFTE_TEST_MAIL_DIR": str(mail_dir),
        **env,
    }
    command = [sys.executable, "manage.py", "worker", "--no-reload", "--no-startup-delay"]
    return subprocess.Popen(  # noqa: S603 (our own command)
        [*command, "--interval=0", *arguments],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_is_recovered_by_the_next_worker(db_queue, tmp_path):
    email = queue_email(to="samordnare@example.org", subject="Granskad rapport", body="Läs mer.")
    stuck = _worker(backend="tests.mail_backends.Stuck", mail_dir=tmp_path)
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "started").exists():
            assert stuck.poll() is None, stuck.communicate()[0]
            assert time.monotonic() < deadline, "the worker never began sending"
            time.sleep(0.05)
        stuck.send_signal(signal.SIGKILL)
        stuck.wait(timeout=30)
    finally:
        if stuck.poll() is None:
            stuck.kill()
            stuck.wait()
    email.refresh_from_db()
    assert (email.state, email.attempts) == ("queued", 1) and email.started_at is not None

    # A new worker (after a deploy, say) finds the attempt stale, queues it again and sends it.
    next_worker = _worker(
        "--batch",
        backend="tests.mail_backends.ToFolder",
        mail_dir=tmp_path,
        DJANGO_JOB_STALE_AFTER="0",
    )
    try:
        output, _ = next_worker.communicate(timeout=120)
    finally:
        if next_worker.poll() is None:
            next_worker.kill()
            next_worker.wait()
        wait_for_other_sessions_to_end()
    assert next_worker.returncode == 0, output
    email.refresh_from_db()
    assert (email.state, email.attempts) == ("sent", 2) and email.finished_at is not None
    (sent,) = tmp_path.glob("sent-*.txt")
    assert sent.read_text().splitlines()[:2] == ["Granskad rapport", "samordnare@example.org"]


def test_looking_at_admin_recovers_nothing(db, client, settings):
    """Admin pages only read: a stale publication waits for the worker's recovery pass."""
    settings.PUBLISH_STALE_AFTER = 60
    promise = make_promise()
    follow_up = make_follow_up(promise)
    FollowUp.objects.filter(pk=follow_up.pk).update(
        state="publishing", publishing_since=timezone.now() - datetime.timedelta(hours=1)
    )
    client.force_login(make_coordinator(promise))
    client.get(reverse("admin:followup_followup_changelist"))
    client.get(reverse("admin:followup_followup_change", args=[follow_up.pk]))
    follow_up.refresh_from_db()
    assert follow_up.state == "publishing"
    assert recover_stale_jobs() == 1
    follow_up.refresh_from_db()
    assert follow_up.state == "failed"
