"""The portal's scoped lookups: everything a partner's reporter sees goes through these, and
outsiders get a 404, never a hint that the round or sub-promise exists."""

from django.shortcuts import get_object_or_404
from django.urls import reverse

from followup.models import ReportingPeriod, StatusReport
from lofte.models import SubPromise


def get_period_for_user(user, period_id: int) -> ReportingPeriod:
    """A round of a promise in which one of the user's partners has a sub-promise."""
    return get_object_or_404(
        ReportingPeriod.objects.reported_by(user).select_related("promise"), pk=period_id
    )


def get_report_for_user(
    user, period_id: int, sub_promise_id: int
) -> tuple[ReportingPeriod, SubPromise, StatusReport | None]:
    """The round, the user's partner's sub-promise in it, and its report if one is begun."""
    period = get_period_for_user(user, period_id)
    sub_promise = get_object_or_404(
        SubPromise.objects.reported_by(user).select_related("focus_area"),
        pk=sub_promise_id,
        focus_area__promise=period.promise_id,
    )
    report = (
        StatusReport.objects.filter(period=period, sub_promise=sub_promise)
        .select_related("saved_by", "submitted_by")
        .prefetch_related("figures")
        .first()
    )
    return period, sub_promise, report


def report_url(period: ReportingPeriod, sub_promise: SubPromise) -> str:
    return reverse("portal:report", args=[period.pk, sub_promise.pk])
