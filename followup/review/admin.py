from django import forms
from django.contrib import admin, messages
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, When
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportMixin

from followup.document.publishing import publish_follow_up
from followup.models import (
    Contribution,
    FollowUp,
    Highlight,
    Reminder,
    ReportFigure,
    ReportingPeriod,
    StatusReport,
)
from followup.services import WorkflowError, approve_report, open_review
from lofte.admin import PromiseAdmin
from lofte.admin_scope import (
    BoundedChoicesMixin,
    ScopedAdmin,
    ScopedHistoryAdmin,
    ScopedImportExportMixin,
    ScopedTabularInline,
)
from lofte.imports import BoundConfirmImportForm, LimitedImportForm
from lofte.models import Responsibility, SubPromise
from parties.models import Partner

from . import actions as review_actions
from . import renewal
from .reminders import planned_reminders, remind_partners, reminder_preview, round_progress
from .resources import StatusReportResource

# Renewal reads the reports (what is unfinished), so the follow-up adds it to the promise's admin.
PromiseAdmin.actions = [*PromiseAdmin.actions, renewal.make_next_promise]


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(ScopedAdmin):
    list_display = ["name", "promise", "starts_on", "deadline", "is_open", "overview_link"]
    list_filter = ["is_open", "promise"]
    list_select_related = ["promise"]
    search_fields = ["name", "promise__area"]
    autocomplete_fields = ["promise"]
    change_form_template = "admin/followup/reportingperiod/change_form.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/overview/",
                view(self.overview_view),
                name="followup_reportingperiod_overview",
            ),
            path(
                "<path:object_id>/remind/",
                view(require_POST(self.remind_view)),
                name="followup_reportingperiod_remind",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("overview"))
    def overview_link(self, obj: ReportingPeriod):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:followup_reportingperiod_overview", args=[obj.pk]),
            _("Who is late?"),
        )

    def _get_period(self, request, object_id) -> ReportingPeriod:
        period = self.get_object(request, object_id)
        if period is None or not self.has_view_permission(request, period):
            raise Http404
        return period

    def overview_view(self, request, object_id):
        """Per partner: how many of its sub-promises are reported, and who has not begun."""
        period = self._get_period(request, object_id)
        rows = round_progress(period)
        by_progress = request.GET.get("ordning") == "framsteg"
        if by_progress:  # least progress first: who to call
            rows.sort(key=lambda row: (row.percent, row.partner.name))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Overview: %(period)s") % {"period": period.name},
            "opts": self.opts,
            "original": period,
            "period": period,
            "days_left": (period.deadline - timezone.localdate()).days,
            "rows": rows,
            "by_progress": by_progress,
            "behind": [row for row in rows if row.behind],
            "not_begun": [row for row in rows if not row.begun and row.total],
            "sub_promises": SubPromise.objects.filter(
                focus_area__promise=period.promise_id
            ).count(),
            "handed_in": StatusReport.objects.filter(
                period=period, state__in=StatusReport.HANDED_IN_STATES
            ).count(),
            "can_remind": self.has_change_permission(request, period) and period.is_open,
            "reminders": Reminder.objects.filter(period=period)
            .select_related("user")
            .order_by("-sent_at")[:20],
        }
        return TemplateResponse(request, "admin/followup/reportingperiod/overview.html", context)

    def remind_view(self, request, object_id):
        """Reminds the reporters of the partners that are behind (or of those picked),
        after a page that shows who will be mailed and what."""
        period = self._get_period(request, object_id)
        if not self.has_change_permission(request, period):
            raise Http404
        overview = reverse("admin:followup_reportingperiod_overview", args=[period.pk])
        if not period.is_open:
            self.message_user(request, _("The round is closed."), messages.ERROR)
            return HttpResponseRedirect(overview)
        behind = {row.partner.pk for row in round_progress(period) if row.behind}
        picked = {int(pk) for pk in request.POST.getlist("partner") if pk.isdigit()}
        partners = Partner.objects.filter(pk__in=(picked & behind) if picked else behind)
        if "confirm" not in request.POST:
            planned = planned_reminders(period, partners)
            context = {
                **self.admin_site.each_context(request),
                "title": _("Send reminders?"),
                "opts": self.opts,
                "period": period,
                "planned": planned,
                "partners": sorted({name for p in planned for name in p.partners}),
                "picked": sorted(picked & behind),
                "preview": reminder_preview(period, planned[0]) if planned else None,
            }
            return TemplateResponse(
                request, "admin/followup/reportingperiod/remind_confirm.html", context
            )
        sent = remind_partners(period, partners)
        self.log_change(request, period, _("Sent %(count)d reminders") % {"count": sent})
        self.message_user(
            request,
            ngettext("%(count)d reminder sent.", "%(count)d reminders sent.", sent)
            % {"count": sent},
            messages.SUCCESS if sent else messages.WARNING,
        )
        return HttpResponseRedirect(overview)


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


class DefaultChoiceFilter(admin.SimpleListFilter):
    """A filter that applies `default` until the user picks another choice or "all".

    Django's own "All" choice is the absent parameter; here the absent parameter is the
    default, so "all" is a value of its own. The default is the list's opening view only:
    an export built on the list (django-import-export's) takes every report unless filtered.
    """

    default = None

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        match = request.resolver_match
        self.applies_default = match is not None and match.url_name.endswith("_changelist")

    def effective_value(self) -> str:
        return self.value() or (self.default if self.applies_default else "all")

    def choices(self, changelist):
        value = self.effective_value()
        yield {
            "selected": value == "all",
            "query_string": changelist.get_query_string({self.parameter_name: "all"}),
            "display": _("All"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class RoundFilter(BoundedChoicesMixin, DefaultChoiceFilter):
    """The open rounds by default; or one round (of the user's promises), or all: at most
    MAX_FILTER_CHOICES rounds listed, the rest found by name or area."""

    title = _("reporting round")
    parameter_name = "period__id__exact"  # as Django's own filter named it
    default = "open"

    def __init__(self, request, params, model, model_admin):
        self.pop_search(params, "period")
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        value = self.value()
        periods = self.bounded(
            ReportingPeriod.objects.coordinated_by(request.user)
            .select_related("promise")
            .order_by("promise__area", "-deadline", "pk"),
            [value] if value not in (None, "all", "open") else [],
            lambda periods, term: periods.filter(
                Q(name__icontains=term) | Q(promise__area__icontains=term)
            ),
        )
        return [("open", _("Open rounds")), *((p.pk, str(p)) for p in periods)]

    def choices(self, changelist):
        self.kept = self.kept_parameters(changelist)
        yield from super().choices(changelist)

    def queryset(self, request, queryset):
        value = self.effective_value()
        if value == "all":
            return queryset
        if value == "open":
            return queryset.filter(period__is_open=True)
        if not (str(value).isdigit() and len(str(value)) < 10):  # no id the column holds
            return queryset.none()
        return queryset.filter(period=value)


class StateFilter(DefaultChoiceFilter):
    """The reports waiting for review by default; or those in another state, or all."""

    title = _("state")
    parameter_name = "state__exact"  # as Django's own filter named it
    default = StatusReport.State.SUBMITTED

    def lookups(self, request, model_admin):
        return [
            (StatusReport.State.SUBMITTED, _("Waiting for review")),
            (StatusReport.State.RETURNED, StatusReport.State.RETURNED.label),
            (StatusReport.State.APPROVED, StatusReport.State.APPROVED.label),
            (StatusReport.State.DRAFT, StatusReport.State.DRAFT.label),
        ]

    def queryset(self, request, queryset):
        value = self.effective_value()
        if value == "all":
            return queryset
        if value not in StatusReport.State.values:
            return queryset.none()
        return queryset.filter(state=value)


class PartnerFilter(BoundedChoicesMixin, admin.SimpleListFilter):
    """The partners responsible for the report's sub-promise, among those the user sees:
    at most MAX_FILTER_CHOICES of them listed, the rest found by name."""

    title = _("partner")
    parameter_name = "partner"

    def __init__(self, request, params, model, model_admin):
        self.pop_search(params, self.parameter_name)
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        partners = self.bounded(
            Partner.objects.coordinated_by(request.user).order_by("name"),
            [self.value()] if self.value() else [],
            lambda partners, term: partners.filter(name__icontains=term),
        )
        return [(partner.pk, partner.name) for partner in partners]

    def choices(self, changelist):
        self.kept = self.kept_parameters(changelist)
        yield from super().choices(changelist)

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        if not str(self.value()).isdigit():
            return queryset.none()
        return queryset.filter(
            Exists(
                Responsibility.objects.filter(
                    sub_promise=OuterRef("sub_promise"), partner=self.value()
                )
            )
        )


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


class HighlightForm(forms.ModelForm):
    class Meta:
        model = Highlight
        fields = ["position", "report", "text"]


class HighlightInline(ScopedTabularInline):
    model = Highlight
    form = HighlightForm
    extra = 0
    autocomplete_fields = ["report"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("report__sub_promise", "report__period")

    def _published(self, obj) -> bool:
        return obj is not None and obj.state not in FollowUp.EDITABLE_STATES

    # A published (or publishing) follow-up is frozen: its highlights are shown, not edited.
    def has_add_permission(self, request, obj=None):
        return not self._published(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._published(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._published(obj) and super().has_delete_permission(request, obj)


@admin.register(FollowUp)
class FollowUpAdmin(ScopedAdmin):
    list_display = [
        "title",
        "promise",
        "covers_from",
        "covers_to",
        "state",
        "published_at",
        "document_links",
        "publish_error_summary",
    ]
    list_filter = ["state", "promise"]
    list_select_related = ["promise"]
    search_fields = ["title", "promise__area"]
    autocomplete_fields = ["promise"]
    # Publishing goes through the action, which freezes the page and the PDF.
    readonly_fields = [
        "state",
        "publish_error",
        "published_at",
        "published_by",
        "document_links",
    ]
    inlines = [HighlightInline]
    actions = ["publish"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.state not in FollowUp.EDITABLE_STATES:
            # Frozen (or being frozen): what citizens read no longer follows edits.
            return [
                f.name
                for f in obj._meta.fields
                if f.name not in ("published_html", "published_pdf", "etag")
            ] + ["document_links"]
        return super().get_readonly_fields(request, obj)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is None or not obj.publish_error:
            fields = [f for f in fields if f != "publish_error"]
        return fields

    @admin.display(description=_("publishing error"))
    def publish_error_summary(self, obj: FollowUp) -> str:
        # The first line says what went wrong; the change page shows all of it.
        return obj.publish_error.splitlines()[0] if obj.publish_error else ""

    def get_queryset(self, request):
        # The frozen page and PDF are large and never shown in admin.
        return super().get_queryset(request).defer("published_html", "published_pdf")

    @admin.display(description=_("document"))
    def document_links(self, obj: FollowUp) -> str:
        if obj.pk is None:
            return "–"
        slug = obj.promise.slug
        if obj.state == FollowUp.State.PUBLISHED:
            page = reverse("document:follow_up", args=[slug])
            pdf = reverse("document:follow_up_pdf", args=[slug])
        else:
            page = reverse("document:draft", args=[slug, obj.pk])
            pdf = reverse("document:draft_pdf", args=[slug, obj.pk])
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            page,
            _("View"),
            pdf,
            _("Download PDF"),
        )

    @admin.action(description=_("Publish the selected follow-ups"), permissions=["change"])
    def publish(self, request, queryset):
        queued = 0
        for follow_up in queryset.select_related("promise"):
            try:
                publish_follow_up(follow_up=follow_up, user=request.user)
            except WorkflowError as error:
                self.message_user(request, str(error), messages.WARNING)
            else:
                queued += 1
        if queued:
            self.message_user(
                request,
                ngettext(
                    "%(count)d follow-up is being published: its page and PDF are rendered "
                    "and frozen in the background. Reload the page to see when it is done.",
                    "%(count)d follow-ups are being published: their pages and PDFs are "
                    "rendered and frozen in the background. Reload the page to see when "
                    "they are done.",
                    queued,
                )
                % {"count": queued},
                messages.SUCCESS,
            )


@admin.register(Highlight)
class HighlightAdmin(ScopedAdmin):
    """Highlights of draft follow-ups; a published follow-up's are shown, never changed."""

    list_display = ["text", "report", "follow_up", "position"]
    list_filter = ["follow_up"]
    list_select_related = ["follow_up", "report__sub_promise", "report__period"]
    search_fields = ["text", "report__sub_promise__title"]
    autocomplete_fields = ["follow_up", "report"]

    def _published(self, obj) -> bool:
        return obj is not None and obj.follow_up.state not in FollowUp.EDITABLE_STATES

    def has_change_permission(self, request, obj=None):
        return not self._published(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._published(obj) and super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        frozen = queryset.exclude(follow_up__state__in=FollowUp.EDITABLE_STATES)
        if frozen.exists():
            self.message_user(
                request,
                _("Highlights of a published follow-up cannot be deleted; they were kept."),
                messages.WARNING,
            )
        queryset.filter(follow_up__state__in=FollowUp.EDITABLE_STATES).delete()


@admin.register(Reminder)
class ReminderAdmin(ScopedAdmin):
    """Which reminders went out: read-only, written by `send_reminders` and the overview."""

    list_display = ["sent_at", "kind", "user", "period"]
    list_filter = ["kind", "period"]
    list_select_related = ["user", "period__promise"]
    date_hierarchy = "sent_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
