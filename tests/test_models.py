"""The database holds the invariants, whatever code path writes."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from followup.models import Contribution, FollowUp, Highlight, ReportFigure, StatusReport
from lofte.models import Commitment, MailThrottle, Responsibility

from .conftest import (
    make_focus_area,
    make_partner,
    make_period,
    make_promise,
    make_report,
    make_sub_promise,
)
from .document_data import make_follow_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def sub_promise():
    promise = make_promise()
    return make_sub_promise(make_focus_area(promise), make_partner())


def test_one_report_per_sub_promise_and_period(sub_promise):
    period = make_period(sub_promise.promise)
    make_report(sub_promise, period)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_report(sub_promise, period)
    assert StatusReport.objects.count() == 1


def test_a_second_lead_is_refused(sub_promise):
    with pytest.raises(IntegrityError), transaction.atomic():
        Responsibility.objects.create(
            sub_promise=sub_promise, partner=make_partner(), role=Responsibility.Role.LEAD
        )
    Responsibility.objects.create(
        sub_promise=sub_promise, partner=make_partner(), role=Responsibility.Role.CO
    )
    assert sub_promise.responsibilities.filter(role="lead").count() == 1


def test_promise_dates_in_order():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_promise(starts_on=datetime.date(2025, 1, 2), ends_on=datetime.date(2025, 1, 1))


def test_period_deadline_after_start(sub_promise):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_period(
            sub_promise.promise,
            starts_on=datetime.date(2025, 5, 1),
            deadline=datetime.date(2025, 4, 30),
        )


def test_ordering_keys_unique_within_parent(sub_promise):
    area = sub_promise.focus_area
    Commitment.objects.create(focus_area=area, position=1, text="a")
    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.create(focus_area=area, position=1, text="b")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_focus_area(area.promise, position=area.position)
    # The same position under another parent is fine.
    other = make_focus_area(area.promise)
    Commitment.objects.create(focus_area=other, position=1, text="c")


def test_handed_in_not_done_needs_a_reason(sub_promise):
    period = make_period(sub_promise.promise)
    handed_in = {"state": StatusReport.State.SUBMITTED, "submitted_at": timezone.now()}
    with pytest.raises(IntegrityError), transaction.atomic():
        make_report(sub_promise, period, status=StatusReport.Status.NOT_DONE, **handed_in)
    report = make_report(
        sub_promise,
        period,
        status=StatusReport.Status.NOT_DONE,
        obstacles="Lokalen brann.",
        **handed_in,
    )
    assert report.obstacles == "Lokalen brann."


def test_a_draft_saves_unfinished_but_a_handed_in_report_has_a_status(sub_promise):
    period = make_period(sub_promise.promise)
    draft = make_report(sub_promise, period, status="")
    draft.status = StatusReport.Status.NOT_DONE  # no reason yet: fine while a draft
    draft.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        StatusReport.objects.filter(pk=draft.pk).update(
            status="", state=StatusReport.State.SUBMITTED, submitted_at=timezone.now()
        )


def test_a_handed_in_report_records_when_it_was_handed_in(sub_promise):
    period = make_period(sub_promise.promise)
    for state in ("submitted", "returned"):
        with pytest.raises(IntegrityError), transaction.atomic():
            make_report(sub_promise, period, state=state, reviewed_at=timezone.now())
    draft = make_report(sub_promise, period)
    assert draft.submitted_at is None


def test_a_contribution_once_per_partner_and_marked_ready_with_its_time(sub_promise):
    report = make_report(sub_promise, make_period(sub_promise.promise))
    partner = make_partner()
    with pytest.raises(IntegrityError), transaction.atomic():
        Contribution.objects.create(report=report, partner=partner, state="ready")
    Contribution.objects.create(report=report, partner=partner)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contribution.objects.create(report=report, partner=partner)
    Contribution.objects.create(
        report=report, partner=make_partner(), state="ready", ready_at=timezone.now()
    )
    assert report.contributions.count() == 2


def test_approved_report_records_its_review(sub_promise):
    period = make_period(sub_promise.promise)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_report(sub_promise, period, state=StatusReport.State.APPROVED)


def test_figure_positions_unique_per_report(sub_promise):
    report = make_report(sub_promise, make_period(sub_promise.promise))
    ReportFigure.objects.create(report=report, position=1, label="Frukostar", value=10)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportFigure.objects.create(report=report, position=1, label="Mellanmål", value=5)


def test_indicator_target_needs_a_label(sub_promise):
    sub_promise.indicator_target = 100
    with pytest.raises(IntegrityError), transaction.atomic():
        sub_promise.save()


def approved_report(sub_promise):
    now = timezone.now()
    return make_report(
        sub_promise,
        make_period(sub_promise.promise),
        status="done",
        achieved="Gjort.",
        state="approved",
        submitted_at=now,
        reviewed_at=now,
    )


def test_a_highlight_quotes_its_own_promises_report_even_in_a_new_follow_up(sub_promise):
    theirs = approved_report(make_sub_promise(make_focus_area(make_promise()), make_partner()))
    # Admin's add page checks the highlights before the follow-up is saved.
    new = FollowUp(promise=sub_promise.promise, title="Ny")
    for follow_up in (new, make_follow_up(sub_promise.promise)):
        highlight = Highlight(follow_up=follow_up, report=theirs, position=1, text="Citat")
        with pytest.raises(ValidationError, match="ett annat medborgarlöfte än uppföljningen"):
            highlight.clean()
    Highlight(follow_up=new, report=approved_report(sub_promise), position=1, text="Ok").clean()


def test_a_highlight_adds_no_promise_error_where_its_follow_up_has_none_yet(sub_promise):
    report = approved_report(sub_promise)
    # The follow-up's own form failed before a promise was set: it says so itself.
    unset = Highlight(follow_up=FollowUp(title="Ny"), report=report, position=1, text="Ok")
    assert unset.clean() is None  # no ValidationError
    # An inline row checked before any follow-up is attached to it.
    assert Highlight(report=report, position=1, text="Ok").clean() is None


def test_a_highlight_is_named_by_the_start_of_its_text(sub_promise):
    highlight = Highlight(text="x" * 100)
    assert str(highlight) == "x" * 80


def test_a_mail_throttle_is_named_by_the_start_of_its_key_and_its_count():
    assert str(MailThrottle(key="0123456789abcdef" * 4, count=3)) == "0123456789ab… ×3"
