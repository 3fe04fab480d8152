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
