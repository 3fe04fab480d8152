from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportMixin

from .accounts.roles import add_coordinator
from .admin_tools.scope import (
    ScopedAdmin,
    ScopedHistoryAdmin,
    ScopedImportExportMixin,
    ScopedStackedInline,
    ScopedTabularInline,
)
from .mail import retry_failed_email
from .models import Commitment, FocusArea, OutgoingEmail, Promise, Responsibility, SubPromise
from .spreadsheets.resources import SubPromiseResource


class FocusAreaInline(ScopedStackedInline):
    model = FocusArea
    extra = 0
    fields = ["position", "name", "rationale"]
    show_change_link = True


class PromiseForm(forms.ModelForm):
    class Meta:
        model = Promise
        fields = ["partners"]  # admin adds the fields of its fieldsets

    def clean_partners(self):
        """A partner responsible for a sub-promise stays on the promise's list (one rule for
        who belongs to a promise: see parties.models.taking_part)."""
        partners = self.cleaned_data["partners"]
        if self.instance.pk is None:
            return partners
        still_responsible = (
            Responsibility.objects.filter(sub_promise__focus_area__promise=self.instance)
            .exclude(partner__in=partners)
            .values_list("partner__name", flat=True)
            .distinct()
            .order_by("partner__name")
        )
        if still_responsible:
            raise ValidationError(
                _(
                    "%(names)s cannot be removed: they are responsible for sub-promises of "
                    "this promise. Remove them from those sub-promises first."
                )
                % {"names": ", ".join(still_responsible)}
            )
        return partners


@admin.register(Promise)
class PromiseAdmin(ScopedHistoryAdmin):
    form = PromiseForm
    list_display = ["title", "area", "starts_on", "ends_on", "organisers"]
    list_filter = ["area"]
    search_fields = ["area", "name", "slug"]
    date_hierarchy = "starts_on"
    prepopulated_fields = {"slug": ["area"]}
    autocomplete_fields = ["partners", "coordinators", "previous"]
    inlines = [FocusAreaInline]
    # followup.review adds the renewal action: what carries over depends on the reports.
    fieldsets = [
        (None, {"fields": ["area", "slug", "name", "text", "organisers"]}),
        (_("Period"), {"fields": ["starts_on", "ends_on", "previous"]}),
        (_("People"), {"fields": ["partners", "coordinators"]}),
    ]

    change_form_template = "admin/lofte/promise/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser decides who coordinates a promise.
        if request.user.is_superuser:
            return []
        return ["coordinators"]

    def get_urls(self):
        return [
            path(
                "<path:object_id>/bjud-in-samordnare/",
                self.admin_site.admin_view(self.invite_coordinator_view),
                name="lofte_promise_invite_coordinator",
            ),
            *super().get_urls(),
        ]

    def invite_coordinator_view(self, request, object_id):
        """Invites a coordinator to this promise in one step: the account (staff, in
        Samordnare), the link to the promise and the email with a link to set a password."""
        promise = self.get_object(request, object_id)
        if promise is None:
            raise Http404
        if not request.user.is_superuser:  # only a superuser decides who coordinates
            raise PermissionDenied
        form = InviteCoordinatorForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                user, _created = add_coordinator(email=form.cleaned_data["email"], promise=promise)
            except ValueError as error:
                form.add_error("email", str(error))
            else:
                self.log_change(request, promise, _("Invited %(email)s") % {"email": user.email})
                self.message_user(
                    request,
                    _("%(email)s is a coordinator of the promise and has been sent an invitation.")
                    % {"email": user.email},
                    messages.SUCCESS,
                )
                return redirect("admin:lofte_promise_change", promise.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Invite a coordinator"),
            "opts": self.opts,
            "original": promise,
            "form": form,
        }
        return TemplateResponse(request, "admin/lofte/promise/invite_coordinator.html", context)


class InviteCoordinatorForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_(
            "They get an email with a link to choose a password; an existing account is "
            "added to the promise."
        ),
    )


class CommitmentInline(ScopedTabularInline):
    model = Commitment
    extra = 0
    fields = ["position", "text"]


@admin.register(FocusArea)
class FocusAreaAdmin(ScopedAdmin):
    list_display = ["name", "promise", "position"]
    list_filter = ["promise"]
    list_select_related = ["promise"]
    search_fields = ["name", "rationale"]
    autocomplete_fields = ["promise"]
    inlines = [CommitmentInline]


@admin.register(Commitment)
class CommitmentAdmin(ScopedAdmin):
    list_display = ["text", "focus_area", "position"]
    list_filter = ["focus_area__promise", "focus_area"]
    list_select_related = ["focus_area__promise"]
    search_fields = ["text"]
    autocomplete_fields = ["focus_area"]


class ResponsibilityFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        leads = sum(
            1
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("role") == Responsibility.Role.LEAD
        )
        if leads != 1:
            raise ValidationError(_("A sub-promise has exactly one lead partner."))
        # Only the promise's own partners can be made responsible (see PromiseForm).
        if self.instance.focus_area_id is None:
            return
        listed = set(
            Promise.partners.through.objects.filter(
                promise=self.instance.focus_area.promise_id
            ).values_list("partner_id", flat=True)
        )
        for form in self.forms:
            partner = form.cleaned_data.get("partner") if form.cleaned_data else None
            if (
                partner is not None
                and not form.cleaned_data.get("DELETE")
                and partner.pk not in listed
            ):
                form.add_error(
                    "partner",
                    _("%(name)s is not a partner of this promise; add it to the promise first.")
                    % {"name": partner.name},
                )


class ResponsibilityInline(ScopedTabularInline):
    model = Responsibility
    formset = ResponsibilityFormSet
    extra = 1
    autocomplete_fields = ["partner"]


@admin.register(SubPromise)
class SubPromiseAdmin(ScopedImportExportMixin, ImportExportMixin, ScopedHistoryAdmin):
    resource_classes = [SubPromiseResource]
    list_display = ["title", "focus_area", "lead_partner", "indicator_label", "indicator_target"]
    list_filter = ["focus_area__promise", "focus_area"]
    list_select_related = ["focus_area__promise"]
    search_fields = ["title", "description", "partners__name"]
    autocomplete_fields = ["focus_area", "derived_from"]
    inlines = [ResponsibilityInline]
    fieldsets = [
        (None, {"fields": ["focus_area", "position", "title", "description"]}),
        (_("Indicator"), {"fields": ["indicator_label", "indicator_unit", "indicator_target"]}),
        (None, {"fields": ["derived_from"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("responsibilities__partner")

    @admin.display(description=_("lead partner"))
    def lead_partner(self, obj: SubPromise) -> str:
        for responsibility in obj.responsibilities.all():
            if responsibility.role == Responsibility.Role.LEAD:
                return responsibility.partner.name
        return "–"


@admin.register(Responsibility)
class ResponsibilityAdmin(ScopedAdmin):
    list_display = ["sub_promise", "partner", "role"]
    list_filter = ["role", "sub_promise__focus_area__promise"]
    list_select_related = ["sub_promise", "partner"]
    search_fields = ["sub_promise__title", "partner__name"]
    autocomplete_fields = ["sub_promise", "partner"]


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    """What the mail queue did: superusers only, since it lists every recipient."""

    list_display = ["created_at", "to", "subject", "state", "attempts", "finished_at", "error"]
    list_filter = ["state"]
    search_fields = ["to", "subject"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "to",
        "subject",
        "body",
        "state",
        "attempts",
        "error",
        "created_at",
        "started_at",
        "finished_at",
    ]
    actions = ["retry"]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    @admin.action(description=_("Send the selected failed emails again"), permissions=["retry"])
    def retry(self, request, queryset):
        queued = sum(
            retry_failed_email(email=email)
            for email in queryset.filter(state=OutgoingEmail.State.FAILED)
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d email was queued again.", "%(count)d emails were queued again.", queued
            )
            % {"count": queued},
            messages.SUCCESS,
        )
