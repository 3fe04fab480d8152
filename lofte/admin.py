from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin

from .admin_scope import (
    ScopedAdmin,
    ScopedHistoryAdmin,
    ScopedImportExportMixin,
    ScopedStackedInline,
    ScopedTabularInline,
)
from .models import Commitment, FocusArea, Promise, Responsibility, SubPromise
from .renewal import renew_promise, unfinished_sub_promises
from .resources import SubPromiseResource


class RenewalForm(forms.Form):
    slug = forms.SlugField(label=_("slug of the new promise"), max_length=80)
    starts_on = forms.DateField(
        label=_("starts on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(label=_("ends on"), widget=forms.DateInput(attrs={"type": "date"}))
    sub_promises = forms.ModelMultipleChoiceField(
        label=_("unfinished sub-promises to carry over"),
        queryset=SubPromise.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, promise: Promise, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sub_promises"].queryset = unfinished_sub_promises(promise)
        self.fields["sub_promises"].label_from_instance = lambda sub: (
            f"{sub.focus_area.name}: {sub.title}"
        )

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if Promise.objects.filter(slug=slug).exists():
            raise ValidationError(_("Another promise already has this slug."))
        return slug

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError(_("The promise cannot end before it starts."))
        return data


@admin.action(description=_("Make the next promise from this one…"), permissions=["change"])
def make_next_promise(modeladmin, request, queryset):
    """Renewal: asks for the new dates, slug and sub-promises, then creates the promise."""
    if queryset.count() != 1:
        modeladmin.message_user(request, _("Pick exactly one promise to renew."), messages.WARNING)
        return None
    promise = queryset.get()
    form = RenewalForm(request.POST if "apply" in request.POST else None, promise=promise)
    if form.is_valid():
        new = renew_promise(promise=promise, user=request.user, **form.cleaned_data)
        modeladmin.log_addition(request, new, _("Renewed from %(old)s") % {"old": promise})
        modeladmin.message_user(
            request,
            _("%(new)s is created. Edit its focus areas and commitments for the new period.")
            % {"new": new},
            messages.SUCCESS,
        )
        return redirect("admin:lofte_promise_change", new.pk)
    if not form.is_bound:
        years = promise.ends_on.year - promise.starts_on.year + 1
        form.initial = {
            "slug": f"{promise.slug}-ny",
            "starts_on": promise.ends_on.replace(year=promise.ends_on.year + 1, month=1, day=1),
            "ends_on": promise.ends_on.replace(year=promise.ends_on.year + years),
            "sub_promises": list(form.fields["sub_promises"].queryset),
        }
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Make the next promise from %(promise)s") % {"promise": promise},
        "opts": modeladmin.model._meta,
        "form": form,
        "promise": promise,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "media": modeladmin.media + form.media,
    }
    return TemplateResponse(request, "admin/lofte/promise/renew.html", context)


class FocusAreaInline(ScopedStackedInline):
    model = FocusArea
    extra = 0
    fields = ["position", "name", "rationale"]
    show_change_link = True


@admin.register(Promise)
class PromiseAdmin(ScopedHistoryAdmin):
    list_display = ["title", "area", "starts_on", "ends_on", "organisers"]
    list_filter = ["area"]
    search_fields = ["area", "name", "slug"]
    date_hierarchy = "starts_on"
    prepopulated_fields = {"slug": ["area"]}
    autocomplete_fields = ["partners", "coordinators", "previous"]
    inlines = [FocusAreaInline]
    actions = [make_next_promise]
    fieldsets = [
        (None, {"fields": ["area", "slug", "name", "text", "organisers"]}),
        (_("Period"), {"fields": ["starts_on", "ends_on", "previous"]}),
        (_("People"), {"fields": ["partners", "coordinators"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser decides who coordinates a promise.
        if request.user.is_superuser:
            return []
        return ["coordinators"]


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
