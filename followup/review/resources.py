"""Import and export of status reports.

A report is found by its round (by name) and its sub-promise (by number, as exported).
Imports write the content (status and texts); the state is shown but never imported, so an
import cannot approve anything. New reports begin as drafts. Rows go into closed rounds, or
into an open round only when the coordinator ticks so on the import form. An import never
changes what a partner has written: a report a partner has saved, or one with a partner's
contribution, is refused with that reason. The export carries the co-partners' contributions.
"""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from import_export import fields

from followup.models import Contribution, ReportingPeriod, StatusReport
from lofte.models import SubPromise
from lofte.resources import ScopedForeignKeyWidget, ScopedResource


class StatusReportResource(ScopedResource):
    promise = fields.Field(column_name="löfte", readonly=True)
    period = fields.Field(
        attribute="period",
        column_name="omgång",
        widget=ScopedForeignKeyWidget(ReportingPeriod, field="name", promise_path="promise"),
    )
    sub_promise = fields.Field(
        attribute="sub_promise",
        column_name="dellöfte-id",
        widget=ScopedForeignKeyWidget(SubPromise, field="pk", promise_path="focus_area__promise"),
    )
    title = fields.Field(attribute="sub_promise__title", column_name="dellöfte", readonly=True)
    focus_area = fields.Field(
        attribute="sub_promise__focus_area__name", column_name="fokusområde", readonly=True
    )
    status = fields.Field(attribute="status", column_name="status")
    achieved = fields.Field(attribute="achieved", column_name="vad som gjorts")
    obstacles = fields.Field(attribute="obstacles", column_name="hinder")
    next_steps = fields.Field(attribute="next_steps", column_name="nästa steg")
    state = fields.Field(column_name="tillstånd", readonly=True)
    contributions = fields.Field(column_name="bidrag", readonly=True)

    class Meta:
        model = StatusReport
        fields = [
            "promise",
            "period",
            "sub_promise",
            "title",
            "focus_area",
            "status",
            "achieved",
            "obstacles",
            "next_steps",
            "state",
            "contributions",
        ]
        import_id_fields = ["period", "sub_promise"]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        name = "Statusrapporter"

    def __init__(self, user=None, into_open_rounds: bool = False, **kwargs):
        super().__init__(user=user, **kwargs)
        self.into_open_rounds = into_open_rounds
        self.fields["period"].widget.user = user
        self.fields["sub_promise"].widget.user = user

    def dehydrate_promise(self, obj: StatusReport) -> str:
        return obj.period.promise.slug

    def dehydrate_state(self, obj: StatusReport) -> str:
        return obj.get_state_display()

    def export(self, queryset=None, **kwargs):
        if queryset is None:
            queryset = self.get_queryset()
        # The contributions of every exported report in one query, not one per row.
        queryset = queryset.prefetch_related(
            Prefetch(
                "contributions",
                queryset=Contribution.objects.filter(saved_at__isnull=False)
                .select_related("partner")
                .order_by("partner__name"),
            )
        )
        return super().export(queryset=queryset, **kwargs)

    def dehydrate_contributions(self, obj: StatusReport) -> str:
        return "\n\n".join(
            f"{c.partner.name} ({c.get_state_display().lower()}): {c.achieved}"
            for c in obj.contributions.all()
        )

    def check_row(self, row, errors):
        promise = self.promise_for(row.get("löfte"), errors)
        statuses = {str(label).lower(): value for value, label in StatusReport.Status.choices}
        statuses.update({value: value for value in StatusReport.Status.values})
        status = str(row.get("status") or "").lower()
        if status not in statuses:
            errors.append(
                _("“%(status)s” is not a status; use one of: %(statuses)s.")
                % {
                    "status": row.get("status"),
                    "statuses": ", ".join(str(label) for label in StatusReport.Status.labels),
                }
            )
        else:
            row["status"] = statuses[status]
            if statuses[status] == StatusReport.Status.NOT_DONE and not row.get("hinder"):
                errors.append(_("A sub-promise that was not done needs a reason (“hinder”)."))
        if promise is None:
            return
        period = ReportingPeriod.objects.filter(promise=promise, name=row.get("omgång")).first()
        if period is None:
            errors.append(
                _("The promise has no reporting round named “%(name)s”.")
                % {"name": row.get("omgång")}
            )
        elif period.is_open and not self.into_open_rounds:
            errors.append(
                _(
                    "The round “%(name)s” is open: partners report in it themselves. Import "
                    "into it only by ticking “Also import into open rounds”."
                )
                % {"name": period.name}
            )
        sub_promise = str(row.get("dellöfte-id") or "").removesuffix(".0")
        if not (
            sub_promise.isdigit()
            and SubPromise.objects.filter(focus_area__promise=promise, pk=sub_promise).exists()
        ):
            errors.append(
                _("The promise has no sub-promise number %(id)s.") % {"id": sub_promise or "–"}
            )
        else:
            row["dellöfte-id"] = sub_promise

    def before_save_instance(self, instance, row, **kwargs):
        if instance.pk and instance.state not in StatusReport.EDITABLE_STATES:
            # Only what a partner may still edit can be imported: an approved or submitted
            # report changes through the review, never behind it.
            raise ValidationError(
                _("The report on sub-promise %(id)s is %(state)s and cannot be changed by import.")
                % {"id": instance.sub_promise_id, "state": instance.get_state_display().lower()}
            )
        if instance.pk and (
            instance.saved_at is not None
            or instance.contributions.filter(saved_at__isnull=False).exists()
        ):
            raise ValidationError(
                _(
                    "A partner has already written the report on sub-promise %(id)s; an "
                    "import never changes what a partner has saved."
                )
                % {"id": instance.sub_promise_id}
            )
        # A partner editing the report at the same time must not overwrite this silently.
        if instance.pk:
            instance.version += 1
        super().before_save_instance(instance, row, **kwargs)
