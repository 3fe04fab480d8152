"""Who is late in a reporting round, and reminding them.

A report counts as done for the round once it is submitted or approved; a sub-promise
without one is unfinished. The round overview and the daily `send_reminders` both use this.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q

from followup.models import Reminder, ReportingPeriod, StatusReport
from lofte.models import Responsibility, SubPromise
from parties.models import Membership, Partner

from .emails import send_reminder


@dataclass
class PartnerProgress:
    partner: Partner
    total: int
    done: int
    begun: bool
    reporters: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100

    @property
    def behind(self) -> bool:
        return self.done < self.total


def round_progress(period: ReportingPeriod) -> list[PartnerProgress]:
    """Per partner of the round's promise: its sub-promises, how many are reported, and
    whether it has begun at all. One query, whatever the number of partners."""
    in_promise = Q(responsibilities__sub_promise__focus_area__promise=period.promise_id)
    reports = StatusReport.objects.filter(
        period=period, sub_promise=OuterRef("responsibilities__sub_promise")
    )
    partners = (
        Partner.objects.filter(promises=period.promise_id)
        .annotate(
            total=Count("responsibilities", filter=in_promise, distinct=True),
            done=Count(
                "responsibilities",
                filter=in_promise
                & Q(Exists(reports.filter(state__in=StatusReport.HANDED_IN_STATES))),
                distinct=True,
            ),
            begun_count=Count(
                "responsibilities",
                filter=in_promise
                & Q(
                    Exists(
                        reports.filter(
                            Q(saved_at__isnull=False) | ~Q(state=StatusReport.State.DRAFT)
                        )
                    )
                ),
                distinct=True,
            ),
            reporters=Count("memberships", distinct=True),
        )
        .order_by("name")
    )
    return [
        PartnerProgress(
            partner=p, total=p.total, done=p.done, begun=p.begun_count > 0, reporters=p.reporters
        )
        for p in partners
    ]


def unfinished_sub_promises(period: ReportingPeriod):
    """Sub-promises of the round's promise without a submitted or approved report."""
    return SubPromise.objects.filter(focus_area__promise=period.promise_id).exclude(
        Exists(
            StatusReport.objects.filter(
                period=period, sub_promise=OuterRef("pk"), state__in=StatusReport.HANDED_IN_STATES
            )
        )
    )


def unfinished_by_reporter(period: ReportingPeriod, partners=None) -> dict[int, set[int]]:
    """For each reporter (user id): the unfinished sub-promises their partners answer for."""
    rows = Responsibility.objects.filter(sub_promise__in=unfinished_sub_promises(period))
    if partners is not None:
        rows = rows.filter(partner__in=partners)
    memberships = Membership.objects.filter(
        partner__in=rows.values("partner"), user__is_active=True
    ).exclude(user__email="")
    sub_promises_of_partner = defaultdict(set)
    for partner_id, sub_promise_id in rows.values_list("partner_id", "sub_promise_id"):
        sub_promises_of_partner[partner_id].add(sub_promise_id)
    result = defaultdict(set)
    for user_id, partner_id in memberships.values_list("user_id", "partner_id"):
        result[user_id] |= sub_promises_of_partner[partner_id]
    return dict(result)


def due_kind(period: ReportingPeriod, today: datetime.date) -> str | None:
    """Which scheduled reminder a round calls for today, if any."""
    days_left = (period.deadline - today).days
    if days_left < 0:
        return Reminder.Kind.OVERDUE
    if days_left <= 1:
        return Reminder.Kind.DAY
    if days_left <= 7:
        return Reminder.Kind.WEEK
    return None


def _remind(period: ReportingPeriod, kind: str, pending: dict[int, set[int]]) -> int:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.in_bulk(list(pending))
    sent = 0
    for user_id, sub_promises in sorted(pending.items()):
        try:
            # Recorded before sending: at worst one reminder is lost, never sent twice.
            with transaction.atomic():
                Reminder.objects.create(period=period, user_id=user_id, kind=kind)
        except IntegrityError:
            continue
        sent += send_reminder(
            period=period, users=[users[user_id]], kind=kind, unfinished=len(sub_promises)
        )
    return sent


def send_due_reminders(today: datetime.date) -> int:
    """Sends today's scheduled reminders for every open round; each at most once."""
    sent = 0
    periods = ReportingPeriod.objects.filter(is_open=True, starts_on__lte=today).select_related(
        "promise"
    )
    for period in periods:
        kind = due_kind(period, today)
        if kind is None:
            continue
        already = set(
            Reminder.objects.filter(period=period, kind=kind).values_list("user_id", flat=True)
        )
        pending = {
            user_id: subs
            for user_id, subs in unfinished_by_reporter(period).items()
            if user_id not in already
        }
        sent += _remind(period, kind, pending)
    return sent


def remind_partners(period: ReportingPeriod, partners) -> int:
    """A coordinator's reminder to the reporters of these partners (those behind)."""
    return _remind(period, Reminder.Kind.MANUAL, unfinished_by_reporter(period, partners))
