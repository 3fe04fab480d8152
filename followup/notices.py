"""Notices the workflow steps send once committed: a report approved or returned, a report
picked for the follow-up. Mailed to the reporters of the report's partners, one message each,
in the site's language (lofte/mail.py)."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from lofte.mail import portal_url, reporters_of, send_each

from .models import Highlight, StatusReport


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


def send_highlight_notice(highlight_id: int) -> int:
    """Tells the reporters that their report was picked for the follow-up."""
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
