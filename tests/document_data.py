"""Data for the follow-up document tests: a small promise, or a big one built in bulk."""

import datetime
from decimal import Decimal

from django.utils import timezone

from followup.models import FollowUp, Highlight, ReportFigure, StatusReport
from lofte.models import Commitment, FocusArea, Responsibility, SubPromise
from parties.models import Partner

from .conftest import make_period, make_promise

STATUSES = ["done", "done", "partly_done", "in_progress", "not_started"]


def make_follow_up(promise, **fields) -> FollowUp:
    defaults = {
        "title": f"Uppföljning medborgarlöfte {promise.area} 2024-2025",
        "covers_from": datetime.date(2024, 1, 1),
        "covers_to": datetime.date(2025, 12, 31),
        "intro": "Nedan följer ett urval.",
        "closing_words": "Tack till alla parter.",
    }
    return FollowUp.objects.create(promise=promise, **{**defaults, **fields})


def build_promise(sub_promises: int, *, focus_areas: int = 4, partners: int = 12):
    """A promise with `sub_promises` sub-promises spread over its focus areas, each with an
    approved report, some with indicators and figures, and a draft follow-up with highlights.
    Returns (promise, follow_up)."""
    promise = make_promise()
    now = timezone.now()
    parts = Partner.objects.bulk_create(
        Partner(name=f"Part {promise.pk}-{i}", municipality_id="1480") for i in range(partners)
    )
    promise.partners.add(*parts)
    areas = FocusArea.objects.bulk_create(
        FocusArea(promise=promise, position=i + 1, name=f"Fokus {i + 1}", rationale="Varför.")
        for i in range(focus_areas)
    )
    Commitment.objects.bulk_create(
        Commitment(focus_area=area, position=p, text=f"åtagande {p}")
        for area in areas
        for p in (1, 2)
    )
    subs = SubPromise.objects.bulk_create(
        SubPromise(
            focus_area=areas[i % focus_areas],
            position=i // focus_areas + 1,
            title=f"Dellöfte {i}",
            indicator_label="Deltagare" if i % 3 == 0 else "",
            indicator_unit="personer" if i % 3 == 0 else "",
            indicator_target=Decimal(100) if i % 6 == 0 else None,
        )
        for i in range(sub_promises)
    )
    Responsibility.objects.bulk_create(
        [
            Responsibility(sub_promise=sub, partner=parts[i % partners], role="lead")
            for i, sub in enumerate(subs)
        ]
        + [
            Responsibility(sub_promise=sub, partner=parts[(i + 1) % partners], role="co")
            for i, sub in enumerate(subs)
            if i % 2
        ]
    )
    period = make_period(
        promise,
        starts_on=datetime.date(2024, 1, 1),
        deadline=datetime.date(2025, 12, 31),
        is_open=False,
    )
    reports = StatusReport.objects.bulk_create(
        StatusReport(
            sub_promise=sub,
            period=period,
            status=STATUSES[i % len(STATUSES)],
            achieved=f"Gjort {i}",
            state="approved",
            submitted_at=now,
            reviewed_at=now,
        )
        for i, sub in enumerate(subs)
    )
    ReportFigure.objects.bulk_create(
        ReportFigure(report=report, position=1, label="Deltagare totalt", value=Decimal(40 + i))
        for i, (sub, report) in enumerate(zip(subs, reports, strict=True))
        if sub.indicator_label
    )
    follow_up = FollowUp.objects.create(
        promise=promise,
        title=f"Uppföljning medborgarlöfte {promise.area} 2024-2025",
        covers_from=datetime.date(2024, 1, 1),
        covers_to=datetime.date(2025, 12, 31),
        intro="Nedan följer ett urval.",
        closing_words="Slut.",
    )
    Highlight.objects.bulk_create(
        Highlight(follow_up=follow_up, report=report, position=i + 1, text=f"Lyft {i}.")
        for i, report in enumerate(reports[:20])
    )
    return promise, follow_up
