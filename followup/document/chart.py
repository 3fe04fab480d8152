"""Geometry of the status-per-focus-area chart, drawn as SVG by the document template.

Each focus area is a bar of stacked segments, one per status, as long as its number of
sub-promises. Colour is never the only cue: each status also has its own pattern, segments
carry their count when there is room, and the document repeats the figures as a table.
All colours reach at least 5:1 against white (WCAG 1.4.11 asks 3:1; white counts on them 4.5:1).
"""

from collections import Counter
from dataclasses import dataclass

# status → (fill, pattern); None is "no approved report", drawn white with a dark outline.
STYLES: dict[str | None, tuple[str, str]] = {
    "done": ("#1d6b3b", "solid"),
    "partly_done": ("#2a6f97", "stripes"),
    "in_progress": ("#935f00", "dots"),
    "not_started": ("#6b6f76", "lines"),
    "not_done": ("#a4262c", "cross"),
    None: ("#ffffff", "empty"),
}

WIDTH = 640
LABEL_WIDTH = 150
BAR_WIDTH = 420
ROW_HEIGHT = 34
BAR_HEIGHT = 22
TOP = 8
LEGEND_ROW = 22
LEGEND_COLUMNS = 3
MIN_WIDTH_FOR_COUNT = 20


@dataclass
class Segment:
    key: str
    label: str
    count: int
    x: float
    width: float
    fill: str
    pattern: str
    show_count: bool
    text_x: float
    dark_text: bool


@dataclass
class Bar:
    name: str
    total: int
    y: int
    text_y: int
    segments: list[Segment]
    total_x: float
    # Where the focus area's name goes: left of the bar (wide), or above it (narrow).
    label_x: float = LABEL_WIDTH - 10
    label_y: int = 0


@dataclass
class LegendItem:
    label: str
    fill: str
    pattern: str
    x: int
    y: int
    key: str


@dataclass
class StatusChart:
    width: int
    height: int
    label_width: int
    bars: list[Bar]
    legend: list[LegendItem]
    description: str
    label_anchor: str = "end"
    label_chars: int = 22
    font_size: int = 13


def key_of(status: str | None) -> str:
    return status or "none"


def build_status_chart(
    rows: list[tuple[str, Counter]], columns: list[tuple[str | None, str]]
) -> StatusChart:
    """Bars for (focus area name, counts by status) in the order of `columns`."""
    largest = max((sum(counts.values()) for _name, counts in rows), default=0) or 1
    scale = BAR_WIDTH / largest
    bars = []
    for index, (name, counts) in enumerate(rows):
        y = TOP + index * ROW_HEIGHT
        x = float(LABEL_WIDTH)
        segments = []
        for status, label in columns:
            count = counts.get(status, 0)
            if not count:
                continue
            width = count * scale
            fill, pattern = STYLES[status]
            segments.append(
                Segment(
                    key=key_of(status),
                    label=label,
                    count=count,
                    x=round(x, 2),
                    width=round(width, 2),
                    fill=fill,
                    pattern=pattern,
                    show_count=width >= MIN_WIDTH_FOR_COUNT,
                    text_x=round(x + width / 2, 2),
                    dark_text=status is None,
                )
            )
            x += width
        bars.append(
            Bar(
                name=name,
                total=sum(counts.values()),
                y=y,
                text_y=y + BAR_HEIGHT // 2 + 5,
                segments=segments,
                total_x=round(x + 6, 2),
                label_y=y + BAR_HEIGHT // 2 + 5,
            )
        )
    legend_top = TOP + len(rows) * ROW_HEIGHT + 14
    legend = []
    for index, (status, label) in enumerate(columns):
        fill, pattern = STYLES[status]
        column, row = index % LEGEND_COLUMNS, index // LEGEND_COLUMNS
        legend.append(
            LegendItem(
                label=label,
                fill=fill,
                pattern=pattern,
                x=column * (WIDTH // LEGEND_COLUMNS),
                y=legend_top + row * LEGEND_ROW,
                key=key_of(status),
            )
        )
    legend_rows = -(-len(columns) // LEGEND_COLUMNS)
    description = "; ".join(
        f"{name}: "
        + ", ".join(f"{label} {counts[status]}" for status, label in columns if counts[status])
        for name, counts in rows
    )
    return StatusChart(
        width=WIDTH,
        height=legend_top + legend_rows * LEGEND_ROW,
        label_width=LABEL_WIDTH,
        bars=bars,
        legend=legend,
        description=description,
    )


# The narrow layout, for screens about 390 px wide: drawn nearly 1:1 there, so its 15 px
# text stays at least 13 px (the wide chart scaled to a phone shrinks its text to about 7).
NARROW_WIDTH = 360
NARROW_BAR_WIDTH = 320
NARROW_LABEL_HEIGHT = 22
NARROW_ROW_HEIGHT = NARROW_LABEL_HEIGHT + BAR_HEIGHT + 14
NARROW_LEGEND_COLUMNS = 2


def narrow_layout(chart: StatusChart) -> StatusChart:
    """The same bars and legend, each focus area's name above its bar, two legend columns."""
    largest = max((bar.total for bar in chart.bars), default=0) or 1
    scale = NARROW_BAR_WIDTH / largest
    bars = []
    for index, bar in enumerate(chart.bars):
        top = TOP + index * NARROW_ROW_HEIGHT
        y = top + NARROW_LABEL_HEIGHT
        x = 0.0
        segments = []
        for segment in bar.segments:
            width = segment.count * scale
            segments.append(
                Segment(
                    key=segment.key,
                    label=segment.label,
                    count=segment.count,
                    x=round(x, 2),
                    width=round(width, 2),
                    fill=segment.fill,
                    pattern=segment.pattern,
                    show_count=width >= MIN_WIDTH_FOR_COUNT,
                    text_x=round(x + width / 2, 2),
                    dark_text=segment.dark_text,
                )
            )
            x += width
        bars.append(
            Bar(
                name=bar.name,
                total=bar.total,
                y=y,
                text_y=y + BAR_HEIGHT // 2 + 5,
                segments=segments,
                total_x=round(x + 6, 2),
                label_x=0,
                label_y=top + 16,
            )
        )
    legend_top = TOP + len(bars) * NARROW_ROW_HEIGHT + 6
    legend = [
        LegendItem(
            label=item.label,
            fill=item.fill,
            pattern=item.pattern,
            x=(index % NARROW_LEGEND_COLUMNS) * (NARROW_WIDTH // NARROW_LEGEND_COLUMNS),
            y=legend_top + (index // NARROW_LEGEND_COLUMNS) * LEGEND_ROW,
            key=item.key,
        )
        for index, item in enumerate(chart.legend)
    ]
    legend_rows = -(-len(legend) // NARROW_LEGEND_COLUMNS)
    return StatusChart(
        width=NARROW_WIDTH,
        height=legend_top + legend_rows * LEGEND_ROW,
        label_width=0,
        bars=bars,
        legend=legend,
        description=chart.description,
        label_anchor="start",
        label_chars=40,
        font_size=15,
    )
