"""The follow-up document with a problem picture and outcome indicators: "Varför vi lovade
detta" after the promise, "Effekter" after the focus areas, the same text in the PDF, and the
same number of queries whatever the number of indicators and values."""

import io
import re

import pypdf
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from followup.document.data import build_document, render_document
from followup.document.pdf import render_pdf
from followup.models import FollowUp
from outcomes.models import Indicator, IndicatorValue

from .conftest import make_coordinator
from .document_data import build_promise
from .outcomes_data import add_outcomes, promise_with_outcomes
from .test_followup_pdf import outline_titles, pdf_text
from .test_outcomes import CRIME_SENTENCE, SAFE_SENTENCE, plain

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(client):
    promise, follow_up = promise_with_outcomes()
    client.force_login(make_coordinator(promise))
    response = client.get(reverse("document:draft", args=[promise.slug, follow_up.pk]))
    assert response.status_code == 200
    return promise, follow_up, plain(response.content.decode())


def in_order(text: str, parts: list[str]) -> None:
    position = 0
    for part in parts:
        assert part in text[position:], part
        position = text.index(part, position) + len(part)


def test_why_comes_after_the_promise_and_effects_after_the_focus_areas(draft):
    _promise, _follow_up, html = draft
    in_order(
        html,
        [
            '<a href="#why">Varför vi lovade detta</a>',
            '<a href="#fokusomrade-2">Lokalområde</a>',
            '<a href="#effects">Effekter</a>',
            '<h2 id="promise-title">',
            '<h2 id="why-title">Varför vi lovade detta</h2>',
            "Otrygghet i centrum kvällstid",
            "Ungdomar som saknar sysselsättning på loven",
            '<h2 id="fokusomrade-1-title">Skola</h2>',
            '<h2 id="fokusomrade-2-title">Lokalområde</h2>',
            '<h2 id="effects-title">Effekter</h2>',
            SAFE_SENTENCE,
            CRIME_SENTENCE,
            '<h2 id="closing-words-title">Slutord</h2>',
        ],
    )


def test_problems_link_the_commitments_to_their_focus_areas(draft):
    html = draft[2]
    why = html.split('<h2 id="why-title">', 1)[1].split('<h2 id="fokusomrade-1-title">', 1)[0]
    assert "Trygghetsmätningen visar att var tredje känner sig otrygg." in why
    assert "Polisens trygghetsmätning 2023; Medborgardialog i Backa, maj 2023" in why
    assert (
        'Belysa gångvägarna till centrum <span class="problem__focus-area">'
        '(<a href="#fokusomrade-2">Lokalområde</a>)</span>'
    ) in why
    assert (
        'Erbjuda sommarjobb till unga <span class="problem__focus-area">'
        '(<a href="#fokusomrade-1">Skola</a>)</span>'
    ) in why
    assert why.count("Nattvandra helger") == 2  # it answers both problems


def test_each_indicator_has_a_chart_and_a_table_beside_it(draft):
    effects = draft[2].split('<h2 id="effects-title">', 1)[1].split('id="closing-words"', 1)[0]
    assert effects.count('<svg xmlns="http://www.w3.org/2000/svg" class="indicator-chart"') == 2
    assert (
        '<title id="indikator-1-chart-title">Andelen som känner sig trygga ute sent på '
        "kvällen över åren</title>"
    ) in effects
    assert "Utgångsvärde 62 %" in effects
    assert "Mål 70 %" in effects
    assert effects.count("<caption") == 2
    rows = re.findall(r'<th scope="row">(\d{4})</th>\s*<td class="num">([^<]+)</td>', effects)
    assert rows[:5] == [
        ("2021", "62 %"),
        ("2022", "63 %"),
        ("2023", "65 %"),
        ("2024", "66 %"),
        ("2025", "68 %"),
    ]
    assert rows[5:] == [
        ("2021", "98,5"),
        ("2022", "97"),
        ("2023", "95,2"),
        ("2024", "93"),
        ("2025", "91,4"),
    ]


def test_without_problems_and_indicators_the_document_has_neither_section(
    client, published_hisings_backa
):
    html = client.get(reverse("document:follow_up", args=["hisings-backa-2024-2025"])).content
    html = html.decode()
    for absent in ("Varför vi lovade detta", "Effekter", 'id="why"', 'id="effects"'):
        assert absent not in html


def test_an_indicator_added_to_hisings_backa_shows_in_its_next_follow_up(client, hisings_backa):
    indicator = Indicator.objects.create(
        promise=hisings_backa, position=1, name="Trygghetsindex i Backa", unit=""
    )
    IndicatorValue.objects.create(indicator=indicator, year=2024, value=3)
    follow_up = FollowUp.objects.get(promise=hisings_backa)
    html = plain(render_document(follow_up, for_pdf=False))
    assert '<h2 id="effects-title">Effekter</h2>' in html
    assert "Trygghetsindex i Backa var 3 (2024)." in html
    assert "Varför vi lovade detta" not in html  # no problems yet


def test_the_document_costs_the_same_queries_whatever_the_outcomes_size():
    counts = []
    for size, indicators, years in ((10, 2, 5), (200, 15, 25)):
        promise, follow_up = build_promise(size)
        add_outcomes(promise, indicators=indicators, years=years)
        follow_up = FollowUp.objects.select_related("promise").get(pk=follow_up.pk)
        with CaptureQueriesContext(connection) as queries:
            document = build_document(follow_up)
        assert len(document.outcomes.indicators) == indicators
        counts.append(len(queries))
    # The follow-up's eight, its publishers, and problems, commitments, indicators, values.
    assert counts == [13, 13]


@pytest.mark.parametrize(("indicators", "years"), [(2, 5), (15, 25)])
def test_the_preview_page_has_a_fixed_query_budget(
    client, django_assert_max_num_queries, indicators, years
):
    promise, follow_up = promise_with_outcomes(indicators=indicators, years=years)
    client.force_login(make_coordinator(promise))
    # Session, user, the follow-up, and the document's thirteen (the publishers one of them).
    with django_assert_max_num_queries(16):
        response = client.get(reverse("document:draft", args=[promise.slug, follow_up.pk]))
    assert response.content.decode().count('class="indicator-chart"') == indicators


def test_the_pdf_holds_the_same_text():
    _promise, follow_up = promise_with_outcomes()
    content = render_pdf(render_document(follow_up, for_pdf=True))
    text = plain(pdf_text(content))
    in_order(
        text,
        [
            "Varför vi lovade detta",  # contents
            "Effekter",
            "Otrygghet i centrum kvällstid",
            "Trygghetsmätningen visar att var tredje känner sig otrygg.",
            "Belysa gångvägarna till centrum (Lokalområde)",
            "Ungdomar som saknar sysselsättning på loven",
            "Erbjuda sommarjobb till unga (Skola)",
            "Trygga platser.",  # the focus area Lokalområde
            SAFE_SENTENCE,
            "Utgångsvärde 62 %",
            "2025 68 %",
            CRIME_SENTENCE,
            "2025 91,4",
            "Tack till alla parter.",  # closing words
        ],
    )
    titles = outline_titles(pypdf.PdfReader(io.BytesIO(content)).outline)
    assert "Varför vi lovade detta" in titles
    assert "Effekter" in titles
