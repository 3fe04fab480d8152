"""A coordinator publishes a follow-up in a real browser: it shows "Publiceras…" until a
worker has rendered it, then "Publicerad" with its PDF."""

import os

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from followup.models import FollowUp

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
def test_coordinator_publishes_and_sees_publishing_then_published(
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
    page.get_by_role(
        "checkbox", name="Välj detta objekt för en åtgärd - Uppföljning Angered"
    ).check()
    page.locator('select[name="action"]').select_option("publish")
    page.get_by_role("button", name="Utför").click()

    expect(page.get_by_text("1 uppföljning publiceras")).to_be_visible()
    expect(page.locator("td.field-state")).to_have_text("Publiceras…")
    assert_accessible(page)

    assert run_queued_tasks() == 1
    page.reload()
    expect(page.locator("td.field-state")).to_have_text("Publicerad")
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Ladda ner PDF").click()
    pdf = download.value
    assert pdf.suggested_filename == f"uppfoljning-{promise.slug}.pdf"
    follow_up.refresh_from_db()
    assert follow_up.state == FollowUp.State.PUBLISHED
    with open(pdf.path(), "rb") as saved:
        assert saved.read() == bytes(follow_up.published_pdf)
