"""The admin action that makes the next promise from this one (see followup.renewal)."""

import calendar
import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from followup.renewal import renew_promise, unfinished_sub_promises
from lofte.models import Promise, SubPromise
from lofte.validators import LAST_DATE, sane_date


class RenewalForm(forms.Form):
    slug = forms.SlugField(label=_("slug of the new promise"), max_length=80)
    starts_on = forms.DateField(
        label=_("starts on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[sane_date],
    )
    ends_on = forms.DateField(
        label=_("ends on"), widget=forms.DateInput(attrs={"type": "date"}), validators=[sane_date]
    )
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


def next_period(promise: Promise) -> dict:
    """The suggested dates of the next promise: from 1 January after this one ends, as long.

    A promise ending on 29 February suggests 28 February in a year without one; when the next
    period would end after the last year a promise can have (2100), it suggests nothing (the
    coordinator types dates).
    """
    years = promise.ends_on.year - promise.starts_on.year + 1
    if promise.ends_on.year + years > LAST_DATE.year:
        return {}
    ends_on = promise.ends_on
    if (ends_on.month, ends_on.day) == (2, 29) and not calendar.isleap(ends_on.year + years):
        ends_on = ends_on.replace(day=28)
    return {
        "starts_on": datetime.date(promise.ends_on.year + 1, 1, 1),
        "ends_on": ends_on.replace(year=ends_on.year + years),
    }


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
        form.initial = {
            "slug": f"{promise.slug}-ny",
            **next_period(promise),
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
