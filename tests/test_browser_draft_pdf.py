"""A coordinator asks for a draft's PDF in a real browser: the page says it is being created
and shows the link by itself once a worker has rendered it."""

import os

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from followup.models import DraftPdf

from .conftest import (
    assert_accessible,
    make_coordinator,
    make_focus_area,
    make_partner,
    make_promise,
    make_sub_promise,
    run_queued_tasks,
)
from .document_data import make_follow_up

# Playwright's sync API keeps an event loop in this thread; the ORM calls here are ours.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
def test_draft_pdf_page_waits_for_the_worker_then_links_the_pdf(
    live_server, transactional_db, db_queue, page, width
):
    promise = make_promise("Angered")
    make_sub_promise(make_focus_area(promise, "Skola"), make_partner(), title="Läxhjälp")
    follow_up = make_follow_up(promise, title="Uppföljning Angered 2025")
    make_coordinator(promise, "samordnare")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + reverse("admin:followup_followup_changelist"))
    page.get_by_label("Användarnamn").fill("samordnare")
    page.get_by_label("Lösenord").fill("test-password-1")
    page.get_by_role("button", name="Logga in").click()

    page.get_by_role("link", name="Ladda ner PDF").click()
    expect(page.get_by_role("status")).to_contain_text("PDF:en skapas…")
    assert_accessible(page)

    assert run_queued_tasks() == 1
    # No reload: the page asks for itself and swaps in the link.
    link = page.get_by_role("link", name="Ladda ner PDF:en")
    expect(link).to_be_visible(timeout=20_000)
    expect(page.get_by_role("status")).to_contain_text("PDF:en är klar.")
    assert_accessible(page)
    with page.expect_download() as download:
        link.click()
    with open(download.value.path(), "rb") as saved:
        assert saved.read() == bytes(DraftPdf.objects.get(follow_up=follow_up).pdf)
