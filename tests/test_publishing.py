"""Publishing a follow-up goes through the task queue: the request asks, a worker renders."""

import datetime
import io

import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django_tasks_db.models import DBTaskResult

import followup.document.pdf
import followup.document.publishing
import followup.services
from followup.document.publishing import (
    publish_follow_up,
    recover_stale_publications,
    render_publication,
)
from followup.models import FollowUp
from followup.services import WorkflowError
from lofte.jobs import recover_stale_jobs

from .conftest import (
    make_coordinator,
    make_focus_area,
    make_partner,
    make_promise,
    make_sub_promise,
    run_queued_tasks,
)
from .document_data import make_follow_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(db_queue):
    promise = make_promise("Angered")
    make_sub_promise(make_focus_area(promise, "Skola"), make_partner(), title="Läxhjälp")
    return promise, make_follow_up(promise, title="Uppföljning Angered <b>2025</b>")


def publish_in_admin(client, follow_up):
    return client.post(
        reverse("admin:followup_followup_changelist"),
        {"action": "publish", "_selected_action": [follow_up.pk]},
        follow=True,
    )


def test_publish_request_queues_the_render_and_admin_shows_publishing(client, draft, monkeypatch):
    promise, follow_up = draft
    coordinator = make_coordinator(promise)
    client.force_login(coordinator)

    def no_render_in_request(*args, **kwargs):
        raise AssertionError("the request rendered the PDF")

    monkeypatch.setattr(followup.document.publishing, "_frozen_copy", no_render_in_request)
    response = publish_in_admin(client, follow_up)
    html = response.content.decode()
    assert "1 uppföljning publiceras" in html
    assert '<td class="field-state">Publiceras…</td>' in html
    follow_up.refresh_from_db()
    assert (follow_up.state, follow_up.published_by, follow_up.etag) == (
        "publishing",
        coordinator,
        "",
    )
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    # Citizens see nothing until the copy is frozen.
    assert client.get(reverse("document:follow_up", args=[promise.slug])).status_code == 404
    # While it renders, what it renders cannot be edited.
    change = client.get(reverse("admin:followup_followup_change", args=[follow_up.pk]))
    assert 'name="intro"' not in change.content.decode()


def test_worker_renders_freezes_and_publishes(client, draft):
    promise, follow_up = draft
    client.force_login(make_coordinator(promise))
    publish_in_admin(client, follow_up)

    assert run_queued_tasks() == 1

    follow_up.refresh_from_db()
    assert follow_up.state == "published"
    assert follow_up.published_at is not None and follow_up.frozen_at == follow_up.published_at
    assert bytes(follow_up.published_pdf).startswith(b"%PDF")
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    changelist = client.get(reverse("admin:followup_followup_changelist")).content.decode()
    assert '<td class="field-state">Publicerad</td>' in changelist
    page = client.get(reverse("document:follow_up", args=[promise.slug])).content.decode()
    assert "Uppföljning Angered &lt;b&gt;2025&lt;/b&gt;" in page
    pdf = client.get(reverse("document:follow_up_pdf", args=[promise.slug]))
    assert pdf.content == bytes(follow_up.published_pdf)


def test_publishing_twice_queues_one_render_and_keeps_one_version(client, draft):
    promise, follow_up = draft
    coordinator = make_coordinator(promise)
    publish_follow_up(follow_up=follow_up, user=coordinator)
    with pytest.raises(WorkflowError, match="håller redan på att publiceras"):
        publish_follow_up(follow_up=follow_up, user=coordinator)
    client.force_login(coordinator)
    html = publish_in_admin(client, follow_up).content.decode()
    assert "håller redan på att publiceras" in html
    assert DBTaskResult.objects.count() == 1
    # A render queued twice anyway (a retry, a second worker) stores the first version only.
    render_publication.enqueue(follow_up.pk)
    assert run_queued_tasks() == 2
    follow_up.refresh_from_db()
    first = (follow_up.etag, follow_up.frozen_at)
    render_publication.enqueue(follow_up.pk)
    run_queued_tasks()
    follow_up.refresh_from_db()
    assert (follow_up.etag, follow_up.frozen_at) == first
    assert sorted(DBTaskResult.objects.values_list("return_value", flat=True)) == [
        "not publishing",
        "not publishing",
        "published",
    ]
    with pytest.raises(WorkflowError, match="är redan publicerad"):
        publish_follow_up(follow_up=follow_up, user=coordinator)


def test_failed_render_shows_its_error_and_can_be_published_again(client, draft, monkeypatch):
    promise, follow_up = draft
    client.force_login(make_coordinator(promise))
    real_render = followup.document.publishing._frozen_copy

    def broken_render(follow_up):
        raise OSError("Typsnittet <Liberation> saknas")

    monkeypatch.setattr(followup.document.publishing, "_frozen_copy", broken_render)
    publish_in_admin(client, follow_up)
    run_queued_tasks()

    follow_up.refresh_from_db()
    assert follow_up.state == "failed" and follow_up.etag == ""
    assert follow_up.publish_error == "OSError: Typsnittet <Liberation> saknas"
    assert DBTaskResult.objects.get().status == "FAILED"
    changelist = client.get(reverse("admin:followup_followup_changelist")).content.decode()
    assert '<td class="field-state">Publiceringen misslyckades</td>' in changelist
    assert "OSError: Typsnittet &lt;Liberation&gt; saknas" in changelist
    change = client.get(reverse("admin:followup_followup_change", args=[follow_up.pk]))
    change_html = change.content.decode()
    assert "Fel vid publicering" in change_html
    assert 'name="intro"' in change_html  # editable again, to fix what broke it
    assert client.get(reverse("document:follow_up", args=[promise.slug])).status_code == 404

    monkeypatch.setattr(followup.document.publishing, "_frozen_copy", real_render)
    publish_in_admin(client, follow_up)
    run_queued_tasks()
    follow_up.refresh_from_db()
    assert (follow_up.state, follow_up.publish_error) == ("published", "")
    assert bytes(follow_up.published_pdf).startswith(b"%PDF")


def test_a_pdf_renderer_that_fails_leaves_the_follow_up_failed_with_no_pdf(
    client, draft, monkeypatch
):
    promise, follow_up = draft

    class BrokenWeasyPrint:
        def __init__(self, *args, **kwargs):
            pass

        def write_pdf(self, *args, **kwargs):
            raise OSError("Typsnittet saknas")

    monkeypatch.setattr(followup.document.pdf, "HTML", BrokenWeasyPrint)
    publish_follow_up(follow_up=follow_up, user=make_coordinator(promise))
    run_queued_tasks()

    follow_up.refresh_from_db()
    assert follow_up.state == "failed"
    assert follow_up.publish_error == "OSError: Typsnittet saknas"
    assert not follow_up.published_pdf
    assert (follow_up.published_html, follow_up.etag) == ("", "")
    assert (follow_up.published_at, follow_up.frozen_at) == (None, None)
    assert DBTaskResult.objects.get().status == "FAILED"
    for name in ["document:follow_up", "document:follow_up_pdf"]:
        assert client.get(reverse(name, args=[promise.slug])).status_code == 404


def test_the_frozen_copy_says_when_it_was_published_not_that_it_is_a_draft(client, draft):
    promise, follow_up = draft
    publish_follow_up(follow_up=follow_up, user=make_coordinator(promise))
    run_queued_tasks()

    follow_up.refresh_from_db()
    assert follow_up.state == "published"
    with translation.override("sv"):
        day = date_format(timezone.localtime(follow_up.published_at), "j F Y")
    page = client.get(reverse("document:follow_up", args=[promise.slug])).content.decode()
    assert page == follow_up.published_html
    assert f"<dt>Publicerad</dt><dd>{day}</dd>" in page
    assert "Inte än (utkast)" not in page
    pdf = pypdf.PdfReader(io.BytesIO(bytes(follow_up.published_pdf)))
    text = " ".join(" ".join(p.extract_text().split()) for p in pdf.pages)
    # The printed title page sets its labels in capitals.
    assert f"PUBLICERAD {day}" in text
    assert "inte än (utkast)" not in text.lower()


def edit_in_admin(client, follow_up, intro: str):
    return client.post(
        reverse("admin:followup_followup_change", args=[follow_up.pk]),
        {
            "promise": follow_up.promise_id,
            "title": "Ändrad titel",
            "covers_from": "2024-01-01",
            "covers_to": "2025-12-31",
            "intro": intro,
            "closing_words": "Ändrade slutord.",
            "language": "sv",
            "highlights-TOTAL_FORMS": "0",
            "highlights-INITIAL_FORMS": "0",
            "highlights-MIN_NUM_FORMS": "0",
            "highlights-MAX_NUM_FORMS": "1000",
        },
    )


@pytest.mark.parametrize("state", ["publishing", "published"])
def test_a_follow_up_being_published_or_published_cannot_be_edited_in_admin(client, draft, state):
    promise, follow_up = draft
    client.force_login(make_coordinator(promise))
    # A draft takes the same form: the edit goes through.
    edit_in_admin(client, follow_up, "Ändrad i utkastet.")
    follow_up.refresh_from_db()
    assert (follow_up.title, follow_up.intro) == ("Ändrad titel", "Ändrad i utkastet.")

    FollowUp.objects.filter(pk=follow_up.pk).update(
        state=state,
        title="Titeln som renderas",
        publishing_since=timezone.now(),
        published_at=timezone.now() if state == "published" else None,
    )
    edit_in_admin(client, follow_up, "Ändrad medan den publiceras.")
    follow_up.refresh_from_db()
    assert (follow_up.state, follow_up.title, follow_up.intro) == (
        state,
        "Titeln som renderas",
        "Ändrad i utkastet.",
    )


def test_another_promises_coordinator_cannot_publish(client, draft):
    _, follow_up = draft
    client.force_login(make_coordinator(make_promise("Tynnered")))
    publish_in_admin(client, follow_up)
    follow_up.refresh_from_db()
    assert follow_up.state == "draft"
    assert not DBTaskResult.objects.exists()


def test_publish_request_costs_the_same_queries_whatever_the_promise_size(
    client, db_queue, django_assert_max_num_queries
):
    from .document_data import build_promise

    for size in (5, 60):
        promise, follow_up = build_promise(size)
        client.force_login(make_coordinator(promise))
        with django_assert_max_num_queries(30):
            response = publish_in_admin(client, follow_up)
        assert response.status_code == 200
        follow_up.refresh_from_db()
        assert follow_up.state == FollowUp.State.PUBLISHING


# --- A worker that dies mid-render --------------------------------------------------------


def worker_claims_and_dies(follow_up, minutes_ago: int) -> None:
    """As a worker killed mid-render leaves it: the task running, the follow-up publishing."""
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now())
    FollowUp.objects.filter(pk=follow_up.pk).update(
        publishing_since=timezone.now() - datetime.timedelta(minutes=minutes_ago)
    )


def test_a_publication_whose_worker_died_shows_as_failed_and_publishes_again_once(
    client, draft, settings
):
    settings.PUBLISH_STALE_AFTER = 15 * 60
    promise, follow_up = draft
    client.force_login(make_coordinator(promise))
    publish_in_admin(client, follow_up)
    worker_claims_and_dies(follow_up, minutes_ago=5)
    changelist = reverse("admin:followup_followup_changelist")
    # Within the time a render may take, the worker's recovery pass leaves it publishing.
    assert recover_stale_jobs() == 0
    assert '<td class="field-state">Publiceras…</td>' in client.get(changelist).content.decode()

    worker_claims_and_dies(follow_up, minutes_ago=16)
    assert recover_stale_jobs() == 1
    html = client.get(changelist).content.decode()
    assert '<td class="field-state">Publiceringen misslyckades</td>' in html
    assert "Renderingen avbröts innan den blev klar" in html
    follow_up.refresh_from_db()
    assert (follow_up.state, follow_up.etag) == ("failed", "")

    publish_in_admin(client, follow_up)
    assert run_queued_tasks() == 1
    follow_up.refresh_from_db()
    assert (follow_up.state, follow_up.publish_error) == ("published", "")
    assert bytes(follow_up.published_pdf).startswith(b"%PDF")
    assert '<td class="field-state">Publicerad</td>' in client.get(changelist).content.decode()


def test_a_publication_whose_task_was_lost_fails_at_the_next_recovery_pass(client, draft):
    promise, follow_up = draft
    client.force_login(make_coordinator(promise))
    publish_in_admin(client, follow_up)
    DBTaskResult.objects.all().delete()  # pruned, or a queue restored from an older backup
    assert recover_stale_jobs() == 1
    change = client.get(reverse("admin:followup_followup_change", args=[follow_up.pk]))
    assert "Renderingen avbröts innan den blev klar" in change.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.state == "failed"


def test_a_render_that_outlives_its_attempt_never_stores_a_second_version(
    draft, settings, monkeypatch
):
    promise, follow_up = draft
    coordinator = make_coordinator(promise)
    publish_follow_up(follow_up=follow_up, user=coordinator)
    real_render = followup.document.publishing._frozen_copy

    def stuck_render(rendered):
        # While this worker hangs, the attempt is given up and the follow-up published again.
        settings.PUBLISH_STALE_AFTER = 0
        assert recover_stale_publications() == 1
        FollowUp.objects.filter(pk=follow_up.pk).update(intro="Rättad inledning.")
        publish_follow_up(follow_up=follow_up, user=coordinator)
        settings.PUBLISH_STALE_AFTER = 15 * 60
        return real_render(rendered)

    monkeypatch.setattr(followup.document.publishing, "_frozen_copy", stuck_render)
    assert render_publication.call(follow_up.pk) == "published meanwhile"
    follow_up.refresh_from_db()
    assert (follow_up.state, follow_up.etag) == ("publishing", "")

    monkeypatch.setattr(followup.document.publishing, "_frozen_copy", real_render)
    run_queued_tasks()
    follow_up.refresh_from_db()
    assert follow_up.state == "published"
    assert "Rättad inledning." in follow_up.published_html
    version = follow_up.etag
    assert recover_stale_publications() == 0
    follow_up.refresh_from_db()
    assert follow_up.etag == version


def test_finding_stale_publications_costs_the_same_queries_whatever_their_number(
    settings, django_assert_max_num_queries
):
    settings.PUBLISH_STALE_AFTER = 0
    for count in (2, 20):
        promise = make_promise()
        for n in range(count):
            FollowUp.objects.create(
                promise=promise,
                title=f"Uppföljning {n}",
                covers_from=datetime.date(2024, 1, 1),
                covers_to=datetime.date(2025, 1, 1),
                state="publishing",
                publishing_since=timezone.now() - datetime.timedelta(minutes=1),
            )
        with django_assert_max_num_queries(3):
            assert recover_stale_publications() == count


def test_only_the_attempt_whose_task_finished_is_failed(draft):
    promise, first = draft
    second = make_follow_up(promise, title="Uppföljning två")
    coordinator = make_coordinator(promise)
    publish_follow_up(follow_up=first, user=coordinator)
    publish_follow_up(follow_up=second, user=coordinator)
    # Both asked for at the same moment; the first one's worker finished without publishing.
    since = FollowUp.objects.get(pk=first.pk).publishing_since
    FollowUp.objects.filter(pk=second.pk).update(publishing_since=since)
    DBTaskResult.objects.filter(id=FollowUp.objects.get(pk=first.pk).publish_task_id).update(
        status="SUCCESSFUL"
    )
    assert recover_stale_publications() == 1
    states = dict(FollowUp.objects.filter(promise=promise).values_list("pk", "state"))
    assert states == {first.pk: "failed", second.pk: "publishing"}


def _publishing(promise, since, task_id=""):
    return make_follow_up(
        promise, state="publishing", publishing_since=since, publish_task_id=task_id
    )


def test_a_recent_publication_is_left_alone_where_the_queue_keeps_no_record(settings):
    # The immediate queue (tests) keeps no record to ask: a task id proves nothing lost.
    promise = make_promise()
    now = timezone.now()
    fresh = _publishing(promise, now, task_id="a-task-id")
    settings.PUBLISH_STALE_AFTER = 60
    assert recover_stale_publications() == 0
    fresh.refresh_from_db()
    assert fresh.state == "publishing"


def test_publishing_exactly_as_long_as_allowed_is_not_yet_stale(settings, monkeypatch):
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)
    settings.PUBLISH_STALE_AFTER = 60
    on_the_limit = _publishing(make_promise(), now - datetime.timedelta(seconds=60))
    assert recover_stale_publications() == 0
    on_the_limit.refresh_from_db()
    assert on_the_limit.state == "publishing"


@pytest.mark.parametrize("meanwhile", ["published", "published again"])
def test_recovery_leaves_a_follow_up_that_moved_on_while_it_looked(
    settings, monkeypatch, meanwhile
):
    # Between reading the publishing follow-ups and failing the stale ones, the render
    # finished, or the follow-up was recovered and published again (a new attempt).
    settings.PUBLISH_STALE_AFTER = 60
    old = timezone.now() - datetime.timedelta(hours=1)
    follow_up = _publishing(make_promise(), old)
    real_lost = followup.document.publishing._lost_render_tasks

    def moves_on(task_ids):
        rows = FollowUp.objects.filter(pk=follow_up.pk)
        if meanwhile == "published":
            rows.update(state="published", published_at=timezone.now())
        else:
            rows.update(publishing_since=timezone.now())
        return real_lost(task_ids)

    monkeypatch.setattr(followup.document.publishing, "_lost_render_tasks", moves_on)
    assert recover_stale_publications() == 0
    follow_up.refresh_from_db()
    assert follow_up.state == ("published" if meanwhile == "published" else "publishing")
    assert follow_up.publish_error == ""


def _stub_copy(text):
    return {"published_html": text, "published_pdf": b"%PDF-stub", "etag": f"etag-{text}"}


def test_freezing_stores_one_copy_of_this_follow_up_and_never_replaces_it(monkeypatch):
    promise = make_promise()
    one = make_follow_up(promise, state="published", published_at=timezone.now())
    other = make_follow_up(promise, state="published", published_at=timezone.now())
    draft_follow_up = make_follow_up(promise)
    copies = iter(["första", "andra", "utkast"])
    monkeypatch.setattr(
        followup.document.publishing, "_frozen_copy", lambda f: _stub_copy(next(copies))
    )

    frozen = followup.document.publishing.freeze_follow_up(follow_up=one)
    assert (frozen.etag, frozen.published_html) == ("etag-första", "första")
    # A second freeze (another worker) leaves the first stored copy.
    followup.document.publishing.freeze_follow_up(follow_up=one)
    one.refresh_from_db()
    assert (one.etag, one.published_html) == ("etag-första", "första")
    other.refresh_from_db()
    assert (other.etag, other.published_html, other.frozen_at) == ("", "", None)
    # Only a published follow-up is frozen.
    followup.document.publishing.freeze_follow_up(follow_up=draft_follow_up)
    draft_follow_up.refresh_from_db()
    assert (draft_follow_up.state, draft_follow_up.etag) == ("draft", "")
