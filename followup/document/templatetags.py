"""Filters for the follow-up document's template."""

from django import template
from django.utils.safestring import SafeString, mark_safe

from .chart import StatusChart, narrow_layout

register = template.Library()


@register.filter
def css_string(value) -> SafeString:
    """The value as a quoted CSS string, safe inside a <style> element."""
    escaped = "".join(
        ch if ch.isalnum() or ch in " .,:;!?–-()" else f"\\{ord(ch):x} " for ch in str(value)
    )
    return mark_safe(f'"{escaped}"')  # noqa: S308 (every other character is escaped)


@register.filter
def narrow_chart(chart: StatusChart) -> StatusChart:
    """The chart laid out for a phone's width (names above the bars)."""
    return narrow_layout(chart)


@register.filter
def with_targets(indicators) -> bool:
    """Whether any indicator row has a target, so that target columns are never all dashes."""
    return any(row.target != "–" for row in indicators)


@register.filter
def labelled(cells, columns) -> list[tuple[str, object]]:
    """Each cell with its column's label, for tables that stack on a phone."""
    return [(label, cell) for (_key, label), cell in zip(columns, cells, strict=True)]
