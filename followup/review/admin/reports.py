"""The review page: status reports listed, read, approved or returned, imported and exported."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Case, F, OuterRef, Subquery, When
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportMixin

from followup.models import (
    Contribution,
    ReportFigure,
    StatusReport,
)
from followup.services import WorkflowError, approve_report, open_review
from lofte.admin_tools.scope import (
    ScopedAdmin,
    ScopedHistoryAdmin,
    ScopedImportExportMixin,
    ScopedTabularInline,
)
from lofte.models import Responsibility
from lofte.spreadsheets.imports import BoundConfirmImportForm, LimitedImportForm

from .. import actions as review_actions
from ..resources import StatusReportResource
from .filters import PartnerFilter, RoundFilter, StateFilter


class ReportFigureInline(ScopedTabularInline):
    """A report's figures as the partner gave them: coordinators review, they do not edit."""

    model = ReportFigure
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StatusReportImportForm(LimitedImportForm):
    into_open_rounds = forms.BooleanField(
        label=_("Also import into open rounds"),
        required=False,
        help_text=_(
            "Partners report in an open round themselves. Tick this only to fill in reports "
            "no partner has begun; what a partner has saved is never changed."
        ),
    )


class StatusReportConfirmImportForm(BoundConfirmImportForm):
    into_open_rounds = forms.BooleanField(required=False, widget=forms.HiddenInput)


@admin.register(StatusReport)
class StatusReportAdmin(ScopedImportExportMixin, ImportExportMixin, ScopedHistoryAdmin):
    resource_classes = [StatusReportResource]
    # Imports go into closed rounds, or into open ones only when the coordinator says so.
    import_form_class = StatusReportImportForm
    confirm_form_class = StatusReportConfirmImportForm
    # What a reviewer needs, fitting 1280 px: the focus area and who submitted are filters
    # and on the report's page.
    list_display = ["sub_promise", "lead_partner", "round_name", "status", "state", "submitted"]
    list_display_links = ["sub_promise"]
    # The list opens on the open rounds' reports waiting for review.
    list_filter = [RoundFilter, StateFilter, "sub_promise__focus_area", PartnerFilter, "status"]
    list_select_related = ["sub_promise__focus_area", "period__promise", "submitted_by"]
    search_fields = ["sub_promise__title", "achieved", "obstacles", "next_steps"]
    autocomplete_fields = ["sub_promise", "period"]
    # What the partner wrote is theirs: admin shows it, and changes it only through the
    # review steps (approve, return), never by editing it behind the partner's back.
    readonly_fields = [
        "status",
        "achieved",
        "obstacles",
        "next_steps",
        "state",
        "review_comment",
        "version",
        "created_at",
        "saved_at",
        "saved_by",
        "submitted_at",
        "submitted_by",
        "review_opened_at",
        "reviewed_at",
        "reviewed_by",
    ]
    # A count over tens of thousands of rows costs more than the page itself.
    show_full_result_count = False
    inlines = [ReportFigureInline]
    actions = [
        review_actions.approve_reports,
        review_actions.return_reports,
        review_actions.mark_highlights,
    ]
    change_form_template = "admin/followup/statusreport/change_form.html"

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["into_open_rounds"] = import_form.cleaned_data.get("into_open_rounds", False)
        return initial

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        into_open = bool(
            form is not None
            and getattr(form, "cleaned_data", None)
            and form.cleaned_data.get("into_open_rounds")
        )
        return {
            **super().get_import_resource_kwargs(request, **kwargs),
            "into_open_rounds": into_open,
        }

    def get_queryset(self, request):
        lead = Responsibility.objects.filter(
            sub_promise=OuterRef("sub_promise"), role=Responsibility.Role.LEAD
        ).values("partner__name")[:1]
        return super().get_queryset(request).annotate(lead_partner_name=Subquery(lead))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:  # a report stays on its sub-promise and round
            fields += ["sub_promise", "period"]
        return fields

    @admin.display(description=_("focus area"), ordering="sub_promise__focus_area__position")
    def focus_area(self, obj: StatusReport) -> str:
        return obj.sub_promise.focus_area.name

    @admin.display(description=_("lead partner"), ordering="lead_partner_name")
    def lead_partner(self, obj: StatusReport) -> str:
        return obj.lead_partner_name or "–"

    @admin.display(description=_("round"), ordering="period__deadline")
    def round_name(self, obj: StatusReport) -> str:
        return obj.period.name

    @admin.display(description=_("submitted"), ordering="submitted_at")
    def submitted(self, obj: StatusReport) -> str:
        return date_format(localtime(obj.submitted_at), "j M Y") if obj.submitted_at else "–"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/approve/",
                view(require_POST(self.approve_view)),
                name="followup_statusreport_approve",
            ),
            path(
                "<path:object_id>/return/",
                view(self.return_view),
                name="followup_statusreport_return",
            ),
            *super().get_urls(),
        ]

    def _get_report(self, request, object_id) -> StatusReport:
        report = self.get_object(request, object_id)
        if report is None or not self.has_change_permission(request, report):
            raise Http404
        return report

    def approve_view(self, request, object_id):
        report = self._get_report(request, object_id)
        try:
            approve_report(report=report, reviewer=request.user)
        except WorkflowError as e:
            self.message_user(request, str(e), messages.ERROR)
        else:
            self.log_change(request, report, _("Approved"))
            self.message_user(request, _("The report is approved."), messages.SUCCESS)
        return redirect("admin:followup_statusreport_change", report.pk)

    def return_view(self, request, object_id):
        report = self._get_report(request, object_id)
        form = review_actions.ReturnForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            reports = self.get_queryset(request).filter(pk=report.pk)
            done, refused = review_actions.return_selected(
                self, request, reports, form.cleaned_data["comment"]
            )
            for reason in refused:
                self.message_user(request, reason, messages.ERROR)
            if done:
                self.message_user(request, _("The report is returned."), messages.SUCCESS)
            return redirect("admin:followup_statusreport_change", report.pk)
        queryset = self.get_queryset(request).filter(pk=report.pk)
        return review_actions.render_return_page(self, request, queryset, form, action=None)

    def previous_report(self, request, report: StatusReport) -> StatusReport | None:
        """The same sub-promise's report in the round before (or in the promise it renews)."""
        sub_promises = [report.sub_promise_id]
        if report.sub_promise.derived_from_id:
            sub_promises.append(report.sub_promise.derived_from_id)
        return (
            StatusReport.objects.coordinated_by(request.user)
            .filter(sub_promise__in=sub_promises, period__deadline__lt=report.period.deadline)
            .exclude(pk=report.pk)
            .select_related("period", "reviewed_by")
            .prefetch_related("figures")
            .order_by("-period__deadline")
            .first()
        )

    def get_fields(self, request, obj=None):
        # The version only guards against two saves at once; it says nothing to a reviewer.
        return [f for f in super().get_fields(request, obj) if f != "version"]

    def next_to_review(self, request, report: StatusReport) -> StatusReport | None:
        """The report to review after this one: submitted, in this round first, oldest first."""
        return (
            self.get_queryset(request)
            .awaiting_review()
            .exclude(pk=report.pk)
            .select_related("sub_promise", "period")
            .order_by(
                Case(When(period=report.period_id, then=0), default=1),
                F("submitted_at").asc(nulls_last=True),
                "pk",
            )
            .first()
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        report = self.get_object(request, object_id)
        extra_context = dict(extra_context or {})
        if report is not None:
            # A review page: the partner's words are read, never saved over.
            extra_context.update(
                show_save=False, show_save_and_continue=False, show_save_and_add_another=False
            )
            responsibilities = Responsibility.objects.filter(
                sub_promise=report.sub_promise_id
            ).values_list("role", "partner__name")
            extra_context["lead_partners"] = sorted(
                name for role, name in responsibilities if role == Responsibility.Role.LEAD
            )
            extra_context["co_partners"] = sorted(
                name for role, name in responsibilities if role == Responsibility.Role.CO
            )
            extra_context["previous_report"] = self.previous_report(request, report)
            extra_context["next_report"] = self.next_to_review(request, report)
            extra_context["can_review"] = (
                report.state == StatusReport.State.SUBMITTED
                and self.has_change_permission(request, report)
            )
            extra_context["contributions"] = (
                Contribution.objects.filter(report=report, saved_at__isnull=False)
                .select_related("partner", "saved_by")
                .prefetch_related("figures")
            )
            if extra_context["can_review"] and request.method == "GET":
                # From now on the lead can no longer take the report back.
                open_review(report=report, reviewer=request.user)
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(ReportFigure)
class ReportFigureAdmin(ScopedAdmin):
    list_display = ["label", "value", "unit", "report"]
    list_select_related = ["report__sub_promise", "report__period__promise"]
    search_fields = ["label", "report__sub_promise__title"]
    autocomplete_fields = ["report"]
