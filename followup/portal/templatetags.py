"""Small template helpers for the reporting portal."""

from django import template

register = template.Library()


@register.filter
def person(user) -> str:
    """A user as people call them: full name, else user name, else a dash."""
    if user is None:
        return "–"
    return user.get_full_name() or user.get_username()
