"""Reminder emails to reporters (a review's or highlight's notice is followup/notices.py).

How every email is sent (one message each, in the site's language) is `lofte.mail`.
"""

from collections.abc import Iterable

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from followup.models import ReportingPeriod
from lofte.mail import portal_url, send_each


def send_reminder(
    *, period: ReportingPeriod, users: Iterable, kind: str, unfinished: int, partner=None
) -> int:
    """Reminds reporters that reports for `period` are not yet submitted."""
    return send_each(
        users, reminder_subject(period), REMINDER, reminder_context(period, kind, unfinished)
    )


REMINDER = "followup/review/emails/reminder.txt"


def reminder_subject(period: ReportingPeriod) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("Reminder: report for %(period)s by %(deadline)s") % {
            "period": period.name,
            "deadline": period.deadline.isoformat(),
        }


def reminder_context(period: ReportingPeriod, kind: str, unfinished: int) -> dict:
    return {
        "period": period,
        "promise": period.promise,
        "kind": kind,
        "unfinished": unfinished,
        "portal_url": portal_url(),
    }
