"""Emails to reporters about their reports: reminders, and notice of a review or highlight.

How every email is sent (one message each, in the site's language) is `lofte.mail`.
"""

from collections.abc import Iterable

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from followup.models import ReportingPeriod, StatusReport
from lofte.mail import portal_url, reporters_of, send_each


def send_review_notice(report_id: int) -> int:
    """Tells the reporters of a report's partners that it was approved or returned."""
    report = StatusReport.objects.select_related(
        "sub_promise__focus_area__promise", "period", "reviewed_by"
    ).get(pk=report_id)
    if report.state == StatusReport.State.APPROVED:
        template = "followup/review/emails/report_approved.txt"
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Your report has been approved: %(title)s") % {
                "title": report.sub_promise.title
            }
    elif report.state == StatusReport.State.RETURNED:
        template = "followup/review/emails/report_returned.txt"
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Your report needs completing: %(title)s") % {
                "title": report.sub_promise.title
            }
    else:
        return 0
    users = reporters_of(report.sub_promise.partners.all())
    return send_each(
        users,
        subject,
        template,
        {"report": report, "promise": report.sub_promise.promise, "portal_url": portal_url()},
    )


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


def send_highlight_notice(highlight_id: int) -> int:
    """Tells the reporters that their report was picked for the follow-up."""
    from followup.models import Highlight

    highlight = Highlight.objects.select_related(
        "report__sub_promise__focus_area__promise", "report__period", "follow_up"
    ).get(pk=highlight_id)
    report = highlight.report
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Your report will be highlighted in the follow-up: %(title)s") % {
            "title": report.sub_promise.title
        }
    return send_each(
        reporters_of(report.sub_promise.partners.all()),
        subject,
        "followup/review/emails/report_highlighted.txt",
        {"report": report, "highlight": highlight, "promise": report.sub_promise.promise},
    )
