"""The partner's dashboard: the rounds to report in, each sub-promise with where it stands
and whether the partner still owes its part."""

from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.db import models
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from followup.models import Contribution, ReportingPeriod, StatusReport, part_done_in_hand
from lofte.models import Responsibility, SubPromise
from parties.models import Partner

from .access import get_period_for_user

State = StatusReport.State


class RowState(models.TextChoices):
    """Where a sub-promise stands for the user's partner: the report's own states, and for a
    co-partner its contribution's, until the lead hands the report in."""

    NOT_BEGUN = "not_begun", _("Not begun")
    DRAFT = StatusReport.State.DRAFT.value, StatusReport.State.DRAFT.label
    SUBMITTED = StatusReport.State.SUBMITTED.value, StatusReport.State.SUBMITTED.label
    RETURNED = StatusReport.State.RETURNED.value, StatusReport.State.RETURNED.label
    APPROVED = StatusReport.State.APPROVED.value, StatusReport.State.APPROVED.label
    CONTRIBUTION_DRAFT = "contribution_draft", _("Your part: draft")
    CONTRIBUTION_READY = "contribution_ready", _("Your part: ready")


@dataclass
class Row:
    """One sub-promise in a round, as the user's partner is asked to act on it."""

    sub_promise: SubPromise
    report: StatusReport | None
    role: str | None
    contribution: Contribution | None = None

    @property
    def is_lead(self) -> bool:
        return self.role == Responsibility.Role.LEAD

    @property
    def report_begun(self) -> bool:
        return self.report is not None and not (
            self.report.state == State.DRAFT and self.report.saved_at is None
        )

    @property
    def state(self) -> RowState:
        """For the lead: the report's state; for a co-partner: its contribution's, until
        the report is handed in."""
        if self.report is not None and self.report.state in StatusReport.HANDED_IN_STATES:
            return RowState(self.report.state)
        if not self.is_lead:
            if self.report is not None and self.report.state == State.RETURNED:
                return RowState.RETURNED
            if self.contribution is None or self.contribution.saved_at is None:
                return RowState.NOT_BEGUN
            if self.contribution.state == Contribution.State.READY:
                return RowState.CONTRIBUTION_READY
            return RowState.CONTRIBUTION_DRAFT
        return RowState(self.report.state) if self.report_begun else RowState.NOT_BEGUN

    @property
    def state_label(self) -> str:
        return self.state.label

    @property
    def task(self) -> str:
        if self.is_lead:
            return _("You are responsible: report and hand in")
        return _("You take part: describe your part")

    @property
    def to_do(self) -> bool:
        """Whether the user's partner still owes its part here this round."""
        return not part_done_in_hand(
            is_lead=self.is_lead, report=self.report, contribution=self.contribution
        )

    @property
    def order(self) -> int:
        """Returned reports first, then what is still to do, then what is done."""
        if self.state == RowState.RETURNED:
            return 0
        return 1 if self.to_do else 2


@dataclass
class Round:
    period: ReportingPeriod
    rows: list[Row] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def done(self) -> int:
        return sum(1 for row in self.rows if not row.to_do)

    @property
    def to_do(self) -> list[Row]:
        return [row for row in self.rows if row.to_do]

    @property
    def finished(self) -> list[Row]:
        return [row for row in self.rows if not row.to_do]

    @property
    def days_left(self) -> int:
        return (self.period.deadline - timezone.localdate()).days


def rounds_of(user, periods: list[ReportingPeriod]) -> list[Round]:
    """Each round with the user's partners' sub-promises in it, most urgent first.

    Five queries whatever the number of rounds, sub-promises, reports and contributions.
    """
    if not periods:
        return []
    promise_ids = {period.promise_id for period in periods}
    subs = list(
        SubPromise.objects.reported_by(user)
        .filter(focus_area__promise__in=promise_ids)
        .select_related("focus_area")
        .order_by("focus_area__promise", "focus_area__position", "position")
    )
    # Only the fields the rows use: the model's default ordering would join what it needs.
    reports = {
        (report.period_id, report.sub_promise_id): report
        for report in StatusReport.objects.reported_by(user)
        .filter(period__in=periods)
        .order_by()
        .only("pk", "period_id", "sub_promise_id", "state", "saved_at", "review_comment")
    }
    contributions = {
        contribution.report_id: contribution
        for contribution in Contribution.objects.written_by(user)
        .filter(report__period__in=periods)
        .order_by()
        .only("pk", "report_id", "partner_id", "state", "saved_at")
    }
    roles: dict[int, str] = {}
    for sub_id, role in Responsibility.objects.filter(
        sub_promise__in=[sub.pk for sub in subs], partner__memberships__user=user
    ).values_list("sub_promise_id", "role"):
        if roles.get(sub_id) != Responsibility.Role.LEAD:
            roles[sub_id] = role
    rounds = []
    for period in periods:
        overview = Round(period)
        for sub in subs:
            if sub.focus_area.promise_id != period.promise_id:
                continue
            report = reports.get((period.pk, sub.pk))
            overview.rows.append(
                Row(
                    sub,
                    report,
                    roles.get(sub.pk),
                    contributions.get(report.pk) if report is not None else None,
                )
            )
        overview.rows.sort(key=lambda row: row.order)
        rounds.append(overview)
    return rounds


def next_to_report(user, period: ReportingPeriod, after: SubPromise) -> Row | None:
    """The next sub-promise in this round that the user's partner still has to act on."""
    (overview,) = rounds_of(user, [period])
    return next((row for row in overview.to_do if row.sub_promise.pk != after.pk), None)


@login_required
def dashboard(request):
    """The open rounds the user reports in, and links to earlier rounds."""
    periods = list(
        ReportingPeriod.objects.reported_by(request.user)
        .select_related("promise")
        .order_by("deadline", "pk")
    )
    open_periods = [period for period in periods if period.is_open]
    return render(
        request,
        "followup/portal/dashboard.html",
        {
            "rounds": rounds_of(request.user, open_periods),
            "earlier": sorted(
                (period for period in periods if not period.is_open),
                key=lambda period: period.deadline,
                reverse=True,
            ),
            "partners": Partner.objects.filter(memberships__user=request.user),
        },
    )


@login_required
def period_detail(request, period_id: int):
    """One round (open or closed) with the user's partners' sub-promises in it."""
    period = get_period_for_user(request.user, period_id)
    (overview,) = rounds_of(request.user, [period])
    return render(request, "followup/portal/period.html", {"round": overview})
