"""The report page: the lead partner's reporters write and hand in the report, a co-partner's
reporters write their contribution. One handler per action (the form's `action` button),
each taking the `ReportPage` (page.py), calling one workflow step (followup/services.py) and
rendering or redirecting: view → form → service → model, and back once."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from followup.models import StatusReport
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

from .access import report_url
from .dashboard import next_to_report
from .forms import (
    ContributionForm,
    content_from,
    contribution_content_from,
    contribution_initial,
    posted_initial,
    report_initial,
)
from .page import (
    FIGURES_PREFIX,
    ReportPage,
    as_typed,
    bound_forms,
    fill_from_previous,
    posted_total,
    take_contribution,
    unbound_forms,
)

FORM = "followup/portal/report_form.html"
READ_ONLY = "followup/portal/report_readonly.html"
CONTRIBUTION_FORM = "followup/portal/contribution_form.html"
CONTRIBUTION_READ_ONLY = "followup/portal/contribution_readonly.html"


@login_required
@require_http_methods(["GET", "POST"])
def report_form(request, period_id: int, sub_promise_id: int) -> HttpResponse:
    """The report on one sub-promise in one round; read-only once handed in or when the
    round is closed."""
    page = ReportPage.load(request.user, period_id, sub_promise_id)
    actions, show, read_only = (
        (LEAD_ACTIONS, _show_report, _report_read_only)
        if page.is_lead
        else (CONTRIBUTION_ACTIONS, _show_contribution, _contribution_read_only)
    )
    # A lead's form posted without a button saves (the Enter key); a co-partner's does nothing.
    default = "save" if page.is_lead else ""
    action, _sep, argument = request.POST.get("action", default).partition(":")
    if request.method == "POST" and action in ALWAYS_ALLOWED.get(page.is_lead, ()):
        return actions[action](request, page, argument)
    if not page.is_editable:
        return read_only(request, page)
    if request.method == "GET":
        return show(request, page)
    return actions.get(action, actions[None])(request, page, argument)


def _render(request, page: ReportPage, template: str, status: int = 200) -> HttpResponse:
    return render(request, template, page.context(), status=status)


def _next_message(request, page: ReportPage) -> None:
    """After each save: a link to the next sub-promise the partner still has to act on."""
    following = next_to_report(request.user, page.period, page.sub_promise)
    if following is not None:
        messages.info(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _("Next to report:"),
                report_url(page.period, following.sub_promise),
                following.sub_promise.title,
            ),
        )


def _back(page: ReportPage) -> HttpResponseRedirect:
    return HttpResponseRedirect(report_url(page.period, page.sub_promise))


# ----------------------------------------------------------------------------------------
# The lead partner's report


def _report_read_only(request, page: ReportPage) -> HttpResponse:
    status = 200
    if request.method == "POST":
        status = 403
        page.refused = True
        page.typed = posted_initial(request.POST)[0]
    page.can_withdraw = StatusReport.is_withdrawable(page.period, page.report)
    return _render(request, page, READ_ONLY, status)


def _show_report(request, page: ReportPage) -> HttpResponse:
    initial, rows = report_initial(page.report)
    return _render(request, page.with_forms(*unbound_forms(page.sub_promise, initial, rows)), FORM)


def _add_row(request, page: ReportPage, _argument: str = "", form_class=None) -> HttpResponse:
    """ "Add a row" brings the user back to the figures, in a new row; nothing is saved."""
    initial, rows = posted_initial(request.POST, FIGURES_PREFIX)
    shown = max(posted_total(request.POST), len(rows)) + 1
    page.row_added = shown - 1
    forms = unbound_forms(page.sub_promise, initial, rows, shown=shown, form_class=form_class)
    template = FORM if form_class is None else CONTRIBUTION_FORM
    return _render(request, page.with_forms(*forms), template)


def _copy_previous(request, page: ReportPage, argument: str = "") -> HttpResponse:
    """Fills what is empty from the previous round's report; nothing typed is replaced."""
    if page.previous is None:
        return _save_draft(request, page, argument)
    initial, rows = posted_initial(request.POST, FIGURES_PREFIX)
    initial, rows = fill_from_previous(initial, rows, page.previous)
    messages.info(
        request,
        _(
            "Empty fields were filled in from the previous report. Nothing you had typed "
            "was replaced. Check the text and save."
        ),
    )
    return _render(request, page.with_forms(*unbound_forms(page.sub_promise, initial, rows)), FORM)


def _take_contribution(request, page: ReportPage, argument: str) -> HttpResponse:
    """Adds a co-partner's text and figures to what the lead has typed; nothing is lost."""
    initial, rows = posted_initial(request.POST, FIGURES_PREFIX)
    taken = page.contribution_by_pk(argument)
    if taken is not None:
        initial, rows = take_contribution(initial, rows, taken)
        messages.info(
            request,
            _(
                "The text and figures of %(partner)s were added to the form. Nothing you "
                "had typed was replaced. Edit the text and save."
            )
            % {"partner": taken.partner.name},
        )
    return _render(request, page.with_forms(*unbound_forms(page.sub_promise, initial, rows)), FORM)


def _save_draft(request, page: ReportPage, _argument: str = "") -> HttpResponse:
    return _save(request, page, submit=False)


def _check_hand_in(request, page: ReportPage, _argument: str = "") -> HttpResponse:
    """Saves the report and shows what would be handed in, to confirm."""
    return _save(request, page, submit=True)


def _save(request, page: ReportPage, *, submit: bool) -> HttpResponse:
    """Saves the draft; to hand in, shows the confirmation step next.

    A draft always saves: figures that are not numbers are left out and marked in the form,
    which keeps everything typed.
    """
    form, figures = bound_forms(page.sub_promise, request.POST, for_submission=submit)
    if not (form.is_valid() and (figures.is_valid() or not submit)):
        return _render(request, page.with_forms(form, figures), FORM)
    try:
        with transaction.atomic():
            report = page.report or get_or_start_report(
                sub_promise=page.sub_promise, period=page.period
            )
            save_report(
                report=report,
                user=request.user,
                content=content_from(form, figures),
                version=form.cleaned_data["version"],
            )
    except ReportConflict as conflict:
        return _report_conflict(request, page, form, conflict.current)
    except WorkflowError as error:
        messages.error(request, str(error))
        return _back(page)
    if submit:
        page.report = (
            StatusReport.objects.select_related("saved_by")
            .prefetch_related("figures")
            .get(pk=report.pk)
        )
        return _render(request, page, "followup/portal/report_confirm.html")
    saved_at = timezone.localtime(report.saved_at).strftime("%H:%M")
    if not figures.is_valid():
        # Keep the form as typed (with the new version) and mark the figures to correct.
        page.report, page.draft_saved_at = report, saved_at
        return _render(
            request, page.with_forms(*as_typed(request, page.sub_promise, report.version)), FORM
        )
    messages.success(request, _("The draft was saved at %(time)s.") % {"time": saved_at})
    _next_message(request, page)
    return _back(page)


def _report_conflict(request, page: ReportPage, form, current: StatusReport) -> HttpResponse:
    """Someone saved since this user loaded the form: show both texts, lose nothing."""
    page.conflict, page.conflict_figures = current, list(current.figures.all())
    page.report = current
    if not StatusReport.is_editable(page.period, current):
        page.typed = form.cleaned_data
        return _render(request, page, READ_ONLY, status=409)
    # The user's text stays in the form; saving again replaces the other version.
    forms = as_typed(request, page.sub_promise, current.version)
    return _render(request, page.with_forms(*forms), FORM, status=409)


def _confirm(request, page: ReportPage, _argument: str = "") -> HttpResponse:
    """The confirmed hand-in of the report as the lead last saved it."""
    if page.report is None:
        return _back(page)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    try:
        submit_report(report=page.report, user=request.user, version=version)
    except ReportConflict:
        messages.error(
            request,
            _(
                "Someone changed the report after you checked it, so it was not handed in. "
                "Check the report again."
            ),
        )
        return _back(page)
    except (IncompleteReport, WorkflowError) as error:
        messages.error(request, str(error))
        return _back(page)
    messages.success(
        request,
        _("The report on “%(title)s” was submitted to the coordinators.")
        % {"title": page.sub_promise.title},
    )
    _next_message(request, page)
    return _back(page)


def _withdraw(request, page: ReportPage, _argument: str = "") -> HttpResponse:
    """Takes a handed-in report back to draft, while no coordinator has opened it."""
    try:
        withdraw_report(report=page.report, user=request.user)
    except WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("The report is a draft again. Hand it in when you have made your changes."),
        )
    return _back(page)


# ----------------------------------------------------------------------------------------
# A co-partner's contribution


def _contribution_read_only(request, page: ReportPage, _argument: str = "") -> HttpResponse:
    status = 200
    if request.method == "POST":
        status = 403
        page.refused = True
    return _render(request, page, CONTRIBUTION_READ_ONLY, status)


def _refuse_for_co_partner(request, page: ReportPage, argument: str = "") -> HttpResponse:
    """Handing in, or anything else, is the lead's: refused, and nothing changes."""
    return _contribution_read_only(request, page, argument)


def _show_contribution(request, page: ReportPage) -> HttpResponse:
    initial, rows = contribution_initial(page.contribution)
    forms = unbound_forms(page.sub_promise, initial, rows, form_class=ContributionForm)
    return _render(request, page.with_forms(*forms), CONTRIBUTION_FORM)


def _add_contribution_row(request, page: ReportPage, argument: str = "") -> HttpResponse:
    return _add_row(request, page, argument, form_class=ContributionForm)


def _save_contribution_draft(request, page: ReportPage, _argument: str = "") -> HttpResponse:
    return _save_contribution(request, page, ready=False)


def _mark_contribution_ready(request, page: ReportPage, _argument: str = "") -> HttpResponse:
    return _save_contribution(request, page, ready=True)


def _save_contribution(request, page: ReportPage, *, ready: bool) -> HttpResponse:
    form, figures = bound_forms(page.sub_promise, request.POST, form_class=ContributionForm)
    if not (form.is_valid() and figures.is_valid()):
        return _render(request, page.with_forms(form, figures), CONTRIBUTION_FORM)
    try:
        with transaction.atomic():
            report = page.report or get_or_start_report(
                sub_promise=page.sub_promise, period=page.period
            )
            save_contribution(
                report=report,
                partner=page.partner,
                user=request.user,
                content=contribution_content_from(form, figures),
                version=form.cleaned_data["version"],
                ready=ready,
            )
    except ContributionConflict as conflict:
        page.conflict = conflict.current
        forms = as_typed(request, page.sub_promise, conflict.current.version, ContributionForm)
        return _render(request, page.with_forms(*forms), CONTRIBUTION_FORM, status=409)
    except WorkflowError as error:
        messages.error(request, str(error))
        return _back(page)
    if ready:
        messages.success(
            request,
            _("Your part is saved and marked ready. %(lead)s sees it when handing in the report.")
            % {"lead": page.lead.name if page.lead else ""},
        )
    else:
        messages.success(request, _("Your part was saved as a draft."))
    _next_message(request, page)
    return _back(page)


# What each button does. `None` is a POST with an unknown action: the lead's form saves it
# as a draft, a co-partner's is refused.
LEAD_ACTIONS = {
    "save": _save_draft,
    "submit": _check_hand_in,
    "confirm": _confirm,
    "add_row": _add_row,
    "copy_previous": _copy_previous,
    "take_contribution": _take_contribution,
    "withdraw": _withdraw,
    None: _save_draft,
}
CONTRIBUTION_ACTIONS = {
    "save": _save_contribution_draft,
    "ready": _mark_contribution_ready,
    "add_row": _add_contribution_row,
    None: _refuse_for_co_partner,
}
# Actions allowed whatever the report's state (each step checks its own rule): the lead may
# take a handed-in report back.
ALWAYS_ALLOWED = {True: ("withdraw",)}
