"""What a page shows of a promise's problem picture and outcome indicators.

`outcomes_for(promise)` gathers it in at most four queries whatever the number of problems,
commitments, indicators and values: problems, their commitments, indicators, their values.
The follow-up document and the public promise page both render it with the includes under
`templates/outcomes/`.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch
from django.utils.translation import gettext

from lofte.formats import format_number
from lofte.models import Commitment, Promise

from .chart import LineChart, build_line_chart
from .models import Indicator, IndicatorValue, Problem


@dataclass
class LinkedCommitment:
    text: str
    focus_area: str
    focus_area_position: int


@dataclass
class ProblemView:
    problem: Problem
    anchor: str
    commitments: list[LinkedCommitment]

    @property
    def title(self) -> str:
        return self.problem.title


@dataclass
class ValueRow:
    year: int
    text: str
    source: str
    note: str
    is_baseline: bool = False


@dataclass
class IndicatorView:
    indicator: Indicator
    anchor: str
    problem_title: str
    rows: list[ValueRow]
    baseline: str
    target: str
    sentence: str
    chart: LineChart | None

    @property
    def name(self) -> str:
        return self.indicator.name


@dataclass
class Outcomes:
    problems: list[ProblemView] = field(default_factory=list)
    indicators: list[IndicatorView] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.problems or self.indicators)


def with_year(text: str, year: int | None) -> str:
    return f"{text} ({year})" if year else text


def indicator_sentence(
    indicator: Indicator, series: list[tuple[int, Decimal]], target_reached: bool
) -> str:
    """“Andelen … har ökat från 62 % (2023) till 68 % (2025); målet är 70 %.”"""
    unit = indicator.unit
    if not series:
        return gettext("%(subject)s: no values yet.") % {"subject": indicator.name}
    (start_year, start), (end_year, end) = series[0], series[-1]
    words = {
        "subject": indicator.name,
        "start": format_number(start, unit),
        "start_year": start_year,
        "end": format_number(end, unit),
        "end_year": end_year,
    }
    if start_year == end_year:
        sentence = gettext("%(subject)s was %(end)s (%(end_year)s)") % words
    elif end > start:
        sentence = (
            gettext(
                "%(subject)s has increased from %(start)s (%(start_year)s) "
                "to %(end)s (%(end_year)s)"
            )
            % words
        )
    elif end < start:
        sentence = (
            gettext(
                "%(subject)s has decreased from %(start)s (%(start_year)s) "
                "to %(end)s (%(end_year)s)"
            )
            % words
        )
    else:
        sentence = (
            gettext("%(subject)s has stayed at %(end)s from %(start_year)s to %(end_year)s") % words
        )
    if indicator.target_value is not None:
        target = format_number(indicator.target_value, unit)
        if indicator.target_year:
            sentence += gettext("; the target for %(year)s is %(target)s") % {
                "year": indicator.target_year,
                "target": target,
            }
        else:
            sentence += gettext("; the target is %(target)s") % {"target": target}
    sentence += "."
    if target_reached:
        sentence += " " + gettext("The target has been reached.")
    return sentence


def reached(indicator: Indicator, latest: Decimal | None) -> bool:
    if latest is None or indicator.target_value is None:
        return False
    if indicator.direction == Indicator.Direction.LOWER:
        return latest <= indicator.target_value
    return latest >= indicator.target_value


def indicator_view(indicator: Indicator, problem_titles: dict[int, str]) -> IndicatorView:
    unit = indicator.unit
    values = sorted(indicator.values.all(), key=lambda v: v.year)
    rows = [
        ValueRow(
            year=v.year,
            text=format_number(v.value, unit),
            # The indicator's own source is said once, beside it; a row names only another.
            source=v.source if v.source != indicator.source else "",
            note=v.note,
            is_baseline=v.year == indicator.baseline_year,
        )
        for v in values
    ]
    series = [(v.year, v.value) for v in values]
    has_baseline = indicator.baseline_year is not None
    if has_baseline and indicator.baseline_year not in {year for year, _v in series}:
        # The baseline counts as the first measurement when no value of its year is stored.
        series.append((indicator.baseline_year, indicator.baseline_value))
        series.sort()
        rows.append(
            ValueRow(
                year=indicator.baseline_year,
                text=format_number(indicator.baseline_value, unit),
                source="",
                note="",
                is_baseline=True,
            )
        )
        rows.sort(key=lambda row: row.year)
    # The change is told from the baseline on.
    told = [(y, v) for y, v in series if not has_baseline or y >= indicator.baseline_year]
    baseline_text = (
        with_year(format_number(indicator.baseline_value, unit), indicator.baseline_year)
        if has_baseline
        else ""
    )
    target_text = (
        with_year(format_number(indicator.target_value, unit), indicator.target_year)
        if indicator.target_value is not None
        else ""
    )
    chart = build_line_chart(
        [(year, value, format_number(value, unit)) for year, value in series],
        baseline=(
            (
                indicator.baseline_value,
                gettext("Baseline %(value)s")
                % {"value": format_number(indicator.baseline_value, unit)},
            )
            if has_baseline
            else None
        ),
        target=(
            (
                indicator.target_value,
                indicator.target_year,
                gettext("Target %(value)s")
                % {"value": format_number(indicator.target_value, unit)},
            )
            if indicator.target_value is not None
            else None
        ),
        format_number=format_number,
    )
    latest = told[-1][1] if told else None
    return IndicatorView(
        indicator=indicator,
        anchor=f"indikator-{indicator.position}",
        problem_title=problem_titles.get(indicator.problem_id, ""),
        rows=rows,
        baseline=baseline_text,
        target=target_text,
        sentence=indicator_sentence(indicator, told, reached(indicator, latest)),
        chart=chart,
    )


def outcomes_for(promise: Promise) -> Outcomes:
    """The promise's problems (with the commitments that address them) and its indicators
    (with their values, charts and sentences), in at most four queries."""
    problems = list(
        Problem.objects.filter(promise=promise)
        .order_by("position")
        .prefetch_related(
            Prefetch(
                "commitments",
                queryset=Commitment.objects.select_related("focus_area").order_by(
                    "focus_area__position", "position"
                ),
            )
        )
    )
    indicators = list(
        Indicator.objects.filter(promise=promise)
        .order_by("position")
        .prefetch_related(Prefetch("values", queryset=IndicatorValue.objects.order_by("year")))
    )
    problem_views = [
        ProblemView(
            problem=problem,
            anchor=f"problem-{problem.position}",
            commitments=[
                LinkedCommitment(c.text, c.focus_area.name, c.focus_area.position)
                for c in problem.commitments.all()
            ],
        )
        for problem in problems
    ]
    titles = {problem.pk: problem.title for problem in problems}
    return Outcomes(
        problems=problem_views,
        indicators=[indicator_view(indicator, titles) for indicator in indicators],
    )
