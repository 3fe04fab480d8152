"""Reporting rounds in admin: their list, the round overview (who is behind, reminders)."""

from django.contrib import admin, messages
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from followup.models import (
    Reminder,
    ReportingPeriod,
    StatusReport,
)
from lofte.admin_tools.scope import (
    ScopedAdmin,
)
from lofte.models import SubPromise
from parties.models import Partner

from ..reminders import planned_reminders, remind_partners, reminder_preview, round_progress


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
