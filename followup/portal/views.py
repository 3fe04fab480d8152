"""The partners' reporting portal: the rounds to report in and the report form."""

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from followup.models import ReportingPeriod, StatusReport
from followup.services import (
    ReportConflict,
    WorkflowError,
    get_or_start_report,
    save_report,
    submit_report,
)
from lofte.models import FocusArea, Responsibility, SubPromise
from parties.models import Partner

from .forms import (
    FigureFormSet,
    ReportForm,
    content_from,
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


def _is_editable(period: ReportingPeriod, report: StatusReport | None) -> bool:
    """The rule of `StatusReport.objects.editable_by`, for a report already in hand."""
    return period.is_open and (report is None or report.state in StatusReport.EDITABLE_STATES)


# ----------------------------------------------------------------------------------------
# The dashboard


@dataclass
class Row:
    sub_promise: SubPromise
    report: StatusReport | None
    role: str

    @property
    def state(self) -> str:
        if self.report is None or (
            self.report.state == State.DRAFT and self.report.saved_at is None
        ):
            return "not_begun"
        return self.report.state

    @property
    def state_label(self) -> str:
        if self.state == "not_begun":
            return _("Not begun")
        return self.report.get_state_display()


@dataclass
class Round:
    period: ReportingPeriod
    areas: list[tuple[FocusArea, list[Row]]] = field(default_factory=list)

    @property
    def rows(self) -> list[Row]:
        return [row for _area, rows in self.areas for row in rows]

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def handed_in(self) -> int:
        return sum(
            1
            for row in self.rows
            if row.report and row.report.state in StatusReport.HANDED_IN_STATES
        )

    @property
    def days_left(self) -> int:
        return (self.period.deadline - timezone.localdate()).days


def _rounds(user, periods: list[ReportingPeriod]) -> list[Round]:
    """Each round with the user's partners' sub-promises in it, by focus area.

    Four queries whatever the number of rounds, sub-promises and reports.
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
    reports = {
        (report.period_id, report.sub_promise_id): report
        for report in StatusReport.objects.reported_by(user).filter(period__in=periods)
    }
    roles: dict[int, str] = {}
    for sub_id, role in Responsibility.objects.filter(
        sub_promise__in=[sub.pk for sub in subs], partner__memberships__user=user
    ).values_list("sub_promise_id", "role"):
        if roles.get(sub_id) != Responsibility.Role.LEAD:
            roles[sub_id] = role
    role_labels = dict(Responsibility.Role.choices)
    rounds = []
    for period in periods:
        overview = Round(period)
        for sub in subs:
            if sub.focus_area.promise_id != period.promise_id:
                continue
            row = Row(sub, reports.get((period.pk, sub.pk)), role_labels.get(roles.get(sub.pk)))
            if not overview.areas or overview.areas[-1][0].pk != sub.focus_area_id:
                overview.areas.append((sub.focus_area, []))
            overview.areas[-1][1].append(row)
        rounds.append(overview)
    return rounds


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
# The report form


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


def _unbound_forms(sub_promise, initial: dict, rows: list[dict], *, shown: int | None = None):
    """The form showing `initial` and the figure `rows` (at least `shown` rows in all)."""
    form = ReportForm(initial=initial)
    figures = FigureFormSet(
        initial=_with_indicator_first(sub_promise, rows), prefix=FIGURES_PREFIX, rows=shown
    )
    return form, figures


def _bound_forms(sub_promise, data):
    # An untouched indicator row (label and unit as given, no value) counts as empty.
    indicator = _indicator_row(sub_promise)
    form = ReportForm(data)
    figures = FigureFormSet(data, prefix=FIGURES_PREFIX, initial=[indicator] if indicator else [])
    return form, figures


def _fill_from_previous(initial: dict, rows: list[dict], previous: StatusReport):
    """Fills what is empty from the previous report; nothing typed is replaced."""
    prev_initial, prev_rows = report_initial(previous)
    initial = dict(initial)
    for name in ("achieved", "obstacles", "next_steps"):
        if not (initial.get(name) or "").strip():
            initial[name] = prev_initial[name]
    if initial.get("status") in ("", None, StatusReport.Status.NOT_STARTED):
        initial["status"] = prev_initial["status"]
    filled = [row for row in rows if (row.get("value") or "").strip()]
    if not filled:
        rows = prev_rows
    return initial, rows


def _report_url(period: ReportingPeriod, sub_promise: SubPromise) -> str:
    return reverse("portal:report", args=[period.pk, sub_promise.pk])


@login_required
@require_http_methods(["GET", "POST"])
def report_form(request, period_id: int, sub_promise_id: int):
    """The report on one sub-promise in one round: a form while editable, else read-only."""
    period, sub_promise, report = _get_report_for_user(request.user, period_id, sub_promise_id)
    context = {
        "period": period,
        "sub_promise": sub_promise,
        "report": report,
        "previous": _previous_report(sub_promise, period),
        "partners": Responsibility.objects.filter(sub_promise=sub_promise).select_related(
            "partner"
        ),
        "days_left": (period.deadline - timezone.localdate()).days,
    }
    if not _is_editable(period, report):
        status = 200
        if request.method == "POST":
            status = 403
            context["refused"] = True
            context["typed"] = posted_initial(request.POST)[0]
        return render(request, "followup/portal/report_readonly.html", context, status=status)

    action = request.POST.get("action", "save") if request.method == "POST" else None
    if request.method == "GET":
        initial, rows = report_initial(report)
        form, figures = _unbound_forms(sub_promise, initial, rows)
    elif action == "add_row":
        initial, rows = posted_initial(request.POST, FIGURES_PREFIX)
        shown = _posted_total(request.POST) + 1
        form, figures = _unbound_forms(sub_promise, initial, rows, shown=shown)
        context["row_added"] = True
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
    else:
        form, figures = _bound_forms(sub_promise, request.POST)
        if form.is_valid() and figures.is_valid():
            return _save(request, context, form, figures, submit=action == "submit")
    context.update(form=form, figures=figures)
    return render(request, "followup/portal/report_form.html", context)


def _posted_total(data) -> int:
    try:
        return min(int(data.get(f"{FIGURES_PREFIX}-TOTAL_FORMS", 0)), 50)
    except ValueError:
        return 0


def _save(request, context: dict, form: ReportForm, figures, *, submit: bool):
    """Saves (and submits) the report; on a conflict, shows both texts."""
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
            if submit:
                submit_report(report=report, user=request.user, version=report.version)
    except ReportConflict as conflict:
        current = conflict.current
        context["conflict"] = current
        context["conflict_figures"] = list(current.figures.all())
        if not _is_editable(period, current):
            context.update(report=current, typed=form.cleaned_data)
            return render(request, "followup/portal/report_readonly.html", context, status=409)
        # The user's text stays in the form; saving again replaces the other version.
        data = request.POST.copy()
        data["version"] = str(current.version)
        form, figures = _bound_forms(sub_promise, data)
        form.is_valid()
        figures.is_valid()
        context.update(form=form, figures=figures, report=current)
        return render(request, "followup/portal/report_form.html", context, status=409)
    except WorkflowError as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(_report_url(period, sub_promise))
    if submit:
        messages.success(
            request,
            _("The report on “%(title)s” was submitted to the coordinators.")
            % {"title": sub_promise.title},
        )
    else:
        messages.success(
            request,
            _("The draft was saved at %(time)s.")
            % {"time": timezone.localtime(report.saved_at).strftime("%H:%M")},
        )
    return HttpResponseRedirect(_report_url(period, sub_promise))
