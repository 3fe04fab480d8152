"""The published follow-up in a real browser: WCAG 2.1 A/AA, keyboard, and 320 px reflow."""

import os

import pytest
from django.core.management import call_command
from django.urls import reverse

from .conftest import assert_accessible

# Playwright's sync API keeps an event loop in this thread; the ORM calls here are ours.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser


def test_published_page_passes_axe_and_reflows_at_320_px(live_server, transactional_db, page):
    call_command("loaddata", "hisings_backa_2024_2025", verbosity=0)
    url = live_server.url + reverse("document:follow_up", args=["hisings-backa-2024-2025"])
    page.goto(url)
    assert page.title() == "Uppföljning medborgarlöfte Hisings Backa 2024-2025"
    assert_accessible(page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Hoppa till innehållet"
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(url)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
