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

from parties.models import Partner

from .accounts.roles import add_coordinator
from .admin_tools.scope import (
    ScopedAdmin,
    ScopedHistoryAdmin,
    ScopedImportExportMixin,
    ScopedStackedInline,
    ScopedTabularInline,
)
from .mail import retry_failed_email
from .models import (
    Commitment,
    FocusArea,
    Municipality,
    OutgoingEmail,
    Promise,
    PromisePublisher,
    Responsibility,
    SubPromise,
)
from .spreadsheets.resources import SubPromiseResource


class FocusAreaInline(ScopedStackedInline):
    model = FocusArea
    extra = 0
    fields = ["position", "name", "rationale"]
    show_change_link = True


class PromisePublisherInline(ScopedTabularInline):
    """The organisations that publish the promise, in the order its outputs name them."""

    model = PromisePublisher
    extra = 0
    fields = ["position", "publisher"]
    autocomplete_fields = ["publisher"]


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

    def clean(self):
        """The promise's partners are partners of its municipalities (see
        Partner.objects.of_municipalities), whoever picks them, a superuser too."""
        data = super().clean()
        municipalities, partners = data.get("municipalities"), data.get("partners")
        if municipalities is None or partners is None or "partners" not in self.fields:
            return data
        strangers = partners.exclude(pk__in=Partner.objects.of_municipalities(municipalities))
        names = sorted(f"{p.name} ({p.municipality})" for p in strangers.select_related())
        if names:
            self.add_error(
                "partners",
                _(
                    "%(names)s: a partner of another municipality cannot take part in this "
                    "promise; pick the partners of the promise's municipalities."
                )
                % {"names": ", ".join(names)},
            )
        return data


@admin.register(Promise)
class PromiseAdmin(ScopedHistoryAdmin):
    form = PromiseForm
    list_display = ["title", "area", "starts_on", "ends_on", "organisers"]
    list_filter = ["area"]
    search_fields = ["area", "name", "slug"]
    date_hierarchy = "starts_on"
    prepopulated_fields = {"slug": ["area"]}
    autocomplete_fields = ["municipalities", "partners", "coordinators", "previous"]
    inlines = [PromisePublisherInline, FocusAreaInline]
    # followup.review adds the renewal action: what carries over depends on the reports.
    fieldsets = [
        (None, {"fields": ["area", "municipalities", "slug", "name", "text", "organisers"]}),
        (_("Period"), {"fields": ["starts_on", "ends_on", "previous"]}),
        (_("People"), {"fields": ["partners", "coordinators"]}),
    ]

    change_form_template = "admin/lofte/promise/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        # A superuser picks a promise's coordinators; a coordinator invites them (below).
        if request.user.is_superuser:
            return []
        return ["coordinators"]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        code = only_municipality(request)
        return {"municipalities": [code], **initial} if code else initial

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change and not request.user.is_superuser:
            # A coordinator who starts a promise runs it (and so still sees it once saved).
            form.instance.coordinators.add(request.user)

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
        Samordnare), the link to the promise and the email with a link to set a password.
        Open to a superuser and to the promise's own coordinators (another promise is a 404)."""
        promise = self.get_object(request, object_id)
        if promise is None:
            raise Http404
        if not self.has_change_permission(request, promise):
            raise PermissionDenied
        return invite_coordinator(self, request, promise, promise=promise)


def only_municipality(request) -> str | None:
    """The code of the user's municipality, when they have only one to choose from."""
    codes = list(
        Municipality.objects.coordinated_by(request.user).values_list("code", flat=True)[:2]
    )
    return codes[0] if len(codes) == 1 else None


def invite_coordinator(model_admin, request, obj, **place):
    """The invitation page of a promise or a municipality (`place` names which), through
    the one function that makes coordinators, `lofte.accounts.roles.add_coordinator`."""
    opts = model_admin.opts
    change_url = f"admin:{opts.app_label}_{opts.model_name}_change"
    form = InviteCoordinatorForm(request.POST or None, municipality="municipality" in place)
    if request.method == "POST" and form.is_valid():
        try:
            user, _created = add_coordinator(email=form.cleaned_data["email"], **place)
        except ValueError as error:
            form.add_error("email", str(error))
        else:
            model_admin.log_change(request, obj, _("Invited %(email)s") % {"email": user.email})
            model_admin.message_user(
                request,
                (
                    _("%(email)s is a coordinator of the promise and has been sent an invitation.")
                    if "promise" in place
                    else _(
                        "%(email)s is a coordinator in the municipality and has been sent an "
                        "invitation."
                    )
                )
                % {"email": user.email},
                messages.SUCCESS,
            )
            return redirect(change_url, obj.pk)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Invite a coordinator"),
        "opts": opts,
        "original": obj,
        "form": form,
        **place,
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

    def __init__(self, *args, municipality: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if municipality:
            self.fields["email"].help_text = _(
                "They get an email with a link to choose a password; an existing account is "
                "added to the municipality."
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
            Partner.objects.may_be_responsible_in(self.instance.focus_area.promise_id).values_list(
                "pk", flat=True
            )
        )
        for form in self.forms:
            partner = form.cleaned_data.get("partner") if form.cleaned_data else None
            if (
                partner is not None
                and not form.cleaned_data.get("DELETE")
                and partner.pk not in listed
            ):
                form.add_error("partner", not_the_promises_partner(partner))


def not_the_promises_partner(partner: Partner) -> str:
    return _("%(name)s is not a partner of this promise; add it to the promise first.") % {
        "name": partner.name
    }


class ResponsibilityForm(forms.ModelForm):
    """A responsibility on its own page: as in a sub-promise's inline, only the promise's
    own partners (Partner.objects.may_be_responsible_in)."""

    def clean(self):
        data = super().clean()
        sub_promise, partner = data.get("sub_promise"), data.get("partner")
        if sub_promise is not None and partner is not None:
            allowed = Partner.objects.may_be_responsible_in(sub_promise.focus_area.promise_id)
            if not allowed.filter(pk=partner.pk).exists():
                self.add_error("partner", not_the_promises_partner(partner))
        return data


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
    form = ResponsibilityForm
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


@admin.register(Municipality)
class MunicipalityAdmin(ScopedAdmin):
    """Sweden's municipalities, from the shipped list (lofte/places.py): nobody adds or
    removes one here. A superuser gives a municipality its coordinators, or invites one (the
    admin side of `manage.py onboard_municipality`); a coordinator sees their own
    municipalities (Municipality.objects.coordinated_by) and nothing else."""

    list_display = ["name", "code", "county"]
    list_filter = ["county"]
    list_select_related = ["county"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["coordinators"]
    readonly_fields = ["code", "name", "county"]
    change_form_template = "admin/lofte/municipality/change_form.html"

    def get_fields(self, request, obj=None):
        # Who else coordinates there is an administrator's to see and change.
        if request.user.is_superuser:
            return ["code", "name", "county", "coordinators"]
        return ["code", "name", "county"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def get_urls(self):
        return [
            path(
                "<path:object_id>/bjud-in-samordnare/",
                self.admin_site.admin_view(self.invite_coordinator_view),
                name="lofte_municipality_invite_coordinator",
            ),
            *super().get_urls(),
        ]

    def invite_coordinator_view(self, request, object_id):
        """A municipality's coordinator, invited by a superuser in one step (as
        `manage.py onboard_municipality` does)."""
        municipality = self.get_object(request, object_id)
        if municipality is None:
            raise Http404
        if not self.has_change_permission(request, municipality):
            raise PermissionDenied
        return invite_coordinator(self, request, municipality, municipality=municipality)
