"""Workflow steps on status reports: the portal and admin both go through these.

Each step is atomic, checks the report's current state in the same UPDATE that claims it
(so two people acting at once cannot both succeed), records who and when, raises the
report's version, and saves only the fields it changes.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lofte.models import Promise, Responsibility, SubPromise

from . import notices
from .models import (
    Contribution,
    FollowUp,
    Highlight,
    ReportingPeriod,
    StatusReport,
    StatusReportQuerySet,
)

State = StatusReport.State


class WorkflowError(Exception):
    """A step that the report's current state does not allow."""


class ReportConflict(WorkflowError):
    """Someone else changed the report since this user loaded it."""

    def __init__(self, current: StatusReport):
        super().__init__(_("The report was changed by someone else while you were editing it."))
        self.current = current


class IncompleteReport(WorkflowError):
    """A report handed in without what handing in asks for."""

    def __init__(self, missing: dict[str, str]):
        super().__init__(" ".join(str(message) for message in missing.values()))
        self.missing = missing


@dataclass
class FigureData:
    label: str
    value: Decimal
    unit: str = ""


@dataclass
class ReportContent:
    """What a reporter writes in a report."""

    status: str
    achieved: str = ""
    obstacles: str = ""
    next_steps: str = ""
    figures: list[FigureData] = field(default_factory=list)


def _claim(
    report: StatusReport,
    *,
    allowed: StatusReportQuerySet,
    version: int | None = None,
    in_open_round: bool = False,
) -> None:
    """Raises the report's version if it is one of the `allowed` reports (and at `version`);
    `in_open_round` says that the step asks for an open round, to name it when it fails.

    The check and the write are one UPDATE: of two concurrent steps only one matches.
    """
    rows = allowed.filter(pk=report.pk)
    if version is not None:
        rows = rows.filter(version=version)
    if rows.update(version=F("version") + 1) != 1:
        current = StatusReport.objects.select_related("period").get(pk=report.pk)
        if version is not None and current.version != version:
            raise ReportConflict(current)
        if in_open_round and not current.period.is_open:
            raise WorkflowError(_("The reporting round is closed."))
        raise WorkflowError(
            _("This report can no longer be changed (it is %(state)s).")
            % {"state": current.get_state_display().lower()}
        )
    report.version = StatusReport.objects.values_list("version", flat=True).get(pk=report.pk)


def _require_lead(report: StatusReport, user) -> None:
    """Only the lead partner's reporters write and hand in a sub-promise's report."""
    if not SubPromise.objects.led_by(user).filter(pk=report.sub_promise_id).exists():
        raise WorkflowError(
            _(
                "Only the lead partner's reporters write and hand in this report; "
                "co-partners describe their part in a contribution."
            )
        )


def _replace_figures(owner: StatusReport | Contribution, figures: list[FigureData]) -> None:
    """Replaces a report's or contribution's figures with `figures`, in their order."""
    owner.figures.all().delete()
    model, key = owner.figures.model, owner.figures.field.name
    model.objects.bulk_create(
        model(**{key: owner}, position=i, label=f.label, value=f.value, unit=f.unit)
        for i, f in enumerate(figures, start=1)
    )


def get_or_start_report(*, sub_promise, period: ReportingPeriod) -> StatusReport:
    """The report on this sub-promise for this round, begun as an empty draft if need be."""
    try:
        with transaction.atomic():
            report, _created = StatusReport.objects.get_or_create(
                sub_promise=sub_promise, period=period
            )
    except IntegrityError:  # started by someone else at the same moment
        report = StatusReport.objects.get(sub_promise=sub_promise, period=period)
    return report


@transaction.atomic
def save_report(
    *, report: StatusReport, user, content: ReportContent, version: int
) -> StatusReport:
    """Saves a draft or returned report, unless someone saved it since `version`."""
    _require_lead(report, user)
    _claim(report, allowed=StatusReport.objects.editable(), version=version, in_open_round=True)
    report.status = content.status
    report.achieved = content.achieved
    report.obstacles = content.obstacles
    report.next_steps = content.next_steps
    report.saved_at = timezone.now()
    report.saved_by = user
    report._history_user = user
    report.save(
        update_fields=[
            "status",
            "achieved",
            "obstacles",
            "next_steps",
            "saved_at",
            "saved_by",
            "version",
        ]
    )
    _replace_figures(report, content.figures)
    return report


@transaction.atomic
def submit_report(*, report: StatusReport, user, version: int | None = None) -> StatusReport:
    """Hands a draft or returned report to the coordinators for review.

    Only the lead partner's reporters hand in, and only a complete report: a status, and
    what was done or why not (`StatusReport.missing_for_submission`).
    """
    _require_lead(report, user)
    _claim(report, allowed=StatusReport.objects.editable(), version=version, in_open_round=True)
    current = StatusReport.objects.only("status", "achieved", "obstacles").get(pk=report.pk)
    missing = current.missing_for_submission()
    if missing:
        raise IncompleteReport(missing)
    report.state = State.SUBMITTED
    report.submitted_at = timezone.now()
    report.submitted_by = user
    report.review_opened_at = None
    report._history_user = user
    report.save(
        update_fields=["state", "submitted_at", "submitted_by", "review_opened_at", "version"]
    )
    return report


@transaction.atomic
def withdraw_report(*, report: StatusReport, user) -> StatusReport:
    """Takes a handed-in report back to draft, while no coordinator has opened it yet."""
    _require_lead(report, user)
    rows = StatusReport.objects.withdrawable().filter(pk=report.pk)
    if rows.update(version=F("version") + 1) != 1:
        raise WorkflowError(
            _("The report can no longer be taken back: the coordinator has begun reviewing it.")
        )
    report.version = StatusReport.objects.values_list("version", flat=True).get(pk=report.pk)
    report.state = State.DRAFT
    report.submitted_at = None
    report.submitted_by = None
    report._history_user = user
    report.save(update_fields=["state", "submitted_at", "submitted_by", "version"])
    return report


def open_review(*, report: StatusReport, reviewer) -> bool:
    """Records that a coordinator has begun reviewing a handed-in report (once)."""
    return bool(
        StatusReport.objects.awaiting_review()
        .filter(pk=report.pk, review_opened_at__isnull=True)
        .update(review_opened_at=timezone.now())
    )


@dataclass
class ContributionContent:
    """What a co-partner writes about its own part."""

    achieved: str = ""
    obstacles: str = ""
    figures: list[FigureData] = field(default_factory=list)


class ContributionConflict(WorkflowError):
    """Someone else saved the contribution since this user loaded it."""

    def __init__(self, current: Contribution):
        super().__init__(
            _("The contribution was changed by someone else while you were editing it.")
        )
        self.current = current


@transaction.atomic
def save_contribution(
    *,
    report: StatusReport,
    partner,
    user,
    content: ContributionContent,
    version: int,
    ready: bool,
) -> Contribution:
    """Saves a co-partner's contribution (as a draft, or marked ready for the lead).

    Allowed to the co-partner's reporters while the report is not handed in and the round
    is open; `version` guards against overwriting a colleague's save.
    """
    if not (
        Responsibility.objects.filter(
            sub_promise=report.sub_promise_id,
            partner=partner,
            role=Responsibility.Role.CO,
            partner__memberships__user=user,
        ).exists()
    ):
        raise WorkflowError(_("Only the co-partners' reporters write contributions."))
    # Locks the report's row while the contribution is saved: a hand-in under way holds it,
    # so this waits and then sees the report handed in; a hand-in that comes after waits for
    # this save. A plain read would let a save land after the hand-in it did not see.
    if (
        not StatusReport.objects.select_for_update(no_key=True)
        .editable()
        .filter(pk=report.pk)
        .exists()
    ):
        raise WorkflowError(
            _("The report is handed in or the round is closed: contributions can no longer change.")
        )
    contribution, _created = Contribution.objects.get_or_create(report=report, partner=partner)
    if (
        Contribution.objects.filter(pk=contribution.pk, version=version).update(
            version=F("version") + 1
        )
        != 1
    ):
        raise ContributionConflict(Contribution.objects.get(pk=contribution.pk))
    now = timezone.now()
    contribution.version = version + 1
    contribution.achieved = content.achieved
    contribution.obstacles = content.obstacles
    contribution.saved_at = now
    contribution.saved_by = user
    contribution.state = Contribution.State.READY if ready else Contribution.State.DRAFT
    contribution.ready_at = now if ready else None
    contribution._history_user = user
    contribution.save()
    _replace_figures(contribution, content.figures)
    return contribution


@transaction.atomic
def approve_report(*, report: StatusReport, reviewer) -> StatusReport:
    """Accepts a submitted report: the follow-up counts and quotes approved reports."""
    _claim(report, allowed=StatusReport.objects.awaiting_review())
    report.state = State.APPROVED
    report.reviewed_at = timezone.now()
    report.reviewed_by = reviewer
    report.save(update_fields=["state", "reviewed_at", "reviewed_by", "version"])
    _notify_after_commit(report)
    return report


@transaction.atomic
def return_report(*, report: StatusReport, reviewer, comment: str) -> StatusReport:
    """Sends a submitted report back to the partner with the coordinator's comment."""
    if not comment.strip():
        raise WorkflowError(_("Say what the partner should complete."))
    # In a closed round the partner could not complete it: reopen the round first.
    _claim(
        report,
        allowed=StatusReport.objects.awaiting_review().in_open_round(),
        in_open_round=True,
    )
    report.state = State.RETURNED
    report.review_comment = comment
    report.reviewed_at = timezone.now()
    report.reviewed_by = reviewer
    report.save(update_fields=["state", "review_comment", "reviewed_at", "reviewed_by", "version"])
    _notify_after_commit(report)
    return report


def _notify_after_commit(report: StatusReport) -> None:
    """Emails the partner's reporters once the review is committed.

    Robust: a mail server that is down must not undo, or seem to undo, the review.
    """
    transaction.on_commit(lambda: notices.send_review_notice(report.pk), robust=True)


@transaction.atomic
def mark_highlight(
    *, report: StatusReport, follow_up: FollowUp | None = None, reviewer, text: str | None = None
) -> Highlight:
    """Picks an approved report for the follow-up, appended after its other highlights.

    Without `follow_up`, the promise's latest draft follow-up is used (begun if there is none).
    The sentence defaults to what the report says was achieved; the coordinator edits it later.
    """
    if report.state != State.APPROVED:
        raise WorkflowError(_("Only approved reports can be highlighted."))
    promise = report.period.promise
    if follow_up is None:
        # Locks the promise: of two picks at once that find no draft, the second waits and
        # then finds the draft the first began, instead of beginning a second one.
        Promise.objects.select_for_update(no_key=True).get(pk=promise.pk)
        follow_up = (
            FollowUp.objects.select_for_update()
            .filter(promise=promise, state__in=FollowUp.EDITABLE_STATES)
            .order_by("-covers_to", "-pk")
            .first()
        )
    if follow_up is None:
        follow_up = FollowUp.objects.create(
            promise=promise,
            title=_("Follow-up citizen promise %(area)s %(years)s")
            % {"area": promise.area, "years": promise.years},
            covers_from=promise.starts_on,
            covers_to=max(report.period.deadline, promise.starts_on),
        )
    else:
        # Serialises concurrent picks for the same follow-up, so positions never clash.
        follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if follow_up.promise_id != promise.pk:
        raise WorkflowError(_("The report belongs to another promise than the follow-up."))
    if follow_up.state not in FollowUp.EDITABLE_STATES:
        raise WorkflowError(_("A published follow-up cannot be changed."))
    existing = follow_up.highlights.filter(report=report).first()
    if existing is not None:
        return existing
    last = follow_up.highlights.order_by("-position").values_list("position", flat=True).first()
    highlight = Highlight.objects.create(
        follow_up=follow_up,
        report=report,
        position=(last or 0) + 1,
        text=text if text is not None else report.achieved,
    )
    transaction.on_commit(lambda: notices.send_highlight_notice(highlight.pk), robust=True)
    return highlight
