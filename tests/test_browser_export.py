"""A coordinator exports a big list in a real browser: the page says the file is being
prepared and links it by itself once a worker has made it."""

import os

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from .conftest import (
    assert_accessible,
    make_coordinator,
    make_focus_area,
    make_partner,
    make_promise,
    make_sub_promise,
    run_queued_tasks,
)

# Playwright's sync API keeps an event loop in this thread; the ORM calls here are ours.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
def test_big_export_page_waits_for_the_worker_then_links_the_file(
    live_server, transactional_db, db_queue, settings, page, width
):
    settings.EXPORT_INLINE_MAX_ROWS = 2
    promise = make_promise("Angered")
    area = make_focus_area(promise, "Skola")
    partner = make_partner()
    for n in range(3):
        make_sub_promise(area, partner, title=f"Dellöfte {n}")
    make_coordinator(promise, "samordnare")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + reverse("admin:lofte_subpromise_export"))
    page.get_by_label("Användarnamn").fill("samordnare")
    page.get_by_label("Lösenord").fill("test-password-1")
    page.get_by_role("button", name="Logga in").click()

    page.locator('select[name="format"]').select_option(label="xlsx")
    page.get_by_role("button", name="Skicka").click()
    expect(page.get_by_role("status").last).to_contain_text("Filen (3 rader) förbereds…")
    assert_accessible(page)

    assert run_queued_tasks() == 1
    link = page.get_by_role("link", name="Ladda ner dellöften-")
    expect(link).to_be_visible(timeout=20_000)
    assert_accessible(page)
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".xlsx")
