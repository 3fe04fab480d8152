"""Each rule of a report's life is written once, on the queryset, and read for a report in
hand by a method beside it: these tests hold the two readings equal in every case."""

import itertools

import pytest
from django.db.models import OuterRef
from django.utils import timezone

from followup.models import (
    Contribution,
    StatusReport,
    part_done,
    part_done_in_hand,
)
from lofte.models import Responsibility

from .conftest import (
    make_focus_area,
    make_partner,
    make_period,
    make_promise,
    make_reporter,
    make_sub_promise,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def report():
    promise = make_promise()
    sub = make_sub_promise(make_focus_area(promise), make_partner())
    return StatusReport.objects.create(sub_promise=sub, period=make_period(promise))


State = StatusReport.State
REVIEW_STATES = {State.SUBMITTED, State.APPROVED, State.RETURNED}


def set_state(report: StatusReport, state: str, *, is_open: bool, opened: bool) -> None:
    now = timezone.now()
    StatusReport.objects.filter(pk=report.pk).update(
        state=state,
        status="" if state == State.DRAFT else "in_progress",
        achieved="Gjort.",
        submitted_at=None if state == State.DRAFT else now,
        reviewed_at=now if state in {State.APPROVED, State.RETURNED} else None,
        review_opened_at=now if opened else None,
    )
    report.period.is_open = is_open
    report.period.save(update_fields=["is_open"])
    report.refresh_from_db()


CASES = list(itertools.product(State.values, [True, False], [True, False]))


@pytest.mark.parametrize(("state", "is_open", "opened"), CASES)
def test_editable_and_withdrawable_read_the_same_in_the_database_and_in_hand(
    report, state, is_open, opened
):
    set_state(report, state, is_open=is_open, opened=opened)
    in_database = StatusReport.objects.filter(pk=report.pk)
    assert in_database.editable().exists() is StatusReport.is_editable(report.period, report)
    assert in_database.withdrawable().exists() is StatusReport.is_withdrawable(
        report.period, report
    )
    # And what each rule is: editable while draft or returned in an open round; taken back
    # while handed in, unopened, in an open round.
    assert StatusReport.is_editable(report.period, report) is (
        is_open and state in {State.DRAFT, State.RETURNED}
    )
    assert StatusReport.is_withdrawable(report.period, report) is (
        is_open and state == State.SUBMITTED and not opened
    )


def test_a_report_not_begun_is_editable_only_while_its_round_is_open(report):
    assert StatusReport.is_editable(report.period, None)
    report.period.is_open = False
    assert not StatusReport.is_editable(report.period, None)
    assert not StatusReport.is_withdrawable(report.period, None)


@pytest.mark.parametrize(
    ("role", "state", "contribution_state"),
    list(
        itertools.product(
            [Responsibility.Role.LEAD, Responsibility.Role.CO],
            State.values,
            [None, *Contribution.State.values],
        )
    ),
)
def test_a_partners_part_is_done_by_the_same_rule_in_the_database_and_in_hand(
    report, role, state, contribution_state
):
    set_state(report, state, is_open=True, opened=False)
    Responsibility.objects.create(sub_promise=report.sub_promise, partner=make_partner(), role="co")
    responsibility = Responsibility.objects.get(sub_promise=report.sub_promise, role=role)
    contribution = None
    if contribution_state is not None:
        contribution = Contribution.objects.create(
            report=report,
            partner=responsibility.partner,
            saved_by=make_reporter(responsibility.partner),
            saved_at=timezone.now(),
            state=contribution_state,
            ready_at=timezone.now() if contribution_state == Contribution.State.READY else None,
        )
    in_database = (
        Responsibility.objects.filter(pk=responsibility.pk)
        .filter(
            part_done(
                periods=report.period,
                sub_promise=OuterRef("sub_promise"),
                partner=OuterRef("partner"),
                role="role",
            )
        )
        .exists()
    )
    in_hand = part_done_in_hand(
        is_lead=role == Responsibility.Role.LEAD, report=report, contribution=contribution
    )
    assert in_database is in_hand
    handed_in = state in {State.SUBMITTED, State.APPROVED}
    ready = contribution_state == Contribution.State.READY
    assert in_hand is (handed_in or (role == Responsibility.Role.CO and ready))


def test_part_done_counts_only_the_rounds_asked_for(report):
    set_state(report, State.SUBMITTED, is_open=True, opened=False)
    other_round = make_period(report.period.promise, name="Nästa omgång")
    done = Responsibility.objects.filter(sub_promise=report.sub_promise, role="lead").filter(
        part_done(
            periods=other_round,
            sub_promise=OuterRef("sub_promise"),
            partner=OuterRef("partner"),
            role="role",
        )
    )
    assert not done.exists()
