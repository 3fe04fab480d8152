"""Follow-ups in admin: their highlights, the draft and the publish action."""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from followup.document.publishing import publish_follow_up
from followup.models import (
    FollowUp,
    Highlight,
)
from followup.services import WorkflowError
from lofte.admin_tools.scope import (
    ScopedAdmin,
    ScopedTabularInline,
)


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
