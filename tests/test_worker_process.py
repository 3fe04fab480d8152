"""A real `manage.py db_worker` process publishes a follow-up from the test database while a
reporter saves: the save never waits for the render."""

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from followup.document.publishing import publish_follow_up
from followup.models import FollowUp, StatusReport
from lofte.models import SubPromise

from .conftest import (
    make_coordinator,
    make_period,
    make_reporter,
    subprocess_database_url,
    wait_for_other_sessions_to_end,
)
from .document_data import build_promise

ROOT = Path(__file__).resolve().parent.parent


def wait_for(condition, what: str, process, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"the worker exited ({process.returncode}) before {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_worker_process_publishes_while_a_reporter_saves(client, db_queue):
    promise, follow_up = build_promise(200)
    sub_promise = SubPromise.objects.filter(focus_area__promise=promise).first()
    reporter = make_reporter(sub_promise.partners.get(responsibilities__role="lead"))
    period = make_period(promise, name="Öppen omgång")
    publish_follow_up(follow_up=follow_up, user=make_coordinator(promise))

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DATABASE_URL": subprocess_database_url(),
        "DJANGO_DEBUG": "true",
        "DJANGO_TASKS_BACKEND": "database",
        "DJANGO_CONN_MAX_AGE": "0",
    }
    command = [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload"]
    worker = subprocess.Popen(  # noqa: S603 (our own command)
        [*command, "--no-startup-delay", "--interval=0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        task = DBTaskResult.objects.get()
        wait_for(
            lambda: DBTaskResult.objects.get(pk=task.pk).status == "RUNNING",
            "the render started",
            worker,
        )
        client.force_login(reporter)
        response = client.post(
            reverse("portal:report", args=[period.pk, sub_promise.pk]),
            {
                "action": "save",
                "version": "1",
                "status": "in_progress",
                "achieved": "Sparat medan uppföljningen publiceras.",
                "obstacles": "",
                "next_steps": "",
                "figures-TOTAL_FORMS": "0",
                "figures-INITIAL_FORMS": "0",
                "figures-MIN_NUM_FORMS": "0",
                "figures-MAX_NUM_FORMS": "50",
            },
        )
        # The save is done while the render still runs: it did not wait for it.
        assert DBTaskResult.objects.get(pk=task.pk).status == "RUNNING"
        assert FollowUp.objects.get(pk=follow_up.pk).state == "publishing"
        assert response.status_code == 302
        saved = StatusReport.objects.get(period=period, sub_promise=sub_promise)
        assert saved.achieved == "Sparat medan uppföljningen publiceras."
        output, _ = worker.communicate(timeout=180)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        wait_for_other_sessions_to_end()
    assert worker.returncode == 0, output

    assert DBTaskResult.objects.get(pk=task.pk).status == "SUCCESSFUL"
    follow_up.refresh_from_db()
    assert follow_up.state == "published" and follow_up.is_frozen
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(bytes(follow_up.published_pdf))).pages
    )
    assert follow_up.title in text and "Lyft 0." in text and "Lyft 19." in text
