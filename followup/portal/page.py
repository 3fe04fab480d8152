"""The report page's data: what one sub-promise in one round shows its reporter, and the
forms it is written in. The views (views.py) take a `ReportPage`, act, and render it."""

from dataclasses import dataclass, field

from django.utils import timezone

from followup.models import Contribution, ReportingPeriod, StatusReport
from lofte.models import Responsibility, SubPromise
from parties.models import Partner

from .access import get_report_for_user
from .forms import FigureFormSet, ReportForm, contribution_initial, report_initial

State = StatusReport.State
FIGURES_PREFIX = "figures"


@dataclass
class ReportPage:
    """One sub-promise in one round as its reporter sees it; its fields are the template's
    context (`context()`)."""

    period: ReportingPeriod
    sub_promise: SubPromise
    report: StatusReport | None
    role: Responsibility
    previous: StatusReport | None
    partners: list[Responsibility]
    lead: Partner | None
    contributions: list[dict]
    days_left: int
    # Set while the page is acted on.
    form: object = None
    figures: object = None
    partner: Partner | None = None
    contribution: Contribution | None = None
    refused: bool = False
    typed: dict | None = None
    can_withdraw: bool = False
    conflict: object = None
    conflict_figures: list = field(default_factory=list)
    row_added: int | None = None
    draft_saved_at: str | None = None

    @classmethod
    def load(cls, user, period_id: int, sub_promise_id: int) -> "ReportPage":
        """The page of this user's partner's sub-promise in this round; 404 for outsiders."""
        period, sub_promise, report = get_report_for_user(user, period_id, sub_promise_id)
        responsibilities = list(
            Responsibility.objects.filter(sub_promise=sub_promise)
            .select_related("partner")
            .order_by("role", "partner__name")
        )
        lead = next(
            (r.partner for r in responsibilities if r.role == Responsibility.Role.LEAD), None
        )
        page = cls(
            period=period,
            sub_promise=sub_promise,
            report=report,
            role=_role_of(user, sub_promise),
            previous=_previous_report(sub_promise, period),
            partners=sorted(responsibilities, key=lambda r: r.role != Responsibility.Role.LEAD),
            lead=lead,
            contributions=_contributions(report, responsibilities),
            days_left=(period.deadline - timezone.localdate()).days,
        )
        if not page.is_lead:  # a co-partner's page is about its own contribution
            page.partner, page.contribution = page.role.partner, page.own_contribution()
        return page

    @property
    def is_lead(self) -> bool:
        return self.role.role == Responsibility.Role.LEAD

    @property
    def is_editable(self) -> bool:
        return StatusReport.is_editable(self.period, self.report)

    def own_contribution(self) -> Contribution | None:
        """The co-partner's own contribution to this round's report, if it has one."""
        partner = self.role.partner
        return next(
            (e["contribution"] for e in self.contributions if e["partner"].pk == partner.pk),
            None,
        )

    def contribution_by_pk(self, pk: str) -> Contribution | None:
        return next(
            (
                entry["contribution"]
                for entry in self.contributions
                if entry["contribution"] is not None and str(entry["contribution"].pk) == pk
            ),
            None,
        )

    def with_forms(self, form, figures) -> "ReportPage":
        _focus_added_row(figures, self.row_added)
        self.form, self.figures = form, figures
        return self

    def context(self) -> dict:
        # Shallow: the models and forms themselves, not copies (asdict would deep-copy).
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def _previous_report(sub_promise: SubPromise, period: ReportingPeriod) -> StatusReport | None:
    """The report on the same sub-promise in the latest earlier round, if it was handed in."""
    return (
        StatusReport.objects.filter(
            sub_promise=sub_promise,
            period__promise=period.promise_id,
            period__deadline__lt=period.deadline,
        )
        .exclude(state=State.DRAFT)
        .select_related("period")
        .prefetch_related("figures")
        .order_by("-period__deadline")
        .first()
    )


def _indicator_row(sub_promise: SubPromise) -> dict | None:
    if not sub_promise.indicator_label:
        return None
    return {"label": sub_promise.indicator_label, "value": "", "unit": sub_promise.indicator_unit}


def _with_indicator_first(sub_promise: SubPromise, rows: list[dict]) -> list[dict]:
    """The figure rows, with the sub-promise's indicator as the first row."""
    indicator = _indicator_row(sub_promise)
    if indicator is None:
        return rows
    for i, row in enumerate(rows):
        if row["label"].strip().casefold() == indicator["label"].casefold():
            return [row, *rows[:i], *rows[i + 1 :]]
    return [indicator, *rows]


def unbound_forms(
    sub_promise, initial: dict, rows: list[dict], *, shown: int | None = None, form_class=None
):
    """The form showing `initial` and the figure `rows` (at least `shown` rows in all)."""
    form = (form_class or ReportForm)(initial=initial)
    figures = FigureFormSet(
        initial=_with_indicator_first(sub_promise, rows), prefix=FIGURES_PREFIX, rows=shown
    )
    return form, figures


def bound_forms(sub_promise, data, *, for_submission: bool = False, form_class=None):
    # An untouched indicator row (label and unit as given, no value) counts as empty.
    indicator = _indicator_row(sub_promise)
    if form_class is None:
        form = ReportForm(data, for_submission=for_submission)
    else:
        form = form_class(data)
    figures = FigureFormSet(data, prefix=FIGURES_PREFIX, initial=[indicator] if indicator else [])
    return form, figures


def as_typed(request, sub_promise, version: int, form_class=None):
    """The forms as the user typed them, at the saved `version`, with their errors shown:
    saving again then replaces what is stored."""
    data = request.POST.copy()
    data["version"] = str(version)
    form, figures = bound_forms(sub_promise, data, form_class=form_class)
    form.is_valid()
    figures.is_valid()
    return form, figures


def fill_from_previous(initial: dict, rows: list[dict], previous: StatusReport):
    """Fills what is empty from the previous report; nothing typed is replaced."""
    prev_initial, prev_rows = report_initial(previous)
    initial = dict(initial)
    for name in ("achieved", "obstacles", "next_steps"):
        if not (initial.get(name) or "").strip():
            initial[name] = prev_initial[name]
    if not initial.get("status"):
        initial["status"] = prev_initial["status"]
    filled = [row for row in rows if (row.get("value") or "").strip()]
    if not filled:
        rows = prev_rows
    return initial, rows


def take_contribution(initial: dict, rows: list[dict], contribution: Contribution):
    """Adds a contribution's text and figures to what the lead has typed; nothing is lost."""
    initial = dict(initial)
    text = (contribution.achieved or "").strip()
    if text:
        typed = (initial.get("achieved") or "").rstrip()
        taken = f"{contribution.partner.name}: {text}"
        if taken not in typed:
            initial["achieved"] = f"{typed}\n\n{taken}" if typed else taken
    _initial, taken_rows = contribution_initial(contribution)
    filled = [row for row in rows if any(str(v).strip() for v in row.values())]
    known = {(row["label"], str(row["value"]), row["unit"]) for row in filled}
    filled += [
        row for row in taken_rows if (row["label"], str(row["value"]), row["unit"]) not in known
    ]
    return initial, filled


def _role_of(user, sub_promise: SubPromise) -> Responsibility:
    """The user's partner's part in the sub-promise; the lead's if they report for both."""
    responsibilities = sorted(
        Responsibility.objects.filter(
            sub_promise=sub_promise, partner__memberships__user=user
        ).select_related("partner"),
        key=lambda r: (r.role != Responsibility.Role.LEAD, r.partner.name),
    )
    return responsibilities[0]


def _contributions(report: StatusReport | None, responsibilities) -> list[dict]:
    """Each co-partner with its contribution to this round's report (or none yet)."""
    found = {}
    if report is not None:
        found = {
            c.partner_id: c
            for c in Contribution.objects.filter(report=report)
            .select_related("saved_by")
            .prefetch_related("figures")
        }
    return [
        {"partner": r.partner, "contribution": found.get(r.partner_id)}
        for r in responsibilities
        if r.role == Responsibility.Role.CO
    ]


def _focus_added_row(figures, index: int | None) -> None:
    """ "Add a row" brings the user back to the figures, in the new row (no JavaScript)."""
    if index is not None and index < len(figures.forms):
        figures.forms[index].fields["label"].widget.attrs["autofocus"] = True


def posted_total(data) -> int:
    try:
        return min(int(data.get(f"{FIGURES_PREFIX}-TOTAL_FORMS", 0)), 50)
    except ValueError:
        return 0
