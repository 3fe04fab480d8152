"""The published follow-up in a real browser: WCAG 2.1 A/AA, keyboard, and 320 px reflow."""

import os

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from .conftest import assert_accessible

# Playwright's sync API keeps an event loop in this thread; the ORM calls here are ours.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser


def test_published_page_passes_axe_and_reflows_at_320_px(live_server, transactional_db, page):
    call_command("loaddata", "hisings_backa_2024_2025", verbosity=0)
    call_command("freeze_follow_ups", verbosity=0)  # as `load_demo` does
    url = live_server.url + reverse("document:follow_up", args=["hisings-backa-2024-2025"])
    page.goto(url)
    expect(page).to_have_title("Uppföljning medborgarlöfte Hisings Backa 2024-2025")
    assert_accessible(page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Hoppa till innehållet"
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(url)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


@pytest.mark.parametrize("width", [1280, 390])
def test_effects_and_problem_picture_pass_axe_at_desktop_and_phone_width(
    live_server, transactional_db, page, width
):
    from django.utils import timezone

    from .outcomes_data import promise_with_outcomes

    promise, follow_up = promise_with_outcomes()
    follow_up.state = "published"
    follow_up.published_at = timezone.now()
    follow_up.save()
    call_command("freeze_follow_ups", verbosity=0)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + reverse("document:follow_up", args=[promise.slug]))
    assert page.locator("#why-title").inner_text() == "Varför vi lovade detta"
    assert page.locator("#effects-title").inner_text() == "Effekter"
    charts = page.locator("svg.indicator-chart")
    assert charts.count() == 2
    assert charts.first.bounding_box()["width"] > 200
    assert (
        page.get_by_role(
            "img", name="Andelen som känner sig trygga ute sent på kvällen över åren"
        ).count()
        == 1
    )
    assert page.get_by_role("table", name="Anmälda brott per 1 000 invånare per år").count() == 1
    assert_accessible(page)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
