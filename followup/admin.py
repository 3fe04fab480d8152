from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from lofte.admin_scope import ScopedAdmin, ScopedTabularInline

from .models import FollowUp, Highlight, ReportFigure, ReportingPeriod, StatusReport


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(ScopedAdmin):
    list_display = ["name", "promise", "starts_on", "deadline", "is_open"]
    list_filter = ["is_open", "promise"]
    list_select_related = ["promise"]
    search_fields = ["name", "promise__area"]
    autocomplete_fields = ["promise"]


class ReportFigureInline(ScopedTabularInline):
    model = ReportFigure
    extra = 0


@admin.register(StatusReport)
class StatusReportAdmin(ScopedAdmin, SimpleHistoryAdmin):
    list_display = ["sub_promise", "focus_area", "period", "status", "state", "submitted_at"]
    list_filter = ["state", "status", "period", "sub_promise__focus_area"]
    list_select_related = ["sub_promise__focus_area", "period__promise"]
    search_fields = ["sub_promise__title", "achieved", "obstacles", "next_steps"]
    autocomplete_fields = ["sub_promise", "period"]
    readonly_fields = [
        "version",
        "created_at",
        "saved_at",
        "saved_by",
        "submitted_at",
        "submitted_by",
        "reviewed_at",
        "reviewed_by",
    ]
    # A count over tens of thousands of rows costs more than the page itself.
    show_full_result_count = False
    inlines = [ReportFigureInline]

    @admin.display(description=_("focus area"))
    def focus_area(self, obj: StatusReport) -> str:
        return obj.sub_promise.focus_area.name


@admin.register(ReportFigure)
class ReportFigureAdmin(ScopedAdmin):
    list_display = ["label", "value", "unit", "report"]
    list_select_related = ["report__sub_promise", "report__period__promise"]
    search_fields = ["label", "report__sub_promise__title"]
    autocomplete_fields = ["report"]


class HighlightInline(ScopedTabularInline):
    model = Highlight
    extra = 0
    autocomplete_fields = ["report"]


@admin.register(FollowUp)
class FollowUpAdmin(ScopedAdmin):
    list_display = ["title", "promise", "covers_from", "covers_to", "state", "published_at"]
    list_filter = ["state", "promise"]
    list_select_related = ["promise"]
    search_fields = ["title", "promise__area"]
    autocomplete_fields = ["promise"]
    readonly_fields = ["published_at", "published_by"]
    inlines = [HighlightInline]


@admin.register(Highlight)
class HighlightAdmin(ScopedAdmin):
    list_display = ["text", "follow_up", "position"]
    list_select_related = ["follow_up"]
    search_fields = ["text"]
    autocomplete_fields = ["follow_up", "report"]
