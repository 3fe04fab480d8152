"""The error pages in a real browser: WCAG 2.1 A/AA at 1280 and 390 px, no sideways scroll."""

import os

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from .conftest import assert_accessible

# Playwright's sync API keeps an event loop in this thread; the ORM calls here are ours.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser


def check_page(page) -> None:
    # The site's styles are applied (the skip link is hidden until focused).
    skip_link = "getComputedStyle(document.querySelector('.skip-link')).position"
    assert page.evaluate(skip_link) == "absolute"
    for width in [1280, 390]:
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"scrolls sideways at {width} px"


def test_not_found_page_passes_axe(live_server, transactional_db, page):
    response = page.goto(live_server.url + "/finns-inte/")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Sidan hittades inte"
    check_page(page)


@pytest.mark.parametrize(
    ("template", "heading"),
    [
        ("400.html", "Felaktig förfrågan"),
        ("403.html", "Åtkomst nekad"),
        ("500.html", "Något gick fel"),
    ],
)
def test_other_error_pages_pass_axe(live_server, transactional_db, page, template, heading):
    # Shown as Django renders them, on the live server's origin so that the styles load.
    page.goto(live_server.url + "/finns-inte/")
    with translation.override("sv"):
        page.set_content(render_to_string(template))
    page.wait_for_load_state("load")
    assert page.get_by_role("heading", level=1).inner_text() == heading
    check_page(page)
