"""The follow-up document on a phone: a chart drawn for the width, stacked tables, and
target columns only where targets exist. The PDF keeps its one wide chart."""

import os
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from followup.document.data import render_document

from .conftest import assert_accessible
from .document_data import build_promise

# Playwright's sync API keeps an event loop in this thread; the ORM calls here are ours.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SLUG = "hisings-backa-2024-2025"


def headings(page: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h2[^>]*>(.*?)</h2>", page)]


@pytest.mark.django_db
def test_targets_get_their_columns_only_when_some_exist():
    _promise, follow_up = build_promise(12)
    page = render_document(follow_up, for_pdf=False)
    assert "Resultat mot mål" in headings(page)
    table = re.search(r'<table class="data indicator-table">.*?</table>', page, re.S).group(0)
    assert ">Mål</th>" in table and ">Andel av målet</th>" in table
    assert 'data-label="Mål">100' in table


@pytest.mark.django_db
def test_web_page_has_a_narrow_chart_named_cells_and_the_pdf_neither(
    client, published_hisings_backa
):
    page = client.get(reverse("document:follow_up", args=[SLUG])).content.decode()
    charts = re.findall(r'<svg[^>]*class="status-chart status-chart--(\w+)"[^>]*>', page)
    assert charts == ["wide", "narrow"]
    narrow = re.search(r"<svg[^>]*status-chart--narrow.*?</svg>", page, re.S).group(0)
    assert 'viewBox="0 0 360 ' in narrow
    # Its own ids, so that the wide chart's patterns and title stay unique.
    assert 'id="narrow-status-chart-title"' in narrow
    assert 'id="status-chart-title"' not in narrow
    assert "Lokalområde</text>" in narrow
    # Each count of the status table is named by its column, for the stacked rows.
    table = re.search(r'<table class="data status-table">.*?</table>', page, re.S).group(0)
    assert '<td class="num" data-label="Genomfört">41</td>' in table
    assert '<td class="num" data-label="Totalt">43</td>' in table
    follow_up = published_hisings_backa.follow_ups.get()
    pdf_html = render_document(follow_up, for_pdf=True)
    assert "status-chart--narrow" not in pdf_html
    assert pdf_html.count("<svg") == 1


@pytest.mark.browser
def test_document_at_390_px_stacks_tables_and_keeps_the_chart_legible(
    live_server, transactional_db, page
):
    call_command("loaddata", "hisings_backa_2024_2025", verbosity=0)
    call_command("freeze_follow_ups", verbosity=0)  # as `load_demo` does
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + reverse("document:follow_up", args=[SLUG]))
    expect(page.locator("svg.status-chart--wide")).to_be_hidden()
    narrow = page.locator("svg.status-chart--narrow")
    expect(narrow).to_be_visible()
    # The chart's text as drawn on the screen, in CSS pixels: its size times the scale.
    drawn = narrow.evaluate(
        "svg => svg.getBoundingClientRect().width / svg.viewBox.baseVal.width"
        " * parseFloat(svg.getAttribute('font-size'))"
    )
    assert drawn >= 13
    # No table scrolls sideways: every row is stacked within the screen.
    wide_regions = page.evaluate(
        "[...document.querySelectorAll('.table-scroll')]"
        ".filter(r => r.scrollWidth > r.clientWidth + 1).length"
    )
    assert wide_regions == 0
    # Each count is named by its status, since the header row is out of sight.
    cell = page.locator(".status-table tbody td[data-label='Genomfört']").first
    label = cell.evaluate("td => getComputedStyle(td, '::before').content")
    assert label == '"Genomfört: "'
    row = page.locator(".appendix-table tbody tr").first
    expect(row.locator("td").last).to_be_visible()
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(page.locator("svg.status-chart--wide")).to_be_visible()
    expect(page.locator("svg.status-chart--narrow")).to_be_hidden()
    assert_accessible(page)
