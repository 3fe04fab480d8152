"""Import and export of status reports.

A report is found by its round (by name) and its sub-promise (by number, as exported).
Imports write the content (status and texts); the state is shown but never imported, so an
import cannot approve anything. New reports begin as drafts. Rows go into closed rounds, or
into an open round only when the coordinator ticks so on the import form. An import never
changes what a partner has written: a report a partner has saved, or one with a partner's
contribution, is refused with that reason. The export carries the co-partners' contributions.
"""

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from import_export import fields

from followup.models import Contribution, ReportingPeriod, StatusReport
from lofte.models import SubPromise
from lofte.spreadsheets.bulk_import import BulkImportMixin
from lofte.spreadsheets.resources import (
    ScopedForeignKeyWidget,
    ScopedResource,
    column,
    whole_numbers,
)


def _saved_contributions():
    return (
        Contribution.objects.filter(saved_at__isnull=False)
        .select_related("partner")
        .order_by("partner__name")
    )


def _contributions() -> Prefetch:
    """The contributions partners have saved, as the export shows them, in a list on each
    report (`saved_contributions`: a list costs nothing a row, where a prefetched manager
    builds a queryset for every report)."""
    return Prefetch("contributions", queryset=_saved_contributions(), to_attr="saved_contributions")


class StatusReportResource(BulkImportMixin, ScopedResource):
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

    bulk_update_fields = ["status", "achieved", "obstacles", "next_steps", "version"]
    # Found among the user's own rounds and sub-promises; the rest are never imported.
    looked_up_fields = {"period", "sub_promise", "saved_by", "submitted_by", "reviewed_by"}

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
        use_bulk = True  # see lofte/spreadsheets/bulk_import.py
        name = "Statusrapporter"

    def __init__(self, user=None, into_open_rounds: bool = False, **kwargs):
        super().__init__(user=user, **kwargs)
        self.into_open_rounds = into_open_rounds
        self.fields["period"].widget.user = user
        self.fields["sub_promise"].widget.user = user
        self._periods: dict[tuple[int, str], ReportingPeriod] = {}
        self._sub_promises: dict[tuple[int, int], SubPromise] = {}
        self._existing: dict[tuple[int, int], StatusReport] = {}
        # Each existing report's contributions as the export writes them.
        self._contributions_read: dict[int, str] = {}

    def dehydrate_promise(self, obj: StatusReport) -> str:
        return obj.period.promise.slug

    @cached_property
    def _state_names(self) -> dict[str, str]:
        """The report's and a contribution's states by name, in the export's language, read
        once (`get_state_display` builds its table of translated choices at every call)."""
        return {
            "report": {value: str(label) for value, label in StatusReport.State.choices},
            "contribution": {value: str(label) for value, label in Contribution.State.choices},
        }

    def dehydrate_state(self, obj: StatusReport) -> str:
        return self._state_names["report"].get(obj.state, obj.state)

    def filter_export(self, queryset, **kwargs):
        """What the columns read: a report's sub-promise and focus area in its row; its round
        and promise (a few, shared by all rows) and its contributions in one query each for
        every chunk the export reads, not one per row."""
        queryset = super().filter_export(queryset, **kwargs)
        return (
            queryset.select_related(None)
            .select_related("sub_promise__focus_area")
            .prefetch_related("period__promise", _contributions())
        )

    def dehydrate_contributions(self, obj: StatusReport) -> str:
        if obj.pk is None:  # a report the import is creating has none
            return ""
        if obj.pk in self._contributions_read:  # read before the import (the preview's diff)
            return self._contributions_read[obj.pk]
        contributions = getattr(obj, "saved_contributions", None)
        if contributions is None:  # not prefetched
            contributions = _saved_contributions().filter(report=obj)
        names = self._state_names["contribution"]
        return "\n\n".join(
            f"{c.partner.name} ({names.get(c.state, c.state).lower()}): {c.achieved}"
            for c in contributions
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
        period = self._periods.get((promise.pk, str(row.get("omgång"))))
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
        if not (sub_promise.isdigit() and (promise.pk, int(sub_promise)) in self._sub_promises):
            errors.append(
                _("The promise has no sub-promise number %(id)s.") % {"id": sub_promise or "–"}
            )
        else:
            row["dellöfte-id"] = sub_promise

    def before_import(self, dataset, **kwargs):
        """Everything the file names, read in four queries whatever its length."""
        super().before_import(dataset, **kwargs)
        promises = self.coordinated_promises(column(dataset, "löfte"))
        by_pk = {promise.pk: promise for promise in promises.values()}
        periods = ReportingPeriod.objects.filter(
            promise__in=by_pk, name__in=column(dataset, "omgång")
        )
        for period in periods:
            period.promise = by_pk[period.promise_id]
            self._periods[period.promise_id, period.name] = period
        sub_promises = SubPromise.objects.filter(
            focus_area__promise__in=by_pk, pk__in=whole_numbers(column(dataset, "dellöfte-id"))
        ).select_related("focus_area")
        for sub in sub_promises:
            self._sub_promises[sub.focus_area.promise_id, sub.pk] = sub
        # Whether a partner has written anything beside the report, in the same query.
        written = Contribution.objects.filter(report=OuterRef("pk"), saved_at__isnull=False)
        existing = (
            StatusReport.objects.filter(
                period__in=[period.pk for period in self._periods.values()],
                sub_promise__in=[s.pk for s in self._sub_promises.values()],
            )
            .annotate(partner_contributed=Exists(written))
            .prefetch_related(_contributions())
        )
        periods_by_pk = {period.pk: period for period in self._periods.values()}
        for report in existing:
            report.period = periods_by_pk[report.period_id]
            report.sub_promise = self._sub_promises[report.period.promise_id, report.sub_promise_id]
            self._existing[report.period_id, report.sub_promise_id] = report
            self._contributions_read[report.pk] = self.dehydrate_contributions(report)
        self.fields["period"].widget.prime(
            {(by_pk[p.promise_id].slug, p.name): p for p in self._periods.values()}
        )
        self.fields["sub_promise"].widget.prime(
            {
                (by_pk[promise].slug, str(pk)): sub
                for (promise, pk), sub in self._sub_promises.items()
            }
        )

    def row_key(self, row):
        return (row.get("löfte"), str(row.get("omgång")), str(row.get("dellöfte-id")))

    def duplicate_key_error(self, row, number):
        return _(
            "Row %(number)d already has sub-promise %(id)s in this round; a file may name each "
            "report once."
        ) % {"number": number, "id": row.get("dellöfte-id")}

    def get_instance(self, instance_loader, row):
        """The report on the row's round and sub-promise, if it exists (no query)."""
        promise = self.coordinated_promises()[row["löfte"]]
        period = self._periods[promise.pk, str(row["omgång"])]
        return self._existing.get((period.pk, int(row["dellöfte-id"])))

    def before_save_instance(self, instance, row, **kwargs):
        if instance.pk and instance.state not in StatusReport.EDITABLE_STATES:
            # Only what a partner may still edit can be imported: an approved or submitted
            # report changes through the review, never behind it.
            raise ValidationError(
                _("The report on sub-promise %(id)s is %(state)s and cannot be changed by import.")
                % {"id": instance.sub_promise_id, "state": instance.get_state_display().lower()}
            )
        if instance.pk and (instance.saved_at is not None or instance.partner_contributed):
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
