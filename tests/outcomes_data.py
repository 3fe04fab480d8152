"""Data for the outcomes tests: a promise with its problem picture and indicators over time."""

from decimal import Decimal

from lofte.models import Commitment
from outcomes.models import Indicator, IndicatorValue, Problem

from .conftest import make_focus_area, make_promise
from .document_data import make_follow_up

SAFE_AT_NIGHT = "Andelen som känner sig trygga ute sent på kvällen"
CRIMES = "Anmälda brott per 1 000 invånare"


def add_outcomes(promise, *, indicators: int = 2, years: int = 5):
    """Two problems, three commitments linked to them, and `indicators` indicators with
    `years` yearly values each (the first two as the tests read them)."""
    skola = make_focus_area(promise, "Skola", rationale="En lyckad skolgång.")
    lokal = make_focus_area(promise, "Lokalområde", rationale="Trygga platser.")
    lights = Commitment.objects.create(
        focus_area=lokal, position=1, text="Belysa gångvägarna till centrum"
    )
    walks = Commitment.objects.create(focus_area=lokal, position=2, text="Nattvandra helger")
    summer = Commitment.objects.create(
        focus_area=skola, position=1, text="Erbjuda sommarjobb till unga"
    )
    night = Problem.objects.create(
        promise=promise,
        position=1,
        title="Otrygghet i centrum kvällstid",
        description="Många undviker centrum när det är mörkt.",
        evidence="Trygghetsmätningen visar att var tredje känner sig otrygg.",
        sources="Polisens trygghetsmätning 2023\nMedborgardialog i Backa, maj 2023",
    )
    night.commitments.add(lights, walks)
    summer_problem = Problem.objects.create(
        promise=promise,
        position=2,
        title="Ungdomar som saknar sysselsättning på loven",
        evidence="Fritidsgården ser fler unga utan sysselsättning på sommaren.",
        sources="Fritid Hisingen",
    )
    summer_problem.commitments.add(summer, walks)
    made = []
    for i in range(indicators):
        if i == 0:
            indicator = Indicator.objects.create(
                promise=promise,
                problem=night,
                position=1,
                name=SAFE_AT_NIGHT,
                unit="%",
                direction=Indicator.Direction.HIGHER,
                baseline_value=Decimal(62),
                baseline_year=2021,
                target_value=Decimal(70),
                source="Brå, Nationella trygghetsundersökningen",
            )
            values = [62, 63, 65, 66, 68]
        elif i == 1:
            indicator = Indicator.objects.create(
                promise=promise,
                position=2,
                name=CRIMES,
                unit="",
                direction=Indicator.Direction.LOWER,
                baseline_value=Decimal("98.5"),
                baseline_year=2021,
                target_value=Decimal(90),
                target_year=2026,
                source="Brå, anmälda brott",
            )
            values = [Decimal("98.5"), 97, Decimal("95.2"), 93, Decimal("91.4")]
        else:
            indicator = Indicator.objects.create(
                promise=promise, position=i + 1, name=f"Indikator {i + 1}", unit="st"
            )
            values = [10 + i + y for y in range(years)]
        IndicatorValue.objects.bulk_create(
            IndicatorValue(
                indicator=indicator,
                year=2021 + y,
                value=Decimal(values[y % len(values)]) + (y // len(values)) * 0,
                note="Preliminär siffra" if y == years - 1 and i == 0 else "",
            )
            for y in range(years)
        )
        made.append(indicator)
    return night, summer_problem, made


def promise_with_outcomes(**kwargs):
    """(promise, follow_up) with the problem picture and indicators."""
    promise = make_promise()
    add_outcomes(promise, **kwargs)
    return promise, make_follow_up(promise)
