"""How the app sends email: one message per recipient, in the site's language.

Texts are rendered in the site's language (Swedish) whatever language the sender's browser
asks for, since the recipient never chose. Each recipient gets their own message so that
reporters never see each other's addresses. The backend comes from settings (console in
development, SMTP in production).
"""

from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation


def site_url(path: str = "/") -> str:
    return getattr(settings, "SITE_URL", "http://localhost:8000").rstrip("/") + path


def portal_url() -> str:
    return site_url(reverse("portal:dashboard"))


def reporters_of(partners: Iterable) -> list:
    """Active users with an email address who report for any of these partners."""
    return list(
        get_user_model()
        .objects.filter(memberships__partner__in=partners, is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def send_each(
    users: Iterable,
    subject: str,
    template: str,
    context: dict,
    *,
    headers: Callable[[object], dict] | None = None,
) -> int:
    """One message per user (anything with an `email`); returns how many were sent.

    `headers(user)` gives a message's own headers, e.g. its List-Unsubscribe.
    """
    with translation.override(settings.LANGUAGE_CODE):
        messages = [
            EmailMessage(
                subject=subject,
                body=render_to_string(template, {**context, "user": user}),
                to=[user.email],
                headers=headers(user) if headers else None,
            )
            for user in users
        ]
    if not messages:
        return 0
    return get_connection().send_messages(messages) or 0
