from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from lofte.admin_scope import ScopedAdmin, ScopedTabularInline

from .models import FollowUp, Highlight, ReportFigure, ReportingPeriod, StatusReport
from .services import WorkflowError, publish_follow_up


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
    list_display = [
        "title",
        "promise",
        "covers_from",
        "covers_to",
        "state",
        "published_at",
        "document_links",
    ]
    list_filter = ["state", "promise"]
    list_select_related = ["promise"]
    search_fields = ["title", "promise__area"]
    autocomplete_fields = ["promise"]
    readonly_fields = ["published_at", "published_by", "document_links"]
    inlines = [HighlightInline]
    actions = ["publish"]

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
        published = 0
        for follow_up in queryset.select_related("promise"):
            try:
                publish_follow_up(follow_up=follow_up, user=request.user)
            except WorkflowError as error:
                self.message_user(request, str(error), messages.WARNING)
            else:
                published += 1
        if published:
            self.message_user(
                request,
                ngettext(
                    "%(count)d follow-up was published. Its page and PDF are now frozen.",
                    "%(count)d follow-ups were published. Their pages and PDFs are now frozen.",
                    published,
                )
                % {"count": published},
                messages.SUCCESS,
            )


@admin.register(Highlight)
class HighlightAdmin(ScopedAdmin):
    list_display = ["text", "follow_up", "position"]
    list_select_related = ["follow_up"]
    search_fields = ["text"]
    autocomplete_fields = ["follow_up", "report"]
