"""The public promise page shows the problem picture and the outcome indicators."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from lofte.models import Commitment
from outcomes.models import Indicator, IndicatorValue, Problem

from .conftest import make_focus_area, make_promise

pytestmark = pytest.mark.django_db


def make_outcomes(promise, indicators: int, years: int) -> None:
    area = make_focus_area(promise, "Lokalområde")
    commitment = Commitment.objects.create(focus_area=area, position=1, text="Trygga torget")
    problem = Problem.objects.create(
        promise=promise, position=1, title="Otrygghet i <centrum> kvällstid"
    )
    problem.commitments.add(commitment)
    for n in range(1, indicators + 1):
        indicator = Indicator.objects.create(
            promise=promise,
            position=n,
            name=f"Andel trygga ute sent {n}",
            unit="%",
            direction=Indicator.Direction.HIGHER,
            baseline_value=Decimal(62),
            baseline_year=2023,
            target_value=Decimal(70),
            target_year=2027,
        )
        IndicatorValue.objects.bulk_create(
            IndicatorValue(indicator=indicator, year=2023 + y, value=Decimal(62 + y))
            for y in range(years)
        )


@pytest.mark.parametrize(("indicators", "years"), [(1, 2), (6, 5)])
def test_promise_page_shows_problems_and_effects_in_fixed_queries(
    client, django_assert_max_num_queries, indicators, years
):
    promise = make_promise("Backa", starts_on=datetime.date(2024, 1, 1))
    make_outcomes(promise, indicators, years)
    url = reverse("public:promise", args=[promise.slug])
    with django_assert_max_num_queries(16):
        response = client.get(url)
    html = response.content.decode()
    assert "Varför vi lovade detta" in html
    assert "Otrygghet i &lt;centrum&gt; kvällstid" in html
    assert "Trygga torget" in html and 'href="#fokusomrade-1"' in html
    assert "Effekter" in html and html.count("Andel trygga ute sent") >= indicators
    assert "css/outcomes" in html


def test_promise_page_without_outcomes_has_no_such_sections(client):
    promise = make_promise("Angered")
    html = client.get(reverse("public:promise", args=[promise.slug])).content.decode()
    assert "Varför vi lovade detta" not in html and "css/outcomes" not in html


def test_api_publishes_problems_and_indicators_with_their_sources(client):
    from openapi_spec_validator import validate as validate_openapi

    from .test_public_opendata import assert_matches

    promise = make_promise("Backa")
    make_outcomes(promise, indicators=2, years=3)
    IndicatorValue.objects.filter(year=2024).update(source="Polisens trygghetsmätning 2024")
    description = client.get(reverse("public:api_openapi")).json()
    validate_openapi(description)
    body = client.get(reverse("public:api_promise", args=[promise.slug])).json()
    assert_matches(description, "Promise", body)
    [problem] = body["problems"]
    assert problem["title"] == "Otrygghet i <centrum> kvällstid"
    assert len(problem["commitment_ids"]) == 1
    first = body["outcome_indicators"][0]
    assert (first["name"], first["direction"], first["baseline"]) == (
        "Andel trygga ute sent 1",
        "higher",
        {"value": 62.0, "year": 2023},
    )
    assert [(v["year"], v["value"], v["source"]) for v in first["values"]] == [
        (2023, 62.0, ""),
        (2024, 63.0, "Polisens trygghetsmätning 2024"),
        (2025, 64.0, ""),
    ]
    assert "62" in first["summary"] and "64" in first["summary"]
