"""What citizens may see, read from the database in a fixed number of queries.

The one rule of the public side lives here: only approved reports count, and of a report only
its status, its "what has been done" text and its figures are public. Drafts, submitted and
returned reports, review comments and who wrote or reviewed anything never leave this module.
Every page, feed, CSV and API response reads through these functions.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from followup.models import FollowUp, ReportFigure, ReportingPeriod, StatusReport
from lofte.models import (
    Commitment,
    FocusArea,
    Municipality,
    Promise,
    Responsibility,
    SubPromise,
)
from parties.models import Publisher
from parties.publishers import promise_publishers

Status = StatusReport.Status

# Progress in the three words the issue asks for, plus "not done" (a final
# state that is neither done nor still to come) and "not reported yet".
PROGRESS_BUCKETS = {
    Status.DONE: "done",
    Status.PARTLY_DONE: "done",
    Status.IN_PROGRESS: "in_progress",
    Status.NOT_STARTED: "not_started",
    Status.NOT_DONE: "not_done",
    None: "not_reported",
}
PROGRESS_LABELS = {
    "done": _("Done"),
    "in_progress": _("In progress"),
    "not_started": _("Not started"),
    "not_done": _("Not done"),
    "not_reported": _("Not reported yet"),
}


def approved_reports() -> QuerySet[StatusReport]:
    """The reports citizens may read: approved ones, with their public fields only."""
    return StatusReport.objects.filter(state=StatusReport.State.APPROVED).only(
        "pk", "sub_promise_id", "period_id", "status", "achieved"
    )


FOLLOW_UP_FIELDS = (
    "pk",
    "promise_id",
    "title",
    "covers_from",
    "covers_to",
    "published_at",
    "language",
)


def published_follow_ups() -> QuerySet[FollowUp]:
    """Published follow-ups without their heavy frozen copies."""
    return FollowUp.objects.published().only(*FOLLOW_UP_FIELDS).order_by("-published_at", "-pk")


def public_promises() -> QuerySet[Promise]:
    """Every promise is public; only the public fields are read (never coordinators)."""
    return Promise.objects.only(
        "pk",
        "slug",
        "area",
        "name",
        "text",
        "organisers",
        "starts_on",
        "ends_on",
        "previous_id",
    ).order_by("-starts_on", "area", "pk")


def get_promise(slug: str) -> Promise:
    """The promise with this slug, or 404."""
    promise = public_promises().filter(slug=slug).first()
    if promise is None:
        raise Http404
    return promise


def municipalities_of(promise_ids: list[int]) -> dict[int, list[Municipality]]:
    """Each promise's municipalities in alphabetical order, with their counties, in one query
    (none if no ids)."""
    places = defaultdict(list)
    if promise_ids:
        links = (
            Promise.municipalities.through.objects.filter(promise__in=promise_ids)
            .select_related("municipality__county")
            .order_by("municipality__name")  # unique (tests/test_places.py)
        )
        for link in links:
            places[link.promise_id].append(link.municipality)
    return places


def publishers_of(promise_ids: list[int]) -> dict[int, list[Publisher]]:
    """Each promise's publishers in the promise's order, in one query (none if no ids), as
    every output of a promise reads them (parties/publishers.py). Never the logo's bytes."""
    return promise_publishers(promise_ids)


# Raw SQL: the ORM took longer to compile this query (four correlated aggregates) than the
# database took to run it, on a path that a cached page takes on every request.
_VERSION_SQL = """
SELECT
  (SELECT COUNT(*) FROM {report} r JOIN {period} p ON r.period_id = p.id
    WHERE p.promise_id = %(promise)s AND r.state = %(approved)s),
  (SELECT MAX(r.reviewed_at) FROM {report} r JOIN {period} p ON r.period_id = p.id
    WHERE p.promise_id = %(promise)s AND r.state = %(approved)s),
  (SELECT COUNT(*) FROM {follow_up} f WHERE f.promise_id = %(promise)s
    AND f.state = %(published)s),
  (SELECT MAX(f.published_at) FROM {follow_up} f WHERE f.promise_id = %(promise)s
    AND f.state = %(published)s)
"""


def public_version(promise: Promise) -> str:
    """A string that changes whenever a report of the promise is approved (or an approved one
    is removed) and whenever a follow-up of it is published or withdrawn. Cached copies of
    its page and API answer are keyed by it, so an approval or a publication shows at once.
    One query."""
    sql = _VERSION_SQL.format(
        report=connection.ops.quote_name(StatusReport._meta.db_table),
        period=connection.ops.quote_name(ReportingPeriod._meta.db_table),
        follow_up=connection.ops.quote_name(FollowUp._meta.db_table),
    )
    params = {
        "promise": promise.pk,
        "approved": StatusReport.State.APPROVED.value,
        "published": FollowUp.State.PUBLISHED.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return "|".join(str(value) for value in row)


@dataclass
class Progress:
    counts: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def parts(self) -> list[tuple[str, str, int]]:
        """(bucket, label, count) for every bucket with sub-promises, in a fixed order."""
        return [
            (bucket, label, self.counts[bucket])
            for bucket, label in PROGRESS_LABELS.items()
            if self.counts[bucket]
        ]

    @property
    def bar(self) -> list[tuple[str, int, int]]:
        """(bucket, start, count) for each part of the bar, laid end to end."""
        start, parts = 0, []
        for bucket, _label, count in self.parts:
            parts.append((bucket, start, count))
            start += count
        return parts


def latest_approved_status() -> Subquery:
    """Per sub-promise (OuterRef pk): the status of its latest approved report."""
    return Subquery(
        StatusReport.objects.filter(sub_promise=OuterRef("pk"), state=StatusReport.State.APPROVED)
        .order_by("-period__deadline", "-period__starts_on", "-pk")
        .values("status")[:1]
    )


def progress_of(promise_ids: list[int]) -> dict[int, Progress]:
    """Each promise's sub-promises counted by their latest approved status, in one query."""
    rows = (
        SubPromise.objects.filter(focus_area__promise__in=promise_ids)
        .annotate(latest=latest_approved_status())
        .values("focus_area__promise", "latest")
        .annotate(n=Count("pk"))
        .order_by()
    )
    progress = defaultdict(Progress)
    for row in rows:
        bucket = PROGRESS_BUCKETS.get(row["latest"], "not_reported")
        progress[row["focus_area__promise"]].counts[bucket] += row["n"]
    return progress


def follow_ups_of(promise_ids: list[int]) -> dict[int, list[FollowUp]]:
    """Each promise's published follow-ups, newest first, in one query (none if no ids)."""
    follow_ups = defaultdict(list)
    if promise_ids:
        for follow_up in published_follow_ups().filter(promise__in=promise_ids):
            follow_ups[follow_up.promise_id].append(follow_up)
    return follow_ups


# --- One promise -------------------------------------------------------------------------


@dataclass
class RoundStatus:
    period: ReportingPeriod
    report: StatusReport | None
    figures: list[ReportFigure]

    @property
    def status(self) -> str | None:
        return self.report.status if self.report else None

    @property
    def status_label(self) -> str:
        if self.report is None:
            return str(_("No approved report"))
        return str(Status(self.report.status).label)


@dataclass
class SubPromiseView:
    sub_promise: SubPromise
    number: str
    partners: list[tuple[str, bool]]
    rounds: list[RoundStatus]
    continues: SubPromise | None
    continued_by: list[SubPromise]

    @property
    def latest(self) -> RoundStatus | None:
        """The latest round with an approved report."""
        for round_status in reversed(self.rounds):
            if round_status.report is not None:
                return round_status
        return None

    @property
    def progress_bucket(self) -> str:
        latest = self.latest
        return PROGRESS_BUCKETS[latest.status if latest else None]


@dataclass
class FocusAreaView:
    focus_area: FocusArea
    commitments: list[Commitment]
    sub_promises: list[SubPromiseView]


@dataclass
class PromiseView:
    promise: Promise
    previous: Promise | None
    next: list[Promise]
    periods: list[ReportingPeriod]
    focus_areas: list[FocusAreaView]
    follow_ups: list[FollowUp]
    progress: Progress

    @property
    def sub_promises(self) -> list[SubPromiseView]:
        return [sub for area in self.focus_areas for sub in area.sub_promises]


def promise_view(promise: Promise) -> PromiseView:
    """Everything the promise page, its CSV and its API show, in nine queries."""
    previous = public_promises().filter(pk=promise.previous_id).first()
    renewals = list(public_promises().filter(previous=promise))
    periods = list(
        ReportingPeriod.objects.filter(promise=promise)
        .only("pk", "name", "starts_on", "deadline", "is_open", "promise_id")
        .order_by("deadline", "starts_on", "pk")
    )
    focus_areas = list(
        FocusArea.objects.filter(promise=promise)
        .order_by("position")
        .prefetch_related(Prefetch("commitments", queryset=Commitment.objects.order_by("position")))
    )
    sub_promises = list(
        SubPromise.objects.filter(focus_area__promise=promise)
        .order_by("focus_area__position", "position")
        .select_related("derived_from__focus_area__promise")
        .prefetch_related(
            Prefetch(
                "responsibilities",
                queryset=Responsibility.objects.select_related("partner").only(
                    "pk", "role", "sub_promise_id", "partner__name"
                ),
            ),
            Prefetch(
                "continuations",
                queryset=SubPromise.objects.select_related("focus_area__promise").order_by("pk"),
            ),
        )
    )
    reports = (
        approved_reports()
        .filter(period__promise=promise, sub_promise__focus_area__promise=promise)
        .prefetch_related(Prefetch("figures", queryset=ReportFigure.objects.order_by("position")))
    )
    by_cell = {(report.sub_promise_id, report.period_id): report for report in reports}

    areas = {area.pk: FocusAreaView(area, list(area.commitments.all()), []) for area in focus_areas}
    progress = Progress()
    for sub in sub_promises:
        area = areas[sub.focus_area_id]
        responsibilities = sorted(
            sub.responsibilities.all(),
            key=lambda r: (r.role != Responsibility.Role.LEAD, r.partner.name),
        )
        rounds = []
        for period in periods:
            report = by_cell.get((sub.pk, period.pk))
            figures = list(report.figures.all()) if report else []
            rounds.append(RoundStatus(period, report, figures))
        view = SubPromiseView(
            sub_promise=sub,
            number=f"{area.focus_area.position}.{sub.position}",
            partners=[
                (r.partner.name, r.role == Responsibility.Role.LEAD) for r in responsibilities
            ],
            rounds=rounds,
            continues=sub.derived_from,
            continued_by=list(sub.continuations.all()),
        )
        area.sub_promises.append(view)
        progress.counts[view.progress_bucket] += 1
    return PromiseView(
        promise=promise,
        previous=previous,
        next=renewals,
        periods=periods,
        focus_areas=list(areas.values()),
        follow_ups=list(published_follow_ups().filter(promise=promise)),
        progress=progress,
    )
