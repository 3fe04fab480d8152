"""Data for the public side's tests: a promise with two rounds, and one full of secrets."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from followup.models import FollowUp, ReportFigure, ReportingPeriod, StatusReport
from lofte.models import Commitment, Promise, PromisePublisher, SubPromise
from parties.models import Publisher

from .conftest import (
    make_focus_area,
    make_partner,
    make_period,
    make_promise,
    make_report,
    make_reporter,
    make_sub_promise,
)
from .document_data import build_promise

# Every field citizens must never see carries this, so that one search finds any leak.
MARKER = "HEMLIG7Q"


@dataclass
class World:
    promise: Promise
    spring: ReportingPeriod
    autumn: ReportingPeriod
    breakfasts: SubPromise
    walks: SubPromise
    silent: SubPromise
    follow_up: FollowUp


def approved(sub, period, status, achieved="", **fields) -> StatusReport:
    now = timezone.now()
    return make_report(
        sub,
        period,
        status=status,
        achieved=achieved,
        state="approved",
        submitted_at=now,
        reviewed_at=now,
        **fields,
    )


def build_world(**promise_fields) -> World:
    """Backa: two focus areas, three sub-promises, two closed rounds, a published follow-up."""
    promise = make_promise(
        "Backa",
        name="tillsammans för ett tryggare Backa",
        text="Vi lovar att Backa ska bli tryggare.",
        starts_on=datetime.date(2024, 2, 1),
        ends_on=datetime.date(2025, 12, 31),
        **promise_fields,
    )
    school = make_focus_area(promise, "Skola", rationale="Skolan är viktig.")
    area = make_focus_area(promise, "Lokalområde")
    Commitment.objects.create(focus_area=school, position=1, text="erbjuda frukost")
    housing = make_partner("Bostadsbolaget")
    library = make_partner("Biblioteket")
    police = make_partner("Polisen")
    breakfasts = make_sub_promise(
        school,
        library,
        housing,
        title="Frukost före skolan",
        indicator_label="Utdelade frukostar",
        indicator_unit="st",
    )
    walks = make_sub_promise(area, police, title="Nattvandringar")
    silent = make_sub_promise(area, housing, title="Trapphusvärdar")
    spring = make_period(
        promise,
        name="Våren 2024",
        starts_on=datetime.date(2024, 3, 1),
        deadline=datetime.date(2024, 6, 30),
        is_open=False,
    )
    autumn = make_period(
        promise,
        name="Hösten 2025",
        starts_on=datetime.date(2025, 9, 1),
        deadline=datetime.date(2025, 12, 1),
        is_open=False,
    )
    approved(breakfasts, spring, "in_progress", "Vi har börjat med frukost.")
    report = approved(breakfasts, autumn, "done", "Cirka 1000 frukostar delades ut.")
    ReportFigure.objects.create(
        report=report, position=1, label="Utdelade frukostar", value=Decimal(1000), unit="st"
    )
    approved(walks, autumn, "in_progress", "Nattvandring på fredagar.")
    now = timezone.now()
    follow_up = FollowUp.objects.create(
        promise=promise,
        title="Uppföljning medborgarlöfte Backa 2024-2025",
        covers_from=datetime.date(2024, 2, 1),
        covers_to=datetime.date(2025, 12, 31),
        state="published",
        published_at=now,
    )
    return World(promise, spring, autumn, breakfasts, walks, silent, follow_up)


def seed_secrets(world: World) -> None:
    """A unique marker in every field that is not public: a draft's and a submitted
    report's text, a returned report's text and comment, an approved report's review comment,
    obstacles and next steps, reporters' names and emails, a draft follow-up."""
    reporter = make_reporter(world.breakfasts.responsibilities.first().partner)
    reporter.username = f"user-{MARKER.lower()}"
    reporter.first_name = f"Anna{MARKER}"
    reporter.last_name = f"Svensson{MARKER}"
    reporter.email = f"anna.{MARKER.lower()}@example.org"
    reporter.save()
    now = timezone.now()
    open_round = make_period(
        world.promise,
        name="Pågående omgång",
        starts_on=datetime.date(2026, 1, 1),
        deadline=datetime.date(2026, 6, 30),
    )
    make_report(
        world.breakfasts,
        open_round,
        status="not_done",
        achieved=f"Utkast {MARKER}",
        obstacles=f"Hinder {MARKER}",
        next_steps=f"Nästa {MARKER}",
        saved_by=reporter,
        saved_at=now,
    )
    make_report(
        world.walks,
        open_round,
        status="done",
        achieved=f"Inskickat {MARKER}",
        state="submitted",
        submitted_at=now,
        submitted_by=reporter,
    )
    make_report(
        world.silent,
        open_round,
        status="done",
        achieved=f"Returnerat {MARKER}",
        state="returned",
        review_comment=f"Kommentar {MARKER}",
        submitted_at=now,
        reviewed_at=now,
        submitted_by=reporter,
        reviewed_by=reporter,
    )
    approved(
        world.silent,
        world.autumn,
        "in_progress",
        "Värdar i två trapphus.",
        obstacles=f"Godkänt hinder {MARKER}",
        next_steps=f"Godkänt nästa {MARKER}",
        review_comment=f"Gammal kommentar {MARKER}",
        saved_by=reporter,
        submitted_by=reporter,
        reviewed_by=reporter,
    )
    figure_report = StatusReport.objects.get(sub_promise=world.walks, period=open_round)
    ReportFigure.objects.create(
        report=figure_report, position=1, label=f"Siffra {MARKER}", value=Decimal(7)
    )
    FollowUp.objects.create(
        promise=world.promise,
        title=f"Utkast till uppföljning {MARKER}",
        covers_from=datetime.date(2024, 2, 1),
        covers_to=datetime.date(2025, 12, 31),
    )
    world.promise.coordinators.add(reporter)
    partner = world.breakfasts.responsibilities.first().partner
    partner.email = f"kontakt.{MARKER.lower()}@example.org"
    partner.save()


def build_many(promises: int, sub_promises: int) -> None:
    """More of everything, for the query budgets at a second size."""
    for _ in range(promises):
        _promise, follow_up = build_promise(sub_promises)
        follow_up.state = "published"
        follow_up.published_at = timezone.now()
        follow_up.save()


def make_publisher(
    name: str, *promises: Promise, position: int | None = None, **fields
) -> Publisher:
    """A publisher, added to each of these promises' publishers at `position` (last if none)."""
    publisher = Publisher.objects.create(name=name, **fields)
    for promise in promises:
        at = position or promise.publications.count() + 1
        PromisePublisher.objects.create(promise=promise, publisher=publisher, position=at)
    return publisher
