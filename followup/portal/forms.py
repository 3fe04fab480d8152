"""The partners' report form: the report's text and its figures as a formset."""

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from followup.models import Contribution, ReportFigure, StatusReport, missing_for_submission
from followup.services import ContributionContent, FigureData, ReportContent
from lofte.validators import (
    INTEGER_MAX,
    TextFormField,
    length_hint,
    limit_text,
    plain_text,
    single_line,
)

# Empty figure rows shown after the filled ones, so that nobody needs JavaScript to add one.
EXTRA_FIGURE_ROWS = 2


class TextField(TextFormField):
    """A multi-line text bounded as its model field is, the bound said in the help text.

    No maxlength attribute: a browser cuts a pasted text at it without a word, where the
    server's error keeps every character typed for the writer to shorten.
    """

    widget = forms.Textarea

    def __init__(self, *, model_field, help_text="", **kwargs):
        self.limit = model_field.max_length
        super().__init__(
            required=False,
            help_text=length_hint(self.limit, help_text),
            validators=[plain_text],
            **kwargs,
        )

    def clean(self, value):
        value = super().clean(value)
        if len(value) > self.limit:
            raise forms.ValidationError(
                _(
                    "Write at most %(limit)s characters: the text has %(length)s. "
                    "Nothing was saved; shorten it and save again."
                ),
                code="max_length",
                params={"limit": limit_text(self.limit), "length": limit_text(len(value))},
            )
        return value


def _field(model, name: str):
    return model._meta.get_field(name)


# The version a form was loaded at; a number the database column can hold.
def _version_field():
    return forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=INTEGER_MAX)


class ReportForm(forms.Form):
    """What a reporter writes: status, what was done, obstacles and next steps.

    A draft saves whatever is typed; handing in (`for_submission`) asks for a status and
    what was done or why not.
    """

    status = forms.ChoiceField(
        label=_("The sub-promise's status"),
        choices=StatusReport.Status.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    achieved = TextField(
        model_field=_field(StatusReport, "achieved"),
        label=_("What has been done"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What was done during the round: activities, who took part, results."),
    )
    obstacles = TextField(
        model_field=_field(StatusReport, "obstacles"),
        label=_("Obstacles"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What made it hard. Required when the status is “Not done”."),
    )
    next_steps = TextField(
        model_field=_field(StatusReport, "next_steps"),
        label=_("Next steps"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    version = _version_field()

    def __init__(self, *args, for_submission: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.for_submission = for_submission

    def clean(self):
        cleaned = super().clean()
        if self.for_submission:
            missing = missing_for_submission(
                cleaned.get("status") or "", cleaned.get("achieved"), cleaned.get("obstacles")
            )
            for name, message in missing.items():
                self.add_error(name, message)
        return cleaned


class ContributionForm(forms.Form):
    """What a co-partner writes about its own part of a joint sub-promise."""

    achieved = TextField(
        model_field=_field(Contribution, "achieved"),
        label=_("What we have done"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Your organisation's part during the round: activities, who took part."),
    )
    obstacles = TextField(
        model_field=_field(Contribution, "obstacles"),
        label=_("Obstacles"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    version = _version_field()


class NumberField(forms.DecimalField):
    """A decimal number as Swedes type it: “4 300”, “12,5” or “12.5”."""

    def to_python(self, value):
        if isinstance(value, str):
            value = re.sub(r"[\s\u00a0\u202f]", "", value).replace(",", ".")
        return super().to_python(value)


class FigureForm(forms.Form):
    """One figure row; a row left wholly empty is ignored."""

    label = forms.CharField(
        label=_("What is counted"),
        max_length=ReportFigure._meta.get_field("label").max_length,
        validators=[single_line],
    )
    value = NumberField(
        label=_("Value"),
        max_digits=14,
        decimal_places=2,
        error_messages={"invalid": _("Write digits only, e.g. 20.")},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    unit = forms.CharField(
        label=_("Unit"),
        required=False,
        max_length=ReportFigure._meta.get_field("unit").max_length,
        validators=[single_line],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["label"].widget.attrs["autocomplete"] = "off"
        self.fields["unit"].widget.attrs["autocomplete"] = "off"
        # The page may have many rows; browsers should not block a draft on an empty one.
        self.use_required_attribute = False

    def has_changed(self) -> bool:
        # A wholly empty row is skipped, even where the row was offered pre-filled.
        if not any(str(self[name].data or "").strip() for name in self.fields):
            return False
        return super().has_changed()

    def clean_value(self):
        value = self.cleaned_data["value"]
        if value is not None and value < 0:
            raise forms.ValidationError(_("Give a number of zero or more."))
        return value


class BaseFigureFormSet(forms.BaseFormSet):
    """Figure rows. Every row may be left empty; there is no fixed first set of rows."""

    def __init__(self, *args, rows: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if rows is not None:
            self.extra = max(rows - len(self.initial or []), 0)

    def initial_form_count(self) -> int:
        # Rows are plain values, not saved objects, so every row is an "extra" row that may
        # be left empty.
        return 0

    def total_form_count(self) -> int:
        if self.is_bound:
            return super().total_form_count()
        return len(self.initial or []) + self.extra

    def figures(self) -> list[FigureData]:
        return [
            FigureData(label=f["label"], value=f["value"], unit=f.get("unit", ""))
            for f in (form.cleaned_data for form in self.forms)
            if f and f.get("label") is not None and f.get("value") is not None
        ]


FigureFormSet = forms.formset_factory(
    FigureForm, formset=BaseFigureFormSet, extra=EXTRA_FIGURE_ROWS, max_num=50, absolute_max=50
)


def report_initial(report: StatusReport | None) -> tuple[dict, list[dict]]:
    """Initial values of the form and the figure rows for a saved report (or none).

    Nothing is pre-selected: a status is what the lead chooses.
    """
    if report is None:
        return {"status": "", "version": 1}, []
    initial = {
        "status": report.status,
        "achieved": report.achieved,
        "obstacles": report.obstacles,
        "next_steps": report.next_steps,
        "version": report.version,
    }
    figures = [
        {"label": f.label, "value": _plain_number(f.value), "unit": f.unit}
        for f in report.figures.all()
    ]
    return initial, figures


def contribution_initial(contribution: Contribution | None) -> tuple[dict, list[dict]]:
    """Initial values of the contribution form and its figure rows."""
    if contribution is None:
        return {"version": 1}, []
    initial = {
        "achieved": contribution.achieved,
        "obstacles": contribution.obstacles,
        "version": contribution.version,
    }
    figures = [
        {"label": f.label, "value": _plain_number(f.value), "unit": f.unit}
        for f in contribution.figures.all()
    ]
    return initial, figures


def posted_initial(data, prefix: str = "figures") -> tuple[dict, list[dict]]:
    """The form's values exactly as typed, to show again without validating them."""
    initial = {name: data.get(name, "") for name in ("status", "achieved", "obstacles")}
    initial["next_steps"] = data.get("next_steps", "")
    initial["version"] = data.get("version", "")
    try:
        total = min(int(data.get(f"{prefix}-TOTAL_FORMS", 0)), 50)
    except ValueError:
        total = 0
    rows = [
        {name: data.get(f"{prefix}-{i}-{name}", "") for name in ("label", "value", "unit")}
        for i in range(total)
    ]
    return initial, [row for row in rows if any(v.strip() for v in row.values())]


def _plain_number(value: Decimal) -> Decimal:
    """4300.00 → 4300, 12.50 → 12.5: the number as a person would type it."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def content_from(form: ReportForm, figures: BaseFigureFormSet) -> ReportContent:
    data = form.cleaned_data
    return ReportContent(
        status=data["status"] or "",
        achieved=data["achieved"],
        obstacles=data["obstacles"],
        next_steps=data["next_steps"],
        figures=figures.figures(),
    )


def contribution_content_from(
    form: ContributionForm, figures: BaseFigureFormSet
) -> ContributionContent:
    data = form.cleaned_data
    return ContributionContent(
        achieved=data["achieved"], obstacles=data["obstacles"], figures=figures.figures()
    )
