"""Filters for the follow-up document's template."""

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def css_string(value) -> SafeString:
    """The value as a quoted CSS string, safe inside a <style> element."""
    escaped = "".join(
        ch if ch.isalnum() or ch in " .,:;!?–-()" else f"\\{ord(ch):x} " for ch in str(value)
    )
    return mark_safe(f'"{escaped}"')  # noqa: S308 (every other character is escaped)
