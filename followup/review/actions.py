"""Review actions on status reports in admin: approve, return with a comment, highlight.

Every step goes through the workflow services (the same the portal uses), which record who
and when and email the partner's reporters; admin's log records the action too.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.validators import MaxLengthValidator
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from followup.models import StatusReport
from followup.services import WorkflowError, approve_report, mark_highlight, return_report
from lofte.validators import TextFormField, length_hint, plain_text

COMMENT_MAX = StatusReport._meta.get_field("review_comment").max_length


class ReturnForm(forms.Form):
    comment = TextFormField(
        label=_("What should the partner complete?"),
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
        validators=[plain_text, MaxLengthValidator(COMMENT_MAX)],
        help_text=length_hint(
            COMMENT_MAX, _("The partner's reporters see this comment and receive it by email.")
        ),
    )


def _report_outcome(modeladmin, request, done: int, refused: list[str], verb_done: str) -> None:
    if done:
        modeladmin.message_user(request, verb_done % {"count": done}, messages.SUCCESS)
    for reason in refused:
        modeladmin.message_user(request, reason, messages.WARNING)


@admin.action(description=_("Approve selected reports"), permissions=["change"])
def approve_reports(modeladmin, request, queryset):
    done, refused = 0, []
    for report in queryset.select_related("sub_promise"):
        try:
            approve_report(report=report, reviewer=request.user)
        except WorkflowError as e:
            refused.append(f"{report.sub_promise}: {e}")
            continue
        modeladmin.log_change(request, report, _("Approved"))
        done += 1
    _report_outcome(
        modeladmin,
        request,
        done,
        refused,
        ngettext("%(count)d report approved.", "%(count)d reports approved.", done),
    )


@admin.action(description=_("Return selected reports for completion…"), permissions=["change"])
def return_reports(modeladmin, request, queryset):
    """Asks for the comment on an intermediate page, then returns every selected report."""
    form = ReturnForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        done, refused = return_selected(modeladmin, request, queryset, form.cleaned_data["comment"])
        _report_outcome(
            modeladmin,
            request,
            done,
            refused,
            ngettext("%(count)d report returned.", "%(count)d reports returned.", done),
        )
        return None
    return render_return_page(modeladmin, request, queryset, form, action="return_reports")


def return_selected(modeladmin, request, queryset, comment: str) -> tuple[int, list[str]]:
    done, refused = 0, []
    for report in queryset.select_related("sub_promise"):
        try:
            return_report(report=report, reviewer=request.user, comment=comment)
        except WorkflowError as e:
            refused.append(f"{report.sub_promise}: {e}")
            continue
        modeladmin.log_change(request, report, _("Returned for completion"))
        done += 1
    return done, refused


def render_return_page(modeladmin, request, queryset, form, *, action: str | None):
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Return reports for completion"),
        "opts": opts,
        "form": form,
        "reports": queryset.select_related("sub_promise", "period").prefetch_related("figures"),
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "media": modeladmin.media,
    }
    return TemplateResponse(request, "admin/followup/statusreport/return.html", context)


@admin.action(description=_("Mark selected reports as highlights"), permissions=["change"])
def mark_highlights(modeladmin, request, queryset):
    done, refused = 0, []
    for report in queryset.select_related("sub_promise", "period__promise"):
        try:
            highlight = mark_highlight(report=report, reviewer=request.user)
        except WorkflowError as e:
            refused.append(f"{report.sub_promise}: {e}")
            continue
        modeladmin.log_change(
            request, report, _("Highlighted in %(follow_up)s") % {"follow_up": highlight.follow_up}
        )
        done += 1
    _report_outcome(
        modeladmin,
        request,
        done,
        refused,
        ngettext(
            "%(count)d report marked as a highlight for the follow-up.",
            "%(count)d reports marked as highlights for the follow-up.",
            done,
        ),
    )
