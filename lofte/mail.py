"""How the app sends email: one message per recipient, in the site's language, on the queue.

Texts are rendered in the site's language (Swedish) whatever language the sender's browser
asks for, since the recipient never chose. Each recipient gets their own message so that
reporters never see each other's addresses.

No request talks to the mail server. `queue_email` records the message (an OutgoingEmail)
and queues one task for it, `deliver_email`, which a worker runs: it sends through the
backend in settings (console in development, SMTP in production), tries again later when
that fails (up to EMAIL_MAX_ATTEMPTS, waiting longer each time), and records the outcome.
One message failing never holds up another. Anything that would limit or hold back mail
(throttling, quiet hours) belongs in `deliver_email`, the one place every message passes.
"""

import datetime
import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from .models import OutgoingEmail

logger = logging.getLogger(__name__)


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
    """Queues one message per user (anything with an `email`); returns how many were queued.

    `headers(user)` gives a message's own headers, e.g. its List-Unsubscribe.
    """
    with translation.override(settings.LANGUAGE_CODE):
        messages = [
            (
                user.email,
                render_to_string(template, {**context, "user": user}),
                headers(user) if headers else {},
            )
            for user in users
        ]
    for to, body, extra in messages:
        queue_email(to=to, subject=subject, body=body, headers=extra)
    return len(messages)


def queue_email(*, to: str, subject: str, body: str, headers: dict | None = None) -> OutgoingEmail:
    """Records a message and queues its sending; returns at once.

    Inside a transaction the task is queued with it: a rolled-back step sends nothing.
    """
    # A line break in a subject would fail every attempt (BadHeaderError): fold it here.
    subject = " ".join(str(subject).split())[:255]
    email = OutgoingEmail.objects.create(to=to, subject=subject, body=body, headers=headers or {})
    deliver_email.enqueue(email.pk)
    return email


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long to wait after the n-th failed attempt: 1, 4, 16, 64… minutes."""
    return datetime.timedelta(minutes=4 ** (attempts - 1))


@task()
def deliver_email(email_id: int) -> str:
    """Sends one queued message; on failure records the error and tries again later.

    The attempt is claimed first (`Job.begin`): a second run of the task, or a second worker,
    sends nothing. A worker killed mid-send leaves the attempt begun, which the recovery pass
    (lofte/jobs.py) finds once it is stale.
    """
    if not OutgoingEmail.begin(email_id):
        return "not queued"  # sent, failed for good, being sent, or deleted meanwhile
    email = OutgoingEmail.objects.get(pk=email_id)
    attempt = OutgoingEmail.objects.filter(
        pk=email.pk, state=OutgoingEmail.State.QUEUED, started_at=email.started_at
    )
    try:
        EmailMessage(
            subject=email.subject, body=email.body, to=[email.to], headers=email.headers or None
        ).send()
    except Exception as error:
        reason = f"{type(error).__name__}: {error}"[:2000]
        if email.attempts >= settings.EMAIL_MAX_ATTEMPTS:
            attempt.update(
                state=OutgoingEmail.State.FAILED, error=reason, finished_at=timezone.now()
            )
            logger.error("Email %s failed for good: %s", email.pk, reason)
            return "failed"
        attempt.update(started_at=None, error=reason)
        logger.warning(
            "Email %s failed (attempt %s), retrying: %s", email.pk, email.attempts, reason
        )
        retry = deliver_email
        if retry.get_backend().supports_defer:
            retry = retry.using(run_after=timezone.now() + retry_delay(email.attempts))
        retry.enqueue(email.pk)
        return "retrying"
    # The body may hold a one-time link: once sent, it is not kept.
    attempt.update(state=OutgoingEmail.State.SENT, finished_at=timezone.now(), body="")
    return "sent"


def retry_failed_email(*, email: OutgoingEmail) -> bool:
    """Queues a message that failed for good once more, with its attempts counted afresh."""
    updated = OutgoingEmail.objects.filter(pk=email.pk, state=OutgoingEmail.State.FAILED).update(
        state=OutgoingEmail.State.QUEUED, attempts=0, started_at=None, finished_at=None
    )
    if updated:
        deliver_email.enqueue(email.pk)
    return bool(updated)
