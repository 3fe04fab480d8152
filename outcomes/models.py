"""From problem to effect: the problems a promise answers and the indicators that show whether
the area changed.

A Problem is one part of the promise's lägesbild (problem picture), with its evidence and
sources; commitments link to the problems they address. An Indicator is what is measured
(trygghetsindex, reported crimes per 1,000 residents, a Kolada KPI…) with its baseline, target
and direction; its IndicatorValues are the measurements, one per year.
"""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from lofte.models import PromiseScopedQuerySet
from lofte.validators import DESCRIPTION_MAX, SMALLINT_MAX, bounded_text, fits_column, single_line

FIRST_YEAR = 1900
LAST_YEAR = 2100

kpi_validator = RegexValidator(
    r"^[NU]\d{5}$", _("A Kolada KPI id is N or U followed by five digits, e.g. N07403.")
)
municipality_validator = RegexValidator(
    r"^\d{4}$", _("A municipality id is four digits: its code at SCB, which Kolada uses.")
)
ou_validator = RegexValidator(
    r"^V\d{2}E\d{9}$", _("An organisational unit id looks like V15E144001301.")
)


# Descriptions, evidence and sources: plain text of at most DESCRIPTION_MAX characters.
description_text = {"max_length": DESCRIPTION_MAX, "validators": bounded_text(DESCRIPTION_MAX)}


def year_range(field: str) -> Q:
    return Q(**{f"{field}__gte": FIRST_YEAR, f"{field}__lte": LAST_YEAR})


class ProblemQuerySet(PromiseScopedQuerySet):
    promise_path = "promise"


class Problem(models.Model):
    """One problem the promise answers, with the evidence for it."""

    promise = models.ForeignKey(
        "lofte.Promise",
        on_delete=models.CASCADE,
        related_name="problems",
        verbose_name=_("promise"),
    )
    position = models.PositiveSmallIntegerField(_("position"), validators=fits_column(SMALLINT_MAX))
    title = models.CharField(
        _("problem"),
        max_length=200,
        validators=[single_line],
        help_text=_("In a few words, e.g. “Otrygghet i centrum kvällstid”."),
    )
    description = models.TextField(_("description"), blank=True, **description_text)
    evidence = models.TextField(
        _("evidence"),
        blank=True,
        **description_text,
        help_text=_("What shows the problem: figures, surveys, what residents and partners say."),
    )
    sources = models.TextField(
        _("sources"),
        blank=True,
        **description_text,
        help_text=_("One source a line, e.g. “Polisens trygghetsmätning 2023”."),
    )
    commitments = models.ManyToManyField(
        "lofte.Commitment",
        related_name="problems",
        blank=True,
        verbose_name=_("commitments that address it"),
    )
    # The links are part of the record: who linked which commitment, and when.
    history = HistoricalRecords(m2m_fields=[commitments])

    objects = ProblemQuerySet.as_manager()

    class Meta:
        ordering = ["promise", "position"]
        verbose_name = _("problem")
        verbose_name_plural = _("problem picture")
        constraints = [
            models.UniqueConstraint(fields=["promise", "position"], name="problem_position_unique"),
            models.UniqueConstraint(fields=["promise", "title"], name="problem_title_unique"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def source_lines(self) -> list[str]:
        return [line.strip() for line in self.sources.splitlines() if line.strip()]


class IndicatorQuerySet(PromiseScopedQuerySet):
    promise_path = "promise"


class Indicator(models.Model):
    """An outcome indicator: what shows whether the area changed."""

    class Direction(models.TextChoices):
        HIGHER = "higher", _("Higher is better")
        LOWER = "lower", _("Lower is better")

    promise = models.ForeignKey(
        "lofte.Promise",
        on_delete=models.CASCADE,
        related_name="indicators",
        verbose_name=_("promise"),
    )
    problem = models.ForeignKey(
        Problem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="indicators",
        verbose_name=_("problem"),
        help_text=_("The problem it measures, if it measures one in particular."),
    )
    position = models.PositiveSmallIntegerField(_("position"), validators=fits_column(SMALLINT_MAX))
    name = models.CharField(
        _("indicator"),
        max_length=200,
        validators=[single_line],
        help_text=_(
            "Written to begin a sentence, e.g. “Andelen som känner sig trygga ute sent på "
            "kvällen”: the follow-up says how it changed."
        ),
    )
    description = models.TextField(_("description"), blank=True, **description_text)
    unit = models.CharField(
        _("unit"),
        max_length=40,
        blank=True,
        validators=[single_line],
        help_text=_("E.g. “%”, “per 1 000 invånare”."),
    )
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    baseline_value = models.DecimalField(
        _("baseline"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    target_value = models.DecimalField(
        _("target"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    target_year = models.PositiveSmallIntegerField(_("target year"), null=True, blank=True)
    source = models.CharField(
        _("source"),
        max_length=300,
        blank=True,
        validators=[single_line],
        help_text=_("Where the values come from, e.g. “Brå, Nationella trygghetsundersökningen”."),
    )
    kolada_kpi = models.CharField(
        _("Kolada KPI"),
        max_length=6,
        blank=True,
        validators=[kpi_validator],
        help_text=_("To fetch the values from Kolada, e.g. N07403."),
    )
    kolada_municipality = models.CharField(
        _("Kolada municipality"),
        max_length=4,
        blank=True,
        validators=[municipality_validator],
        help_text=_(
            "The municipality's four-digit code (SCB's, which Kolada uses); empty: the "
            "promise's municipality."
        ),
    )
    kolada_ou = models.CharField(
        _("Kolada organisational unit"),
        max_length=13,
        blank=True,
        validators=[ou_validator],
        help_text=_(
            "Instead of a municipality, for KPIs measured per unit (a school, a unit of care)."
        ),
    )
    # The admin action queues a fetch; the worker records how it went here.
    kolada_requested_at = models.DateTimeField(
        _("Kolada fetch asked for"), null=True, blank=True, editable=False
    )
    kolada_result_at = models.DateTimeField(
        _("last Kolada fetch"), null=True, blank=True, editable=False
    )
    kolada_result = models.CharField(
        _("result of the last Kolada fetch"), max_length=500, blank=True, editable=False
    )
    kolada_result_ok = models.BooleanField(_("last Kolada fetch succeeded"), default=False)
    history = HistoricalRecords(
        excluded_fields=[
            "kolada_requested_at",
            "kolada_result_at",
            "kolada_result",
            "kolada_result_ok",
        ]
    )

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["promise", "position"]
        verbose_name = _("outcome indicator")
        verbose_name_plural = _("outcome indicators")
        constraints = [
            models.UniqueConstraint(
                fields=["promise", "position"], name="indicator_position_unique"
            ),
            models.UniqueConstraint(fields=["promise", "name"], name="indicator_name_unique"),
            models.CheckConstraint(
                condition=Q(baseline_value__isnull=True, baseline_year__isnull=True)
                | Q(baseline_value__isnull=False, baseline_year__isnull=False),
                name="indicator_baseline_has_value_and_year",
            ),
            models.CheckConstraint(
                condition=Q(baseline_year__isnull=True) | year_range("baseline_year"),
                name="indicator_baseline_year_in_range",
            ),
            models.CheckConstraint(
                condition=Q(target_year__isnull=True)
                | (Q(target_value__isnull=False) & year_range("target_year")),
                name="indicator_target_year_needs_target",
            ),
            models.CheckConstraint(
                condition=Q(kolada_kpi="") | ~Q(kolada_municipality="") | ~Q(kolada_ou=""),
                name="indicator_kolada_kpi_needs_place",
            ),
            models.CheckConstraint(
                condition=Q(kolada_municipality="") | Q(kolada_ou=""),
                name="indicator_kolada_one_place",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors = {}
        if (self.baseline_value is None) != (self.baseline_year is None):
            errors["baseline_year"] = _("Give the baseline's value and year, or neither.")
        if self.target_year is not None and self.target_value is None:
            errors["target_value"] = _("A target year needs a target value.")
        for field in ("baseline_year", "target_year"):
            year = getattr(self, field)
            if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
                errors[field] = _("Give a year between %(first)s and %(last)s.") % {
                    "first": FIRST_YEAR,
                    "last": LAST_YEAR,
                }
        if self.kolada_kpi and not (self.kolada_municipality or self.kolada_ou):
            # The place defaults to the promise's municipality, when it has one.
            codes = (
                list(self.promise.municipalities.values_list("code", flat=True)[:2])
                if self.promise_id is not None
                else []
            )
            if len(codes) == 1:
                self.kolada_municipality = codes[0]
        if self.kolada_kpi and not (self.kolada_municipality or self.kolada_ou):
            errors["kolada_municipality"] = _(
                "Give the municipality (or the organisational unit) to fetch the KPI for."
            )
        if self.kolada_municipality and self.kolada_ou:
            errors["kolada_ou"] = _("Give a municipality or an organisational unit, not both.")
        if (
            self.problem_id is not None
            and self.promise_id is not None
            and self.problem.promise_id != self.promise_id
        ):
            errors["problem"] = _("The problem belongs to another promise.")
        if errors:
            raise ValidationError(errors)

    @property
    def kolada_place(self) -> str:
        return self.kolada_municipality or self.kolada_ou


class IndicatorValueQuerySet(PromiseScopedQuerySet):
    promise_path = "indicator__promise"


class IndicatorValue(models.Model):
    """One measurement of an indicator: its value for a year, with its source."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="values", verbose_name=_("indicator")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4)
    source = models.CharField(_("source"), max_length=300, blank=True, validators=[single_line])
    note = models.CharField(_("note"), max_length=300, blank=True, validators=[single_line])
    fetched_at = models.DateTimeField(
        _("fetched"), null=True, blank=True, help_text=_("When it was fetched from Kolada.")
    )
    history = HistoricalRecords()

    objects = IndicatorValueQuerySet.as_manager()

    class Meta:
        ordering = ["indicator", "year"]
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "year"], name="indicator_value_year_unique"
            ),
            models.CheckConstraint(
                condition=year_range("year"), name="indicator_value_year_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.year}"

    def clean(self):
        if self.year is not None and not FIRST_YEAR <= self.year <= LAST_YEAR:
            raise ValidationError(
                {
                    "year": _("Give a year between %(first)s and %(last)s.")
                    % {"first": FIRST_YEAR, "last": LAST_YEAR}
                }
            )
