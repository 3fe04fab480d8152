"""Coordinators edit the problem picture, the indicators and their values in admin, scoped
to their promises like every other admin page, with history."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin

from lofte.admin_tools.scope import (
    ScopedHistoryAdmin,
    ScopedImportExportMixin,
    ScopedTabularInline,
)

from .kolada import fetch_indicator
from .models import Indicator, IndicatorValue, Problem
from .resources import IndicatorValueResource


class ProblemForm(forms.ModelForm):
    class Meta:
        model = Problem
        fields = [
            "promise",
            "position",
            "title",
            "description",
            "evidence",
            "sources",
            "commitments",
        ]

    def clean(self):
        cleaned = super().clean()
        promise = cleaned.get("promise")
        commitments = cleaned.get("commitments")
        if promise is not None and commitments is not None:
            foreign = [c for c in commitments if c.focus_area.promise_id != promise.pk]
            if foreign:
                self.add_error(
                    "commitments",
                    gettext("Link only commitments of this promise (not: %(names)s).")
                    % {"names": "; ".join(str(c) for c in foreign)},
                )
        return cleaned


def commitment_choice(commitment) -> str:
    return f"{commitment.focus_area.promise.area} · {commitment.focus_area}: {commitment}"


@admin.register(Problem)
class ProblemAdmin(ScopedHistoryAdmin):
    form = ProblemForm
    list_display = ["title", "promise", "position"]
    list_filter = ["promise"]
    list_select_related = ["promise"]
    search_fields = ["title", "description", "evidence"]
    autocomplete_fields = ["promise"]
    filter_horizontal = ["commitments"]
    fields = ["promise", "position", "title", "description", "evidence", "sources", "commitments"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "commitments":
            # Choices read as “Fokusområde: text”, in one query.
            field.queryset = field.queryset.select_related("focus_area__promise")
            field.label_from_instance = commitment_choice
        return field


class IndicatorValueInline(ScopedTabularInline):
    model = IndicatorValue
    extra = 1
    fields = ["year", "value", "source", "note", "fetched_at"]
    readonly_fields = ["fetched_at"]

    def get_queryset(self, request):
        # Each row's title names its indicator: read it with the rows, not once a row.
        return super().get_queryset(request).select_related("indicator")


@admin.action(
    description=_("Fetch the selected indicators' values from Kolada"), permissions=["change"]
)
def fetch_from_kolada(modeladmin, request, queryset):
    """Queues a Kolada fetch of each selected indicator; the list shows how each went."""
    queued = 0
    for indicator in queryset.order_by("promise", "position"):
        if not indicator.kolada_kpi:
            modeladmin.message_user(
                request,
                gettext("“%(indicator)s” names no Kolada KPI; nothing fetched.")
                % {"indicator": indicator},
                messages.WARNING,
            )
            continue
        Indicator.objects.filter(pk=indicator.pk).update(kolada_requested_at=timezone.now())
        fetch_indicator.enqueue(indicator.pk)
        queued += 1
    if queued:
        modeladmin.message_user(
            request,
            ngettext(
                "A fetch from Kolada is queued for %(count)d indicator. Its result shows in "
                "the column “Kolada” when it is done.",
                "Fetches from Kolada are queued for %(count)d indicators. Their results show "
                "in the column “Kolada” when they are done.",
                queued,
            )
            % {"count": queued},
            messages.SUCCESS,
        )


@admin.register(Indicator)
class IndicatorAdmin(ScopedHistoryAdmin):
    list_display = ["name", "promise", "position", "unit", "direction", "kolada_kpi", "kolada"]
    list_filter = ["promise", "direction"]
    list_select_related = ["promise"]
    search_fields = ["name", "description", "source", "kolada_kpi"]
    autocomplete_fields = ["promise"]
    inlines = [IndicatorValueInline]
    actions = [fetch_from_kolada]

    @admin.display(description=_("Kolada"))
    def kolada(self, obj: Indicator) -> str:
        """How the last fetch went, or that one is waiting for the worker."""
        if obj.kolada_requested_at and (
            obj.kolada_result_at is None or obj.kolada_requested_at > obj.kolada_result_at
        ):
            return gettext("queued…")
        if obj.kolada_result_at is None:
            return "–"
        when = date_format(timezone.localtime(obj.kolada_result_at), "SHORT_DATETIME_FORMAT")
        return f"{when}: {obj.kolada_result}"

    fieldsets = [
        (None, {"fields": ["promise", "problem", "position", "name", "description"]}),
        (
            _("Measure"),
            {
                "fields": [
                    "unit",
                    "direction",
                    ("baseline_value", "baseline_year"),
                    ("target_value", "target_year"),
                    "source",
                ]
            },
        ),
        (_("Kolada"), {"fields": ["kolada_kpi", "kolada_municipality", "kolada_ou"]}),
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "problem" and field is not None:
            field.queryset = field.queryset.select_related("promise")
            field.label_from_instance = lambda p: f"{p.promise.area} · {p}"
        return field


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ScopedImportExportMixin, ImportExportMixin, ScopedHistoryAdmin):
    resource_classes = [IndicatorValueResource]
    list_display = ["indicator", "year", "value", "source", "note", "fetched_at"]
    list_filter = ["indicator__promise", "indicator"]
    list_select_related = ["indicator__promise"]
    search_fields = ["indicator__name", "source", "note"]
    autocomplete_fields = ["indicator"]
    readonly_fields = ["fetched_at"]
