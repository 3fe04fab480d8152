"""A draft's PDF is rendered by a worker: the request asks and returns, a page waits for it."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

import followup.document.previews
from followup.models import DraftPdf

from .conftest import (
    make_coordinator,
    make_focus_area,
    make_partner,
    make_promise,
    make_reporter,
    make_sub_promise,
    make_user,
    run_queued_tasks,
)
from .document_data import build_promise, make_follow_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    promise = make_promise("Angered")
    partner = make_partner()
    make_sub_promise(make_focus_area(promise, "Skola"), partner, title="Läxhjälp")
    return promise, make_follow_up(promise, title="Uppföljning <i>Angered</i>", intro="Först.")


def ask(client, follow_up):
    return client.get(
        reverse("document:draft_pdf", args=[follow_up.promise.slug, follow_up.pk]), follow=True
    )


def status_url(preview):
    return reverse(
        "document:draft_pdf_status",
        args=[preview.follow_up.promise.slug, preview.follow_up_id, preview.pk],
    )


def download_url(preview):
    return reverse(
        "document:draft_pdf_download",
        args=[preview.follow_up.promise.slug, preview.follow_up_id, preview.pk],
    )


def test_asking_for_the_pdf_queues_a_render_and_the_page_says_it_is_being_created(
    client, draft, db_queue, monkeypatch
):
    promise, follow_up = draft
    coordinator = make_coordinator(promise)
    client.force_login(coordinator)

    def no_render_in_request(html):
        raise AssertionError("the request rendered the PDF")

    monkeypatch.setattr(followup.document.previews, "render_pdf", no_render_in_request)
    response = ask(client, follow_up)
    page = response.content.decode()
    assert response.status_code == 200
    assert "PDF:en skapas…" in page
    assert 'data-state="pending"' in page
    assert "Uppföljning &lt;i&gt;Angered&lt;/i&gt;" in page
    assert "no-store" in response.headers["Cache-Control"]
    preview = DraftPdf.objects.get()
    assert (preview.state, preview.requested_by, preview.pdf) == ("pending", coordinator, None)
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    # Not ready: the download leads back to the page that waits.
    waiting = client.get(download_url(preview))
    assert (waiting.status_code, waiting.headers["Location"]) == (302, status_url(preview))
    # Asking again while it waits joins the same render.
    ask(client, follow_up)
    assert DraftPdf.objects.count() == 1
    assert DBTaskResult.objects.count() == 1

    monkeypatch.undo()
    assert run_queued_tasks() == 1
    page = client.get(status_url(preview)).content.decode()
    assert "PDF:en är klar." in page and 'data-state="ready"' in page
    assert download_url(preview) in page
    pdf = client.get(download_url(preview))
    assert pdf.content.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"] == (
        f'attachment; filename="uppfoljning-{promise.slug}-utkast-{follow_up.pk}.pdf"'
    )
    preview.refresh_from_db()
    assert bytes(preview.pdf) == pdf.content


def test_an_unchanged_draft_reuses_its_pdf_and_a_changed_one_is_rendered_again(
    client, draft, db_queue, monkeypatch
):
    promise, follow_up = draft
    client.force_login(make_coordinator(promise))
    ask(client, follow_up)
    run_queued_tasks()
    first = DraftPdf.objects.get()

    def no_weasyprint(html):
        raise AssertionError("rendered an unchanged draft again")

    monkeypatch.setattr(followup.document.previews, "render_pdf", no_weasyprint)
    ask(client, follow_up)
    run_queued_tasks()
    again = DraftPdf.objects.exclude(pk=first.pk).get()
    assert again.state == "ready" and again.content_key == first.content_key
    assert bytes(again.pdf) == bytes(first.pdf)
    assert DBTaskResult.objects.filter(return_value="reused").count() == 1

    monkeypatch.undo()
    follow_up.intro = "Ändrat."
    follow_up.save()
    ask(client, follow_up)
    run_queued_tasks()
    changed = DraftPdf.objects.order_by("-pk").first()
    assert changed.state == "ready" and changed.content_key != first.content_key
    assert DBTaskResult.objects.filter(return_value="rendered").count() == 2
    # Previews finished over an hour ago, of any follow-up, are deleted by the next render.
    DraftPdf.objects.exclude(pk=changed.pk).update(
        finished_at=timezone.now() - datetime.timedelta(hours=2)
    )
    ask(client, follow_up)
    run_queued_tasks()
    assert DraftPdf.objects.count() == 2
    assert DraftPdf.objects.filter(pk=changed.pk).exists()


def test_a_failed_render_says_why_and_offers_to_try_again(client, draft, monkeypatch):
    promise, follow_up = draft
    client.force_login(make_coordinator(promise))

    def broken(html):
        raise OSError("Typsnittet <Liberation> saknas")

    monkeypatch.setattr(followup.document.previews, "render_pdf", broken)
    page = ask(client, follow_up).content.decode()
    assert "PDF:en kunde inte skapas: OSError: Typsnittet &lt;Liberation&gt; saknas" in page
    assert "Försök igen" in page
    assert DraftPdf.objects.get().state == "failed"


def test_outsiders_get_404_everywhere(client, draft):
    promise, follow_up = draft
    client.force_login(make_coordinator(promise))
    ask(client, follow_up)
    preview = DraftPdf.objects.get()
    client.logout()
    ask_url = reverse("document:draft_pdf", args=[promise.slug, follow_up.pk])
    urls = [ask_url, status_url(preview), download_url(preview)]
    outsiders = [
        None,
        make_coordinator(make_promise("Tynnered")),
        make_reporter(follow_up.promise.partners.first()),
        make_user(is_staff=True),
    ]
    for outsider in outsiders:
        if outsider is not None:
            client.force_login(outsider)
        for url in urls:
            assert client.get(url).status_code == 404, (outsider, url)
    # Another promise's slug with this follow-up's ids names nothing either.
    other = make_promise("Kortedala")
    client.force_login(make_coordinator(promise))
    wrong = reverse("document:draft_pdf_status", args=[other.slug, follow_up.pk, preview.pk])
    assert client.get(wrong).status_code == 404
    assert DraftPdf.objects.count() == 1
    # A superuser may.
    client.force_login(make_user(is_superuser=True, is_staff=True))
    assert client.get(status_url(preview)).status_code == 200


@pytest.mark.parametrize("size", [5, 400])
def test_asking_and_waiting_cost_the_same_queries_whatever_the_size(
    client, size, db_queue, django_assert_max_num_queries
):
    promise, follow_up = build_promise(size)
    client.force_login(make_coordinator(promise))
    url = reverse("document:draft_pdf", args=[promise.slug, follow_up.pk])
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert response.status_code == 302
    with django_assert_max_num_queries(4):
        page = client.get(response.headers["Location"])
    assert "PDF:en skapas…" in page.content.decode()


def test_the_admin_link_leads_to_the_waiting_page(client, draft):
    promise, _ = draft
    client.force_login(make_coordinator(promise))
    changelist = client.get(reverse("admin:followup_followup_changelist")).content.decode()
    link = re.search(r'<a href="([^"]+/pdf/)">Ladda ner PDF</a>', changelist).group(1)
    assert "PDF:en är klar." in client.get(link, follow=True).content.decode()
