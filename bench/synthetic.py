"""Synthetic data for the benchmarks, clearly marked and kept out of the real fixture.

Every name starts with "Syntetisk" and every slug with "syntetisk-", so synthetic rows can
never be mistaken for a real promise. Rows are written with bulk_create in batches: the
national size (300 promises, ~33,000 sub-promises, ~66,000 reports) builds in a minute or two.
"""

import datetime
import itertools
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from followup.models import (
    Contribution,
    FollowUp,
    Highlight,
    ReportFigure,
    ReportingPeriod,
    StatusReport,
)
from lofte.models import (
    Commitment,
    FocusArea,
    Municipality,
    Promise,
    PromisePublisher,
    Responsibility,
    SubPromise,
)
from outcomes.models import Indicator, IndicatorValue, Problem
from parties.models import Membership, Partner, Publisher

BATCH = 2000
FOCUS_AREAS = ["Skola", "Lokalområde", "Fritid", "Familj", "Förskola", "Sysselsättning"]
STATUSES = ["done", "done", "done", "partly_done", "in_progress", "not_started"]
INDICATORS = 3  # outcome indicators per promise, each with a value a year
INDICATOR_YEARS = 10
PASSWORD = "syntetisk-bench-2025"  # noqa: S105 (synthetic benchmark users on a throwaway database)


@dataclass(frozen=True)
class Size:
    name: str
    promises: int
    partners: int
    sub_promises_per_promise: int
    partners_per_promise: int
    rounds: int


S = Size(
    "S", promises=1, partners=27, sub_promises_per_promise=110, partners_per_promise=27, rounds=2
)
L = Size(
    "L",
    promises=300,
    partners=8000,
    sub_promises_per_promise=110,
    partners_per_promise=27,
    rounds=2,
)


@dataclass(frozen=True)
class BigPromise:
    """One big promise added inside the L database: size within a promise, not of the
    database. Its per-promise views are measured on it (`slug`)."""

    name: str
    slug: str
    sub_promises: int
    partners: int
    rounds: int = 2

    def as_size(self) -> Size:
        return Size(
            self.name,
            promises=1,
            partners=self.partners,
            sub_promises_per_promise=self.sub_promises,
            partners_per_promise=self.partners,
            rounds=self.rounds,
        )


M = BigPromise("M", slug="syntetisk-m", sub_promises=1000, partners=60)
XL = BigPromise("XL", slug="syntetisk-xl", sub_promises=3000, partners=60)
# The number of sub-promises of the promise each size's per-promise views are measured on.
SUB_PROMISES = {
    "S": S.sub_promises_per_promise,
    "L": L.sub_promises_per_promise,
    "M": 1000,
    "XL": 3000,
}


@transaction.atomic
def add_big_promise(big: BigPromise, number: int) -> None:
    """Adds `big` to a database already grown to L, its partners taken from L's."""
    if Promise.objects.filter(slug=big.slug).exists():
        return
    partner_ids = list(
        Partner.objects.filter(name__startswith="Syntetisk")
        .order_by("name")
        .values_list("pk", flat=True)
    )
    _build_promise(number, big.as_size(), partner_ids, slug=big.slug)


def _bulk(model, rows):
    model.objects.bulk_create(rows, batch_size=BATCH)


def password_hash() -> str:
    """One hash for every synthetic user: hashing 8,000 passwords would dominate the build."""
    user = get_user_model()(username="x")
    user.set_password(PASSWORD)
    return user.password


@transaction.atomic
def grow_to(size: Size) -> None:
    """Adds synthetic promises, partners, sub-promises and reports until the database holds
    `size`. Promise number 1 is the one every per-promise view is measured on."""
    User = get_user_model()
    have_partners = Partner.objects.filter(name__startswith="Syntetisk").count()
    hashed = password_hash()
    new_partners = [
        Partner(name=f"Syntetisk part {n:05d}", kind="association", municipality_id="1480")
        for n in range(have_partners + 1, size.partners + 1)
    ]
    _bulk(Partner, new_partners)
    _bulk(
        User,
        [
            User(username=f"syntetisk-rapportor-{p.name[-5:]}", password=hashed)
            for p in new_partners
        ],
    )
    users = dict(
        User.objects.filter(username__startswith="syntetisk-rapportor-").values_list(
            "username", "pk"
        )
    )
    partner_ids = list(
        Partner.objects.filter(name__startswith="Syntetisk")
        .order_by("name")
        .values_list("pk", flat=True)
    )
    _bulk(
        Membership,
        [
            Membership(user_id=users[f"syntetisk-rapportor-{p.name[-5:]}"], partner=p)
            for p in Partner.objects.filter(pk__in=[p.pk for p in new_partners])
        ],
    )
    have = Promise.objects.filter(slug__startswith="syntetisk-").count()
    for number in range(have + 1, size.promises + 1):
        _build_promise(number, size, partner_ids)


def _place(promise: Promise, number: int) -> None:
    """Promise n in the n-th of Sweden's 290 municipalities (by code, round again after the
    last), published by a synthetic municipality and police area."""
    codes = list(Municipality.objects.order_by("code").values_list("code", flat=True))
    promise.municipalities.add(codes[(number - 1) % len(codes)])
    for position, name in enumerate(["Syntetisk kommun", "Syntetiskt lokalpolisområde"], 1):
        publisher = Publisher.objects.get_or_create(name=name)[0]
        PromisePublisher.objects.create(promise=promise, publisher=publisher, position=position)


def _build_promise(number: int, size: Size, partner_ids: list[int], slug: str = "") -> None:
    promise = Promise.objects.create(
        slug=slug or f"syntetisk-{number:03d}",
        area=f"Syntetiskt område {number:03d}",
        name="syntetiskt löfte för mätning",
        text="Syntetisk text för prestandamätning.\n\nAndra stycket.",
        organisers="syntetisk förvaltning tillsammans med polisen",
        starts_on=datetime.date(2024, 1, 1),
        ends_on=datetime.date(2025, 12, 31),
    )
    _place(promise, number)
    start = (number - 1) * size.partners_per_promise % len(partner_ids)
    members = list(
        itertools.islice(itertools.cycle(partner_ids), start, start + size.partners_per_promise)
    )
    promise.partners.set(members)
    areas = [
        FocusArea(promise=promise, position=i, name=name, rationale=f"Varför {name.lower()}.")
        for i, name in enumerate(FOCUS_AREAS[:4], start=1)
    ]
    _bulk(FocusArea, areas)
    areas = list(promise.focus_areas.order_by("position"))
    _bulk(
        Commitment,
        [
            Commitment(focus_area=a, position=i, text=f"åtagande {i} inom {a.name.lower()}")
            for a in areas
            for i in range(1, 4)
        ],
    )
    subs = [
        SubPromise(
            focus_area=areas[n % len(areas)],
            position=n // len(areas) + 1,
            title=f"Syntetiskt dellöfte {number:03d}-{n:03d}",
            indicator_label="Deltagare" if n % 5 == 0 else "",
            indicator_unit="personer" if n % 5 == 0 else "",
            indicator_target=100 if n % 5 == 0 else None,
        )
        for n in range(size.sub_promises_per_promise)
    ]
    _bulk(SubPromise, subs)
    subs = list(SubPromise.objects.filter(focus_area__promise=promise).order_by("pk"))
    responsibilities = []
    for n, sub in enumerate(subs):
        lead = members[n % len(members)]
        co = members[(n + 1) % len(members)]
        responsibilities.append(Responsibility(sub_promise=sub, partner_id=lead, role="lead"))
        responsibilities.append(Responsibility(sub_promise=sub, partner_id=co, role="co"))
    _bulk(Responsibility, responsibilities)
    now = timezone.now()
    periods = []
    for r in range(1, size.rounds + 1):
        is_last = r == size.rounds
        periods.append(
            ReportingPeriod.objects.create(
                promise=promise,
                name=f"Syntetisk omgång {r}",
                starts_on=datetime.date(2024, 1, 1) + datetime.timedelta(days=180 * (r - 1)),
                deadline=datetime.date(2024, 6, 30) + datetime.timedelta(days=180 * (r - 1)),
                is_open=is_last,
            )
        )
    reports = []
    for period in periods:
        for n, sub in enumerate(subs):
            approved = not period.is_open or n % 3 == 0
            reports.append(
                StatusReport(
                    sub_promise=sub,
                    period=period,
                    status=STATUSES[n % len(STATUSES)],
                    achieved=f"Syntetisk berättelse om vad som gjorts ({n}).",
                    state="approved" if approved else ("submitted" if n % 3 == 1 else "draft"),
                    submitted_at=now if approved or n % 3 == 1 else None,
                    reviewed_at=now if approved else None,
                    saved_at=now,
                )
            )
    _bulk(StatusReport, reports)
    report_ids = StatusReport.objects.filter(period__promise=promise).values_list("pk", flat=True)
    _bulk(
        ReportFigure,
        [
            ReportFigure(
                report_id=pk, position=1, label="Deltagare", value=pk % 200, unit="personer"
            )
            for pk in report_ids
        ],
    )
    # Every sub-promise is joint: its co-partner writes a contribution each round.
    co_of = {r.sub_promise_id: r.partner_id for r in responsibilities if r.role == "co"}
    _bulk(
        Contribution,
        [
            Contribution(
                report_id=pk,
                partner_id=co_of[sub_id],
                achieved=f"Syntetiskt bidrag ({pk}).",
                state="ready" if pk % 2 else "draft",
                saved_at=now,
                ready_at=now if pk % 2 else None,
            )
            for pk, sub_id in StatusReport.objects.filter(period__promise=promise).values_list(
                "pk", "sub_promise_id"
            )
        ],
    )
    follow_up = FollowUp.objects.create(
        promise=promise,
        title=f"Uppföljning syntetiskt område {number:03d}",
        covers_from=promise.starts_on,
        covers_to=promise.ends_on,
        intro="Syntetisk inledning.",
        closing_words="Syntetiska slutord.",
    )
    _build_outcomes(promise)
    highlighted = StatusReport.objects.filter(period=periods[0], state="approved").order_by("pk")[
        :30
    ]
    _bulk(
        Highlight,
        [
            Highlight(follow_up=follow_up, report=r, position=i, text=f"Syntetiskt urval {i}.")
            for i, r in enumerate(highlighted, start=1)
        ],
    )


def _build_outcomes(promise: Promise) -> None:
    """Two problems, each answered by commitments, and indicators with ten years of values:
    what the follow-up's "Varför vi lovade detta" and "Effekter" show."""
    commitments = list(Commitment.objects.filter(focus_area__promise=promise).order_by("pk"))
    problems = [
        Problem.objects.create(
            promise=promise,
            position=i,
            title=f"Syntetiskt problem {i}",
            evidence="Syntetiskt underlag.",
            sources="Syntetisk källa",
        )
        for i in (1, 2)
    ]
    for i, problem in enumerate(problems):
        problem.commitments.set(commitments[i * 3 : i * 3 + 3])
    indicators = [
        Indicator.objects.create(
            promise=promise,
            problem=problems[i % 2],
            position=i + 1,
            name=f"Syntetisk indikator {i + 1}",
            unit="%",
            baseline_value=50 + i,
            baseline_year=2016,
            target_value=70,
            target_year=2026,
            source="Syntetisk källa",
        )
        for i in range(INDICATORS)
    ]
    _bulk(
        IndicatorValue,
        [
            IndicatorValue(indicator=indicator, year=2016 + y, value=50 + i + y * 1.5)
            for i, indicator in enumerate(indicators)
            for y in range(INDICATOR_YEARS)
        ],
    )
