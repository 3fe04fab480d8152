"""Geometry of an indicator's small line chart, drawn as SVG by `outcomes/_indicator_chart.html`.

The values over the years are a line with a marker per year; the baseline is a dashed
horizontal line and the target a dotted one with a diamond at its year. Colour is never the
only cue (the lines differ in dash and carry a text label), and the data table beside the chart
repeats every value. All colours reach at least 4.5:1 against white.
"""

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

WIDTH = 400
HEIGHT = 210
LEFT = 56
RIGHT = 20
TOP = 22
BOTTOM = 34
MAX_YEAR_LABELS = 8

LINE = "#1d4f91"
BASELINE = "#595959"
TARGET = "#1d6b3b"


@dataclass
class Point:
    x: float
    y: float
    year: int
    text: str


@dataclass
class Tick:
    position: float
    text: str


@dataclass
class Level:
    """A horizontal reference line (baseline or target) with its label."""

    y: float
    text: str
    label_x: float
    label_y: float
    anchor: str


@dataclass
class LineChart:
    width: int
    height: int
    left: int
    right: float
    top: int
    bottom: float
    points: list[Point]
    polyline: str
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    baseline: Level | None
    target: Level | None
    target_marker: str
    colours: dict[str, str]


def nice_step(rough: Decimal) -> Decimal:
    """The smallest of 1, 2 or 5 times a power of ten that is at least `rough`."""
    exponent = rough.adjusted()
    for factor in (1, 2, 5, 10):
        step = Decimal(factor).scaleb(exponent)
        if step >= rough:
            return step
    return Decimal(10).scaleb(exponent)  # pragma: no cover (10 × 10^e ≥ rough always)


def _scale(value: Decimal, lo: Decimal, hi: Decimal, start: float, end: float) -> float:
    """Maps value in [lo, hi] to [start, end]."""
    return round(start + float((value - lo) / (hi - lo)) * (end - start), 2)


def _value_axis(levels: list[Decimal]) -> tuple[Decimal, Decimal, Decimal]:
    """The value axis's bottom, top and step: round ends, with room around the extreme
    points (but no negative axis for counts)."""
    lo, hi = min(levels), max(levels)
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    step = nice_step((hi - lo) / 4)
    bottom_value = (lo / step).to_integral_value(rounding=ROUND_FLOOR) * step
    if bottom_value == lo and (lo < 0 or lo - step >= 0):
        bottom_value -= step
    top_value = (hi / step).to_integral_value(rounding=ROUND_CEILING) * step
    if top_value == hi:
        top_value += step
    return bottom_value, top_value, step


def _reference_levels(baseline, target, *, x_of, y_of, right: float):
    """The baseline's and target's lines with their labels, and the target's marker.

    Both labels sit at the right end, on the sides of their lines that face away from each
    other, and clear of the target's marker.
    """
    target_above = target is None or baseline is None or target[0] >= baseline[0]
    label_end = right - (22 if target and target[1] else 4)
    baseline_level = None
    if baseline:
        y = y_of(baseline[0])
        label_y = y - 5 if not target_above or target is None else y + 15
        baseline_level = Level(y, baseline[1], label_end, label_y, "end")
    target_level, target_marker = None, ""
    if target:
        y = y_of(target[0])
        target_level = Level(y, target[2], label_end, y - 5 if target_above else y + 15, "end")
        if target[1]:
            x = x_of(target[1])
            target_marker = f"M {x} {round(y - 6, 2)} l 6 6 l -6 6 l -6 -6 z"
    return baseline_level, target_level, target_marker


def build_line_chart(
    series: list[tuple[int, Decimal, str]],
    *,
    baseline: tuple[Decimal, str] | None,
    target: tuple[Decimal, int | None, str] | None,
    format_number,
) -> LineChart | None:
    """A chart of (year, value, text) points with the baseline (value, text) and the target
    (value, year, text) marked; None when there is nothing to draw."""
    if not series:
        return None
    years = [year for year, _value, _text in series]
    if target and target[1]:
        years.append(target[1])
    first_year, last_year = min(years), max(years)
    levels = [value for _year, value, _text in series]
    levels += [baseline[0]] if baseline else []
    levels += [target[0]] if target else []
    lo, hi, step = _value_axis(levels)

    right = WIDTH - RIGHT
    bottom = HEIGHT - BOTTOM

    def x_of(year: int) -> float:
        if first_year == last_year:
            return round((LEFT + right) / 2, 2)
        return _scale(Decimal(year), Decimal(first_year), Decimal(last_year), LEFT + 12, right - 12)

    def y_of(value: Decimal) -> float:
        return _scale(value, lo, hi, bottom, TOP)

    points = [Point(x_of(year), y_of(value), year, text) for year, value, text in series]
    every = -(-(last_year - first_year + 1) // MAX_YEAR_LABELS)
    x_ticks = [
        Tick(x_of(year), str(year))
        for year in range(first_year, last_year + 1)
        if (year - first_year) % every == 0 or year == last_year
    ]
    tick_values = []
    value = lo
    while value <= hi:
        tick_values.append(value)
        value += step
    y_ticks = [Tick(y_of(v), format_number(v)) for v in tick_values]
    baseline_level, target_level, target_marker = _reference_levels(
        baseline, target, x_of=x_of, y_of=y_of, right=right
    )
    return LineChart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=right,
        top=TOP,
        bottom=bottom,
        points=points,
        polyline=" ".join(f"{p.x},{p.y}" for p in points),
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        baseline=baseline_level,
        target=target_level,
        target_marker=target_marker,
        colours={"line": LINE, "baseline": BASELINE, "target": TARGET},
    )
