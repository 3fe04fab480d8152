"""Who is late in a reporting round, and reminding them.

Each partner owes what its part asks: the lead a handed-in (submitted or approved) report,
a co-partner a contribution marked ready (or nothing more once the lead has handed in). The
round overview and the daily `send_reminders` both count this way, so a reminder goes only
to partners that owe something.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import translation

from followup.models import Contribution, Reminder, ReportingPeriod, StatusReport, part_done
from lofte.models import Responsibility
from parties.models import Membership, Partner

from .emails import REMINDER, reminder_context, reminder_subject, send_reminder


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
    """Per partner of the round's promise: its sub-promises, how many of its parts are done
    (lead: report handed in; co-partner: contribution ready), and whether it has begun at
    all. One query, whatever the number of partners."""
    in_promise = Q(responsibilities__sub_promise__focus_area__promise=period.promise_id)
    sub_promise = OuterRef("responsibilities__sub_promise")
    begun_report = StatusReport.objects.filter(period=period, sub_promise=sub_promise).filter(
        Q(saved_at__isnull=False) | ~Q(state=StatusReport.State.DRAFT)
    )
    begun_contribution = Contribution.objects.filter(
        report__period=period,
        report__sub_promise=sub_promise,
        partner=OuterRef("pk"),
        saved_at__isnull=False,
    )
    partners = (
        Partner.objects.filter(promises=period.promise_id)
        .annotate(
            total=Count("responsibilities", filter=in_promise, distinct=True),
            done=Count(
                "responsibilities",
                filter=in_promise
                & part_done(
                    periods=period,
                    sub_promise=sub_promise,
                    partner=OuterRef("pk"),
                    role="responsibilities__role",
                ),
                distinct=True,
            ),
            begun_count=Count(
                "responsibilities",
                filter=in_promise
                & (
                    (Q(responsibilities__role=Responsibility.Role.LEAD) & Q(Exists(begun_report)))
                    | Q(Exists(begun_contribution))
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


def unfinished_by_reporter(period: ReportingPeriod, partners=None) -> dict[int, set[int]]:
    """For each reporter (user id): the sub-promises where their partners still owe their
    part (lead: the report; co-partner: a contribution marked ready)."""
    rows = Responsibility.objects.filter(
        sub_promise__focus_area__promise=period.promise_id
    ).exclude(
        part_done(
            periods=period,
            sub_promise=OuterRef("sub_promise"),
            partner=OuterRef("partner"),
            role="role",
        )
    )
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
    return {user_id: subs for user_id, subs in result.items() if subs}


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


@dataclass
class PlannedReminder:
    user: object
    partners: list[str]
    unfinished: int


def planned_reminders(period: ReportingPeriod, partners) -> list[PlannedReminder]:
    """Who a coordinator's reminder to these partners would mail, and about how many
    sub-promises: what `remind_partners` sends, read in three queries."""
    pending = unfinished_by_reporter(period, partners)
    users = get_user_model().objects.in_bulk(list(pending))
    names = defaultdict(list)
    for user_id, name in (
        Membership.objects.filter(user__in=list(pending), partner__in=partners)
        .order_by("partner__name")
        .values_list("user_id", "partner__name")
    ):
        names[user_id].append(name)
    planned = [
        PlannedReminder(user=users[user_id], partners=names[user_id], unfinished=len(subs))
        for user_id, subs in pending.items()
    ]
    return sorted(planned, key=lambda p: (p.partners, p.user.get_full_name(), p.user.username))


def reminder_preview(period: ReportingPeriod, planned: PlannedReminder) -> tuple[str, str]:
    """The subject and text of the reminder as this reporter would receive it."""
    context = reminder_context(period, Reminder.Kind.MANUAL, planned.unfinished)
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(REMINDER, {**context, "user": planned.user})
    return reminder_subject(period), body
