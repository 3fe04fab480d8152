"""The partners' reporting portal: the rounds to report in and the report form."""

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import models, transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from followup.models import Contribution, ReportingPeriod, StatusReport, part_done_in_hand
from followup.services import (
    ContributionConflict,
    IncompleteReport,
    ReportConflict,
    WorkflowError,
    get_or_start_report,
    save_contribution,
    save_report,
    submit_report,
    withdraw_report,
)
from lofte.models import Responsibility, SubPromise
from parties.models import Partner

from .forms import (
    ContributionForm,
    FigureFormSet,
    ReportForm,
    content_from,
    contribution_content_from,
    contribution_initial,
    posted_initial,
    report_initial,
)

State = StatusReport.State
FIGURES_PREFIX = "figures"


# ----------------------------------------------------------------------------------------
# Scoped lookups: everything the portal shows goes through these, and outsiders get a 404.


def _get_period_for_user(user, period_id: int) -> ReportingPeriod:
    """A round of a promise in which one of the user's partners has a sub-promise."""
    return get_object_or_404(
        ReportingPeriod.objects.reported_by(user).select_related("promise"), pk=period_id
    )


def _get_report_for_user(
    user, period_id: int, sub_promise_id: int
) -> tuple[ReportingPeriod, SubPromise, StatusReport | None]:
    """The round, the user's partner's sub-promise in it, and its report if one is begun."""
    period = _get_period_for_user(user, period_id)
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


# ----------------------------------------------------------------------------------------
# The dashboard


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


def _rounds(user, periods: list[ReportingPeriod]) -> list[Round]:
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


def _next_to_report(user, period: ReportingPeriod, after: SubPromise) -> Row | None:
    """The next sub-promise in this round that the user's partner still has to act on."""
    (overview,) = _rounds(user, [period])
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
            "rounds": _rounds(request.user, open_periods),
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
    period = _get_period_for_user(request.user, period_id)
    (overview,) = _rounds(request.user, [period])
    return render(request, "followup/portal/period.html", {"round": overview})


# ----------------------------------------------------------------------------------------
# The report form (the lead partner) and the contribution form (co-partners)


def _previous_report(sub_promise: SubPromise, period: ReportingPeriod) -> StatusReport | None:
    """The report on the same sub-promise in the latest earlier round, if it was handed in."""
    return (
        StatusReport.objects.filter(
            sub_promise=sub_promise,
            period__promise=period.promise_id,
            period__deadline__lt=period.deadline,
        )
        .exclude(state=State.DRAFT)
        .select_related("period")
        .prefetch_related("figures")
        .order_by("-period__deadline")
        .first()
    )


def _indicator_row(sub_promise: SubPromise) -> dict | None:
    if not sub_promise.indicator_label:
        return None
    return {"label": sub_promise.indicator_label, "value": "", "unit": sub_promise.indicator_unit}


def _with_indicator_first(sub_promise: SubPromise, rows: list[dict]) -> list[dict]:
    """The figure rows, with the sub-promise's indicator as the first row."""
    indicator = _indicator_row(sub_promise)
    if indicator is None:
        return rows
    for i, row in enumerate(rows):
        if row["label"].strip().casefold() == indicator["label"].casefold():
            return [row, *rows[:i], *rows[i + 1 :]]
    return [indicator, *rows]


def _unbound_forms(
    sub_promise, initial: dict, rows: list[dict], *, shown: int | None = None, form_class=None
):
    """The form showing `initial` and the figure `rows` (at least `shown` rows in all)."""
    form = (form_class or ReportForm)(initial=initial)
    figures = FigureFormSet(
        initial=_with_indicator_first(sub_promise, rows), prefix=FIGURES_PREFIX, rows=shown
    )
    return form, figures


def _bound_forms(sub_promise, data, *, for_submission: bool = False, form_class=None):
    # An untouched indicator row (label and unit as given, no value) counts as empty.
    indicator = _indicator_row(sub_promise)
    if form_class is None:
        form = ReportForm(data, for_submission=for_submission)
    else:
        form = form_class(data)
    figures = FigureFormSet(data, prefix=FIGURES_PREFIX, initial=[indicator] if indicator else [])
    return form, figures


def _as_typed(request, sub_promise, version: int, form_class=None):
    """The forms as the user typed them, at the saved `version`, with their errors shown:
    saving again then replaces what is stored."""
    data = request.POST.copy()
    data["version"] = str(version)
    form, figures = _bound_forms(sub_promise, data, form_class=form_class)
    form.is_valid()
    figures.is_valid()
    return form, figures


def _fill_from_previous(initial: dict, rows: list[dict], previous: StatusReport):
    """Fills what is empty from the previous report; nothing typed is replaced."""
    prev_initial, prev_rows = report_initial(previous)
    initial = dict(initial)
    for name in ("achieved", "obstacles", "next_steps"):
        if not (initial.get(name) or "").strip():
            initial[name] = prev_initial[name]
    if not initial.get("status"):
        initial["status"] = prev_initial["status"]
    filled = [row for row in rows if (row.get("value") or "").strip()]
    if not filled:
        rows = prev_rows
    return initial, rows


def _take_contribution(initial: dict, rows: list[dict], contribution: Contribution):
    """Adds a contribution's text and figures to what the lead has typed; nothing is lost."""
    initial = dict(initial)
    text = (contribution.achieved or "").strip()
    if text:
        typed = (initial.get("achieved") or "").rstrip()
        taken = f"{contribution.partner.name}: {text}"
        if taken not in typed:
            initial["achieved"] = f"{typed}\n\n{taken}" if typed else taken
    _initial, taken_rows = contribution_initial(contribution)
    filled = [row for row in rows if any(str(v).strip() for v in row.values())]
    known = {(row["label"], str(row["value"]), row["unit"]) for row in filled}
    filled += [
        row for row in taken_rows if (row["label"], str(row["value"]), row["unit"]) not in known
    ]
    return initial, filled


def _report_url(period: ReportingPeriod, sub_promise: SubPromise) -> str:
    return reverse("portal:report", args=[period.pk, sub_promise.pk])


def _role_of(user, sub_promise: SubPromise) -> Responsibility:
    """The user's partner's part in the sub-promise; the lead's if they report for both."""
    responsibilities = sorted(
        Responsibility.objects.filter(
            sub_promise=sub_promise, partner__memberships__user=user
        ).select_related("partner"),
        key=lambda r: (r.role != Responsibility.Role.LEAD, r.partner.name),
    )
    return responsibilities[0]


def _contributions(report: StatusReport | None, responsibilities) -> list[dict]:
    """Each co-partner with its contribution to this round's report (or none yet)."""
    found = {}
    if report is not None:
        found = {
            c.partner_id: c
            for c in Contribution.objects.filter(report=report)
            .select_related("saved_by")
            .prefetch_related("figures")
        }
    return [
        {"partner": r.partner, "contribution": found.get(r.partner_id)}
        for r in responsibilities
        if r.role == Responsibility.Role.CO
    ]


@login_required
@require_http_methods(["GET", "POST"])
def report_form(request, period_id: int, sub_promise_id: int):
    """The report on one sub-promise in one round.

    The lead partner's reporters write and hand in the report; a co-partner's reporters
    write their contribution. Read-only once handed in or when the round is closed.
    """
    period, sub_promise, report = _get_report_for_user(request.user, period_id, sub_promise_id)
    responsibilities = list(
        Responsibility.objects.filter(sub_promise=sub_promise)
        .select_related("partner")
        .order_by("role", "partner__name")
    )
    role = _role_of(request.user, sub_promise)
    context = {
        "period": period,
        "sub_promise": sub_promise,
        "report": report,
        "role": role,
        "previous": _previous_report(sub_promise, period),
        "partners": sorted(responsibilities, key=lambda r: r.role != Responsibility.Role.LEAD),
        "lead": next(
            (r.partner for r in responsibilities if r.role == Responsibility.Role.LEAD), None
        ),
        "contributions": _contributions(report, responsibilities),
        "days_left": (period.deadline - timezone.localdate()).days,
    }
    if role.role != Responsibility.Role.LEAD:
        return _contribution_page(request, context, role.partner)
    action = request.POST.get("action", "save") if request.method == "POST" else ""
    if not StatusReport.is_editable(period, report):
        if action == "withdraw":
            return _withdraw(request, context)
        status = 200
        if request.method == "POST":
            status = 403
            context["refused"] = True
            context["typed"] = posted_initial(request.POST)[0]
        context["can_withdraw"] = StatusReport.is_withdrawable(period, report)
        return render(request, "followup/portal/report_readonly.html", context, status=status)

    if request.method == "GET":
        initial, rows = report_initial(report)
        form, figures = _unbound_forms(sub_promise, initial, rows)
    elif action == "add_row":
        initial, rows = posted_initial(request.POST, FIGURES_PREFIX)
        shown = max(_posted_total(request.POST), len(rows)) + 1
        form, figures = _unbound_forms(sub_promise, initial, rows, shown=shown)
        context["row_added"] = shown - 1
    elif action == "copy_previous" and context["previous"] is not None:
        initial, rows = posted_initial(request.POST, FIGURES_PREFIX)
        initial, rows = _fill_from_previous(initial, rows, context["previous"])
        form, figures = _unbound_forms(sub_promise, initial, rows)
        messages.info(
            request,
            _(
                "Empty fields were filled in from the previous report. Nothing you had typed "
                "was replaced. Check the text and save."
            ),
        )
    elif action.startswith("take_contribution:"):
        initial, rows = posted_initial(request.POST, FIGURES_PREFIX)
        wanted = action.partition(":")[2]
        taken = next(
            (
                entry["contribution"]
                for entry in context["contributions"]
                if entry["contribution"] is not None and str(entry["contribution"].pk) == wanted
            ),
            None,
        )
        if taken is not None:
            initial, rows = _take_contribution(initial, rows, taken)
            messages.info(
                request,
                _(
                    "The text and figures of %(partner)s were added to the form. Nothing you "
                    "had typed was replaced. Edit the text and save."
                )
                % {"partner": taken.partner.name},
            )
        form, figures = _unbound_forms(sub_promise, initial, rows)
    elif action == "confirm":
        return _confirm_submission(request, context)
    else:
        submit = action == "submit"
        form, figures = _bound_forms(sub_promise, request.POST, for_submission=submit)
        if form.is_valid() and (figures.is_valid() or not submit):
            return _save(request, context, form, figures, submit=submit)
    _focus_added_row(figures, context.get("row_added"))
    context.update(form=form, figures=figures)
    return render(request, "followup/portal/report_form.html", context)


def _focus_added_row(figures, index: int | None) -> None:
    """ "Add a row" brings the user back to the figures, in the new row (no JavaScript)."""
    if index is not None and index < len(figures.forms):
        figures.forms[index].fields["label"].widget.attrs["autofocus"] = True


def _posted_total(data) -> int:
    try:
        return min(int(data.get(f"{FIGURES_PREFIX}-TOTAL_FORMS", 0)), 50)
    except ValueError:
        return 0


def _conflict_response(request, context: dict, form, current: StatusReport):
    """Someone saved since this user loaded the form: show both texts, lose nothing."""
    period, sub_promise = context["period"], context["sub_promise"]
    context["conflict"] = current
    context["conflict_figures"] = list(current.figures.all())
    if not StatusReport.is_editable(period, current):
        context.update(report=current, typed=form.cleaned_data)
        return render(request, "followup/portal/report_readonly.html", context, status=409)
    # The user's text stays in the form; saving again replaces the other version.
    form, figures = _as_typed(request, sub_promise, current.version)
    context.update(form=form, figures=figures, report=current)
    return render(request, "followup/portal/report_form.html", context, status=409)


def _next_message(request, period: ReportingPeriod, sub_promise: SubPromise) -> None:
    """After each save: a link to the next sub-promise the partner still has to act on."""
    following = _next_to_report(request.user, period, sub_promise)
    if following is not None:
        messages.info(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _("Next to report:"),
                _report_url(period, following.sub_promise),
                following.sub_promise.title,
            ),
        )


def _save(request, context: dict, form: ReportForm, figures, *, submit: bool):
    """Saves the draft; to hand in, shows the confirmation step next.

    A draft always saves: figures that are not numbers are left out and marked in the form,
    which keeps everything typed.
    """
    period, sub_promise = context["period"], context["sub_promise"]
    content = content_from(form, figures)
    try:
        with transaction.atomic():
            report = context["report"] or get_or_start_report(
                sub_promise=sub_promise, period=period
            )
            save_report(
                report=report,
                user=request.user,
                content=content,
                version=form.cleaned_data["version"],
            )
    except ReportConflict as conflict:
        return _conflict_response(request, context, form, conflict.current)
    except WorkflowError as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(_report_url(period, sub_promise))
    if submit:
        report = (
            StatusReport.objects.select_related("saved_by")
            .prefetch_related("figures")
            .get(pk=report.pk)
        )
        context.update(report=report)
        return render(request, "followup/portal/report_confirm.html", context)
    saved_at = timezone.localtime(report.saved_at).strftime("%H:%M")
    if not figures.is_valid():
        # Keep the form as typed (with the new version) and mark the figures to correct.
        form, figures = _as_typed(request, sub_promise, report.version)
        context.update(form=form, figures=figures, report=report, draft_saved_at=saved_at)
        return render(request, "followup/portal/report_form.html", context)
    messages.success(request, _("The draft was saved at %(time)s.") % {"time": saved_at})
    _next_message(request, period, sub_promise)
    return HttpResponseRedirect(_report_url(period, sub_promise))


def _confirm_submission(request, context: dict):
    """The confirmed hand-in of the report as the lead last saved it."""
    period, sub_promise, report = context["period"], context["sub_promise"], context["report"]
    if report is None:
        return HttpResponseRedirect(_report_url(period, sub_promise))
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    try:
        submit_report(report=report, user=request.user, version=version)
    except ReportConflict:
        messages.error(
            request,
            _(
                "Someone changed the report after you checked it, so it was not handed in. "
                "Check the report again."
            ),
        )
        return HttpResponseRedirect(_report_url(period, sub_promise))
    except (IncompleteReport, WorkflowError) as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(_report_url(period, sub_promise))
    messages.success(
        request,
        _("The report on “%(title)s” was submitted to the coordinators.")
        % {"title": sub_promise.title},
    )
    _next_message(request, period, sub_promise)
    return HttpResponseRedirect(_report_url(period, sub_promise))


def _withdraw(request, context: dict):
    period, sub_promise, report = context["period"], context["sub_promise"], context["report"]
    try:
        withdraw_report(report=report, user=request.user)
    except WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("The report is a draft again. Hand it in when you have made your changes."),
        )
    return HttpResponseRedirect(_report_url(period, sub_promise))


def _contribution_page(request, context: dict, partner: Partner):
    """A co-partner's page: its own contribution, while the lead has not handed in."""
    period, sub_promise, report = context["period"], context["sub_promise"], context["report"]
    contribution = next(
        (
            entry["contribution"]
            for entry in context["contributions"]
            if entry["partner"].pk == partner.pk
        ),
        None,
    )
    context.update(partner=partner, contribution=contribution)
    if not StatusReport.is_editable(period, report):
        status = 200
        if request.method == "POST":
            status = 403
            context["refused"] = True
        return render(request, "followup/portal/contribution_readonly.html", context, status=status)
    action = request.POST.get("action") if request.method == "POST" else None
    if request.method == "GET":
        initial, rows = contribution_initial(contribution)
        form, figures = _unbound_forms(sub_promise, initial, rows, form_class=ContributionForm)
    elif action == "add_row":
        initial, rows = posted_initial(request.POST, FIGURES_PREFIX)
        shown = max(_posted_total(request.POST), len(rows)) + 1
        form, figures = _unbound_forms(
            sub_promise, initial, rows, shown=shown, form_class=ContributionForm
        )
        context["row_added"] = shown - 1
    elif action in ("save", "ready"):
        form, figures = _bound_forms(sub_promise, request.POST, form_class=ContributionForm)
        if form.is_valid() and figures.is_valid():
            return _save_contribution(
                request, context, partner, form, figures, ready=action == "ready"
            )
    else:
        # Handing in or anything else is the lead's: refused, and nothing changes.
        context["refused"] = True
        return render(request, "followup/portal/contribution_readonly.html", context, status=403)
    _focus_added_row(figures, context.get("row_added"))
    context.update(form=form, figures=figures)
    return render(request, "followup/portal/contribution_form.html", context)


def _save_contribution(request, context: dict, partner: Partner, form, figures, *, ready: bool):
    period, sub_promise = context["period"], context["sub_promise"]
    try:
        with transaction.atomic():
            report = context["report"] or get_or_start_report(
                sub_promise=sub_promise, period=period
            )
            save_contribution(
                report=report,
                partner=partner,
                user=request.user,
                content=contribution_content_from(form, figures),
                version=form.cleaned_data["version"],
                ready=ready,
            )
    except ContributionConflict as conflict:
        current = conflict.current
        form, figures = _as_typed(request, sub_promise, current.version, ContributionForm)
        context.update(form=form, figures=figures, conflict=current)
        return render(request, "followup/portal/contribution_form.html", context, status=409)
    except WorkflowError as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(_report_url(period, sub_promise))
    if ready:
        messages.success(
            request,
            _("Your part is saved and marked ready. %(lead)s sees it when handing in the report.")
            % {"lead": context["lead"].name if context["lead"] else ""},
        )
    else:
        messages.success(request, _("Your part was saved as a draft."))
    _next_message(request, period, sub_promise)
    return HttpResponseRedirect(_report_url(period, sub_promise))
