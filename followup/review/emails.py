"""Emails to reporters: invitations, reminders, and notice of a review.

Texts are rendered in the site's language (Swedish) whatever language the coordinator's
browser asks for, since the recipient never chose. Each recipient gets their own message so
that reporters never see each other's addresses. The backend comes from settings (console in
development, SMTP in production).
"""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from .models import ReportingPeriod, StatusReport


def site_url(path: str = "/") -> str:
    return getattr(settings, "SITE_URL", "http://localhost:8000").rstrip("/") + path


def portal_url() -> str:
    return site_url("/rapportering/")


def reporters_of(partners: Iterable) -> list:
    """Active users with an email address who report for any of these partners."""
    return list(
        get_user_model()
        .objects.filter(memberships__partner__in=partners, is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def _send(users: Iterable, subject: str, template: str, context: dict) -> int:
    """One message per user; returns how many were sent."""
    with translation.override(settings.LANGUAGE_CODE):
        messages = [
            EmailMessage(
                subject=subject,
                body=render_to_string(template, {**context, "user": user}),
                to=[user.email],
            )
            for user in users
        ]
    if not messages:
        return 0
    return get_connection().send_messages(messages) or 0


def send_review_notice(report_id: int) -> int:
    """Tells the reporters of a report's partners that it was approved or returned."""
    report = StatusReport.objects.select_related(
        "sub_promise__focus_area__promise", "period", "reviewed_by"
    ).get(pk=report_id)
    if report.state == StatusReport.State.APPROVED:
        template = "emails/report_approved.txt"
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Your report has been approved: %(title)s") % {
                "title": report.sub_promise.title
            }
    elif report.state == StatusReport.State.RETURNED:
        template = "emails/report_returned.txt"
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Your report needs completing: %(title)s") % {
                "title": report.sub_promise.title
            }
    else:
        return 0
    users = reporters_of(report.sub_promise.partners.all())
    return _send(
        users,
        subject,
        template,
        {"report": report, "promise": report.sub_promise.promise, "portal_url": portal_url()},
    )


def send_reminder(
    *, period: ReportingPeriod, users: Iterable, kind: str, unfinished: int, partner=None
) -> int:
    """Reminds reporters that reports for `period` are not yet submitted."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Reminder: report for %(period)s by %(deadline)s") % {
            "period": period.name,
            "deadline": period.deadline.isoformat(),
        }
    return _send(
        users,
        subject,
        "emails/reminder.txt",
        {
            "period": period,
            "promise": period.promise,
            "partner": partner,
            "kind": kind,
            "unfinished": unfinished,
            "portal_url": portal_url(),
        },
    )


def set_password_url(user) -> str:
    """A one-time link for this user to choose a password (Django's reset token)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return site_url(reverse("password_reset_confirm", args=[uid, token]))


def send_invitation(*, user, partner, invited_by) -> int:
    """Invites a new reporter for `partner` with a link to set their password."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("You have been invited to report for %(partner)s") % {"partner": partner}
    return _send(
        [user],
        subject,
        "emails/invitation.txt",
        {
            "partner": partner,
            "invited_by": invited_by,
            "set_password_url": set_password_url(user),
            "portal_url": portal_url(),
        },
    )


def send_highlight_notice(highlight_id: int) -> int:
    """Tells the reporters that their report was picked for the follow-up."""
    from .models import Highlight

    highlight = Highlight.objects.select_related(
        "report__sub_promise__focus_area__promise", "report__period", "follow_up"
    ).get(pk=highlight_id)
    report = highlight.report
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Your report will be highlighted in the follow-up: %(title)s") % {
            "title": report.sub_promise.title
        }
    return _send(
        reporters_of(report.sub_promise.partners.all()),
        subject,
        "emails/report_highlighted.txt",
        {"report": report, "highlight": highlight, "promise": report.sub_promise.promise},
    )
