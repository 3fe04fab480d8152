"""The report list's filters: a default choice, rounds, states and partners, each bounded."""

from django.contrib import admin
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from followup.models import (
    ReportingPeriod,
    StatusReport,
)
from lofte.admin_tools.scope import (
    BoundedChoicesMixin,
)
from lofte.models import Responsibility
from parties.models import Partner


class DefaultChoiceFilter(admin.SimpleListFilter):
    """A filter that applies `default` until the user picks another choice or "all".

    Django's own "All" choice is the absent parameter; here the absent parameter is the
    default, so "all" is a value of its own. The default is the list's opening view only:
    an export built on the list (django-import-export's) takes every report unless filtered.
    """

    default = None

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        match = request.resolver_match
        self.applies_default = match is not None and match.url_name.endswith("_changelist")

    def effective_value(self) -> str:
        return self.value() or (self.default if self.applies_default else "all")

    def choices(self, changelist):
        value = self.effective_value()
        yield {
            "selected": value == "all",
            "query_string": changelist.get_query_string({self.parameter_name: "all"}),
            "display": _("All"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class RoundFilter(BoundedChoicesMixin, DefaultChoiceFilter):
    """The open rounds by default; or one round (of the user's promises), or all: at most
    MAX_FILTER_CHOICES rounds listed, the rest found by name or area."""

    title = _("reporting round")
    parameter_name = "period__id__exact"  # as Django's own filter named it
    default = "open"

    def __init__(self, request, params, model, model_admin):
        self.pop_search(params, "period")
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        value = self.value()
        periods = self.bounded(
            ReportingPeriod.objects.coordinated_by(request.user)
            .select_related("promise")
            .order_by("promise__area", "-deadline", "pk"),
            [value] if value not in (None, "all", "open") else [],
            lambda periods, term: periods.filter(
                Q(name__icontains=term) | Q(promise__area__icontains=term)
            ),
        )
        return [("open", _("Open rounds")), *((p.pk, str(p)) for p in periods)]

    def choices(self, changelist):
        self.kept = self.kept_parameters(changelist)
        yield from super().choices(changelist)

    def queryset(self, request, queryset):
        value = self.effective_value()
        if value == "all":
            return queryset
        if value == "open":
            return queryset.filter(period__is_open=True)
        if not (str(value).isdigit() and len(str(value)) < 10):  # no id the column holds
            return queryset.none()
        return queryset.filter(period=value)


class StateFilter(DefaultChoiceFilter):
    """The reports waiting for review by default; or those in another state, or all."""

    title = _("state")
    parameter_name = "state__exact"  # as Django's own filter named it
    default = StatusReport.State.SUBMITTED

    def lookups(self, request, model_admin):
        return [
            (StatusReport.State.SUBMITTED, _("Waiting for review")),
            (StatusReport.State.RETURNED, StatusReport.State.RETURNED.label),
            (StatusReport.State.APPROVED, StatusReport.State.APPROVED.label),
            (StatusReport.State.DRAFT, StatusReport.State.DRAFT.label),
        ]

    def queryset(self, request, queryset):
        value = self.effective_value()
        if value == "all":
            return queryset
        if value not in StatusReport.State.values:
            return queryset.none()
        return queryset.filter(state=value)


class PartnerFilter(BoundedChoicesMixin, admin.SimpleListFilter):
    """The partners responsible for the report's sub-promise, among those the user sees:
    at most MAX_FILTER_CHOICES of them listed, the rest found by name."""

    title = _("partner")
    parameter_name = "partner"

    def __init__(self, request, params, model, model_admin):
        self.pop_search(params, self.parameter_name)
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        partners = self.bounded(
            Partner.objects.coordinated_by(request.user).order_by("name"),
            [self.value()] if self.value() else [],
            lambda partners, term: partners.filter(name__icontains=term),
        )
        return [(partner.pk, partner.name) for partner in partners]

    def choices(self, changelist):
        self.kept = self.kept_parameters(changelist)
        yield from super().choices(changelist)

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        if not str(self.value()).isdigit():
            return queryset.none()
        return queryset.filter(
            Exists(
                Responsibility.objects.filter(
                    sub_promise=OuterRef("sub_promise"), partner=self.value()
                )
            )
        )
