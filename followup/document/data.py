"""The follow-up document's content, built from the database in a fixed number of queries.

`build_document(follow_up)` gathers everything the template shows: the figures the intro
computes, each focus area with its commitments and highlights, the status of every
sub-promise, the indicator results and the chart. Whatever the promise's size it costs the
same handful of queries (see `tests/test_followup_document.py`).
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext

from followup.models import FollowUp, Highlight, ReportFigure, StatusReport
from lofte.formats import format_number
from lofte.models import Commitment, FocusArea, Responsibility, SubPromise
from outcomes.data import Outcomes, outcomes_for

from .chart import StatusChart, build_status_chart

Status = StatusReport.Status
# Shown in this order in the chart, its table and the appendix; `None` is "no approved report".
STATUS_ORDER: tuple[str | None, ...] = (
    Status.DONE,
    Status.PARTLY_DONE,
    Status.IN_PROGRESS,
    Status.NOT_STARTED,
    Status.NOT_DONE,
    None,
)


def status_label(status: str | None) -> str:
    if status is None:
        return gettext("No approved report")
    return str(Status(status).label)


@dataclass
class PartnerPart:
    name: str
    is_lead: bool


@dataclass
class SubPromiseRow:
    number: str
    title: str
    partners: list[PartnerPart]
    status: str | None
    status_label: str


@dataclass
class IndicatorRow:
    number: str
    title: str
    label: str
    result: str
    target: str
    share: str


@dataclass
class Section:
    """One focus area as the document shows it."""

    anchor: str
    focus_area: FocusArea
    commitments: list[Commitment]
    highlights: list[Highlight] = field(default_factory=list)
    rows: list[SubPromiseRow] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    @property
    def cells(self) -> list[int]:
        return [self.counts[status] for status in STATUS_ORDER]


@dataclass
class FollowUpDocument:
    follow_up: FollowUp
    partner_count: int
    sub_promise_count: int
    implemented_count: int
    focus_areas_in_words: str
    focus_area_count_in_words: str
    sections: list[Section]
    indicators: list[IndicatorRow]
    chart: StatusChart
    status_columns: list[tuple[str | None, str]]
    totals: list[int]
    # The problem picture ("Varför vi lovade detta") and the indicators over time ("Effekter").
    outcomes: Outcomes = field(default_factory=Outcomes)

    @property
    def promise(self):
        return self.follow_up.promise

    @property
    def partners_phrase(self) -> str:
        n = self.partner_count
        return ngettext("%(count)s partner", "%(count)s different partners", n) % {"count": n}

    @property
    def sub_promises_phrase(self) -> str:
        n = self.sub_promise_count
        return ngettext("%(count)s sub-promise", "%(count)s sub-promises", n) % {"count": n}


def join_in_words(words: list[str]) -> str:
    """“skola, lokalområde, fritid och familj”."""
    if len(words) <= 1:
        return "".join(words)
    return gettext("%(first)s and %(last)s") % {"first": ", ".join(words[:-1]), "last": words[-1]}


def lower_first(name: str) -> str:
    """The name as it reads mid-sentence: “Skola” → “skola”, but “IT-stöd” stays."""
    if len(name) > 1 and name[1].isupper():
        return name
    return name[:1].lower() + name[1:]


def count_in_words(n: int) -> str:
    """Small counts of (neuter) things in words, as Swedish prose writes them: “fyra”."""
    words = [
        pgettext("neuter count", "zero"),
        pgettext("neuter count", "one"),
        pgettext("neuter count", "two"),
        pgettext("neuter count", "three"),
        pgettext("neuter count", "four"),
        pgettext("neuter count", "five"),
        pgettext("neuter count", "six"),
        pgettext("neuter count", "seven"),
        pgettext("neuter count", "eight"),
        pgettext("neuter count", "nine"),
        pgettext("neuter count", "ten"),
        pgettext("neuter count", "eleven"),
        pgettext("neuter count", "twelve"),
    ]
    return words[n] if 0 <= n < len(words) else str(n)


def matching_figure(label: str, figures: list[ReportFigure]) -> ReportFigure | None:
    """The report's figure for an indicator: same label, else one that starts with it
    (“Utdelade frukostar, cirka” answers “Utdelade frukostar”)."""
    wanted = label.strip().casefold()
    for figure in figures:
        if figure.label.strip().casefold() == wanted:
            return figure
    for figure in figures:
        if figure.label.strip().casefold().startswith(wanted):
            return figure
    return None


def _document_rows(follow_up: FollowUp):
    """The promise's focus areas (with commitments), sub-promises (with their partners), the
    latest approved report of each in the covered rounds, and the highlights: six queries."""
    promise = follow_up.promise
    focus_areas = list(
        FocusArea.objects.filter(promise=promise)
        .order_by("position")
        .prefetch_related(
            Prefetch(
                "commitments",
                queryset=Commitment.objects.order_by("position"),
                to_attr="document_commitments",
            )
        )
    )
    # Only the columns the document prints, and prefetched lists (`to_attr`) rather than a
    # related manager per row: at 3,000 sub-promises Django would otherwise build 6,000
    # querysets only to hold results it already has.
    sub_promises = list(
        SubPromise.objects.filter(focus_area__promise=promise)
        .order_by("focus_area__position", "position")
        .only(
            "focus_area_id",
            "position",
            "title",
            "indicator_label",
            "indicator_unit",
            "indicator_target",
        )
        .prefetch_related(
            Prefetch(
                "responsibilities",
                queryset=Responsibility.objects.select_related("partner")
                .only("sub_promise_id", "role", "partner__name")
                .order_by("partner__name"),
                to_attr="document_responsibilities",
            )
        )
    )
    # Approved reports of the rounds that overlap the covered dates, oldest round first, so
    # that a sub-promise's latest round decides its status.
    reports = (
        StatusReport.objects.filter(
            sub_promise__focus_area__promise=promise,
            state=StatusReport.State.APPROVED,
            period__promise=promise,
            period__starts_on__lte=follow_up.covers_to,
            period__deadline__gte=follow_up.covers_from,
        )
        .order_by("period__deadline", "period__starts_on", "pk")
        .only("sub_promise_id", "status")
        .prefetch_related(
            Prefetch(
                "figures",
                queryset=ReportFigure.objects.order_by("position"),
                to_attr="document_figures",
            )
        )
    )
    latest_report = {report.sub_promise_id: report for report in reports}
    highlights = list(
        follow_up.highlights.select_related("report__sub_promise").order_by("position")
    )
    return focus_areas, sub_promises, latest_report, highlights


def _sections(focus_areas, highlights) -> dict[int, Section]:
    """A section per focus area, in order, with its commitments and highlights."""
    sections = {}
    for focus_area in focus_areas:
        sections[focus_area.pk] = Section(
            anchor=f"fokusomrade-{focus_area.position}",
            focus_area=focus_area,
            commitments=focus_area.document_commitments,
        )
    for highlight in highlights:
        section = sections.get(highlight.report.sub_promise.focus_area_id)
        if section is not None:
            section.highlights.append(highlight)
    return sections


def _add_sub_promise(section: Section, sub_promise, report) -> IndicatorRow | None:
    """Adds a sub-promise's row (and its status to the count) to its section; returns its
    indicator's row, if it has an indicator."""
    number = f"{section.focus_area.position}.{sub_promise.position}"
    status = report.status if report else None
    responsibilities = sorted(
        sub_promise.document_responsibilities,
        key=lambda r: r.role != Responsibility.Role.LEAD,
    )
    section.rows.append(
        SubPromiseRow(
            number=number,
            title=sub_promise.title,
            partners=[
                PartnerPart(r.partner.name, r.role == Responsibility.Role.LEAD)
                for r in responsibilities
            ],
            status=status,
            status_label=status_label(status),
        )
    )
    section.counts[status] += 1
    if not sub_promise.indicator_label:
        return None
    figure = matching_figure(sub_promise.indicator_label, report.document_figures if report else [])
    target = sub_promise.indicator_target
    share = f"{round(figure.value / target * 100)}\xa0%" if figure is not None and target else "–"
    return IndicatorRow(
        number=number,
        title=sub_promise.title,
        label=sub_promise.indicator_label,
        result=format_number(figure.value, figure.unit) if figure else "–",
        target=format_number(target, sub_promise.indicator_unit),
        share=share,
    )


def build_document(follow_up: FollowUp) -> FollowUpDocument:
    """Everything the document shows, in twelve queries (plus the follow-up's own lookup):
    eight for the follow-up itself and at most four for the problems and indicators."""
    promise = follow_up.promise
    partner_count = promise.partners.count()
    focus_areas, sub_promises, latest_report, highlights = _document_rows(follow_up)
    sections = _sections(focus_areas, highlights)
    indicators = []
    for sub_promise in sub_promises:
        row = _add_sub_promise(
            sections[sub_promise.focus_area_id], sub_promise, latest_report.get(sub_promise.pk)
        )
        if row is not None:
            indicators.append(row)

    ordered = list(sections.values())
    implemented = sum(
        1 for report in latest_report.values() if report.status in StatusReport.IMPLEMENTED
    )
    columns = [(status, status_label(status)) for status in STATUS_ORDER]
    return FollowUpDocument(
        follow_up=follow_up,
        partner_count=partner_count,
        sub_promise_count=len(sub_promises),
        implemented_count=implemented,
        focus_areas_in_words=join_in_words([lower_first(fa.name) for fa in focus_areas]),
        focus_area_count_in_words=count_in_words(len(focus_areas)),
        sections=ordered,
        indicators=indicators,
        chart=build_status_chart(
            [(s.focus_area.name, s.counts) for s in ordered],
            columns,
        ),
        status_columns=columns,
        totals=[sum(s.counts[status] for s in ordered) for status, _label in columns],
        outcomes=outcomes_for(promise),
    )


def render_document(follow_up: FollowUp, *, for_pdf: bool, preview: bool = False) -> str:
    """The document as a whole HTML page, in the follow-up's language.

    One template serves the web page and the PDF; `for_pdf` adds the title page and the table
    of contents with page numbers, and leaves out the page's own links.
    """
    with translation.override(follow_up.language or "sv"):
        document = build_document(follow_up)
        return render_to_string(
            "followup/document/document.html",
            {"doc": document, "follow_up": follow_up, "for_pdf": for_pdf, "preview": preview},
        )
