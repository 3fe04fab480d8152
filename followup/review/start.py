"""The coordinators' start page in admin (`/admin/`): what needs doing, per promise.

For each promise the user runs (a superuser: every promise, a page at a time): the open
round with its days left and progress, the reports waiting for review, the partners behind
with their reporters and when they were last reminded, the latest follow-up, and shortcuts.
Everything is read for the whole page at once, so the page costs the same number of queries
whatever the database holds.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import Count, F, Max, OuterRef, Window
from django.db.models.functions import RowNumber
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from followup.models import (
    FollowUp,
    Reminder,
    ReportingPeriod,
    StatusReport,
    part_done,
)
from lofte.models import Promise, Responsibility, SubPromise
from parties.models import Membership

PROMISES_PER_PAGE = 10
# Waiting reports listed per promise; the rest are one link away in the report list.
WAITING_SHOWN = 10


@dataclass
class BehindPartner:
    partner_id: int
    name: str
    done: int
    total: int
    reporters: list = field(default_factory=list)
    last_reminded: datetime.datetime | None = None


@dataclass
class PromiseCard:
    promise: Promise
    period: ReportingPeriod | None = None
    sub_promises: int = 0
    handed_in: int = 0
    waiting: list = field(default_factory=list)
    waiting_count: int = 0
    behind: list = field(default_factory=list)
    follow_up: FollowUp | None = None

    @property
    def percent(self) -> int:
        return round(100 * self.handed_in / self.sub_promises) if self.sub_promises else 0

    @property
    def days_left(self) -> int | None:
        if self.period is None:
            return None
        return (self.period.deadline - timezone.localdate()).days


def promise_cards(promises: list[Promise]) -> list[PromiseCard]:
    """The start page's cards for these promises, in a fixed number of queries."""
    cards = {p.pk: PromiseCard(promise=p) for p in promises}
    if not cards:
        return []
    # The open round of each promise: the one with the nearest deadline.
    for period in ReportingPeriod.objects.filter(promise__in=cards, is_open=True).order_by(
        "deadline", "pk"
    ):
        card = cards[period.promise_id]
        if card.period is None:
            period.promise = card.promise
            card.period = period
    for row in (
        SubPromise.objects.filter(focus_area__promise__in=cards)
        .values("focus_area__promise")
        .annotate(n=Count("pk"))
    ):
        cards[row["focus_area__promise"]].sub_promises = row["n"]
    periods = {card.period.pk: card for card in cards.values() if card.period}
    if periods:
        for row in (
            StatusReport.objects.handed_in()
            .filter(period__in=periods)
            .values("period")
            .annotate(n=Count("pk"))
        ):
            periods[row["period"]].handed_in = row["n"]
        _add_behind(cards, periods)
    _add_waiting(cards)
    for follow_up in (
        FollowUp.objects.filter(promise__in=cards)
        .defer("published_html", "published_pdf")
        .order_by("promise", "-covers_to", "-pk")
    ):
        card = cards[follow_up.promise_id]
        if card.follow_up is None:
            follow_up.promise = card.promise
            card.follow_up = follow_up
    return list(cards.values())


def _add_waiting(cards: dict[int, PromiseCard]) -> None:
    """Submitted reports, oldest first, a few per promise; and how many there are."""
    waiting = StatusReport.objects.awaiting_review().filter(period__promise__in=cards)
    for row in waiting.values("period__promise").annotate(n=Count("pk")):
        cards[row["period__promise"]].waiting_count = row["n"]
    first = (
        waiting.annotate(
            row=Window(
                RowNumber(),
                partition_by=F("period__promise"),
                order_by=[F("submitted_at").asc(nulls_first=True), F("pk").asc()],
            ),
            promise_id=F("period__promise"),
        )
        .filter(row__lte=WAITING_SHOWN)
        .select_related("sub_promise", "period")
        .order_by("promise_id", "row")
    )
    for report in first:
        cards[report.promise_id].waiting.append(report)


def _add_behind(cards: dict[int, PromiseCard], periods: dict[int, PromiseCard]) -> None:
    """Partners that still owe their part in their promise's open round (lead: the report
    handed in; co-partner: its contribution ready), as `round_progress` counts them."""
    done = part_done(
        periods=list(periods),
        sub_promise=OuterRef("sub_promise"),
        partner=OuterRef("partner"),
        role="role",
    )
    rows = (
        Responsibility.objects.filter(
            sub_promise__focus_area__promise__in=[c.promise.pk for c in periods.values()]
        )
        .values("sub_promise__focus_area__promise", "partner", "partner__name")
        .annotate(total=Count("pk", distinct=True), done=Count("pk", filter=done, distinct=True))
        .filter(done__lt=F("total"))
        .order_by("sub_promise__focus_area__promise", "partner__name")
    )
    behind = {}
    for row in rows:
        card = cards[row["sub_promise__focus_area__promise"]]
        partner = BehindPartner(row["partner"], row["partner__name"], row["done"], row["total"])
        card.behind.append(partner)
        behind[(card.period.pk, row["partner"])] = partner
    if not behind:
        return
    partner_ids = {partner_id for _period, partner_id in behind}
    by_partner = defaultdict(list)
    for membership in (
        Membership.objects.filter(partner__in=partner_ids, user__is_active=True)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    ):
        by_partner[membership.partner_id].append(membership.user)
    last = {
        (row["period"], row["user"]): row["last"]
        for row in Reminder.objects.filter(
            period__in=periods, user__memberships__partner__in=partner_ids
        )
        .values("period", "user")
        .annotate(last=Max("sent_at"))
    }
    for (period_id, partner_id), partner in behind.items():
        partner.reporters = by_partner[partner_id]
        times = [last[(period_id, u.pk)] for u in partner.reporters if (period_id, u.pk) in last]
        partner.last_reminded = max(times, default=None)


def start_page(request):
    """`/admin/`: the user's promises, what waits for them in each, and shortcuts."""
    promises = Promise.objects.coordinated_by(request.user).order_by("area", "-starts_on", "pk")
    page = Paginator(promises, PROMISES_PER_PAGE).get_page(request.GET.get("sida"))
    site = admin.site
    context = {
        **site.each_context(request),
        "title": _("Start"),
        "subtitle": None,
        "cards": promise_cards(list(page.object_list)),
        "page_obj": page,
        "is_paginated": page.has_other_pages(),
        "can_add_period": request.user.has_perm("followup.add_reportingperiod"),
        "can_import": request.user.has_perm("lofte.add_subpromise")
        and request.user.has_perm("lofte.change_subpromise"),
    }
    return TemplateResponse(request, "admin/start.html", context)
