"""`manage.py send_reminders`: a week and a day before the deadline, and once after it."""

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from followup.models import Contribution, Reminder
from followup.review.reminders import _remind, due_kind, unfinished_by_reporter
from parties.models import Membership

from .conftest import (
    make_focus_area,
    make_partner,
    make_period,
    make_promise,
    make_report,
    make_reporter,
    make_sub_promise,
)

pytestmark = pytest.mark.django_db
DEADLINE = datetime.date(2025, 6, 30)


@pytest.fixture
def late():
    promise = make_promise("Hisings Backa")
    area = make_focus_area(promise, "Skola")
    school, housing = make_partner("Ellen Keyskolan"), make_partner("Familjebostäder")
    period = make_period(
        promise, name="Våren 2025", starts_on=datetime.date(2025, 5, 1), deadline=DEADLINE
    )
    make_sub_promise(area, school)  # not begun
    sub = make_sub_promise(area, housing)
    make_report(sub, period, state="submitted", submitted_at=timezone.now())
    make_reporter(school, "ellen")
    make_reporter(housing, "fambo")
    return period


def remind(today: datetime.date) -> str:
    out = StringIO()
    call_command("send_reminders", today=today.isoformat(), stdout=out)
    return out.getvalue()


def test_a_week_before_the_deadline_reminds_those_not_submitted(late):
    remind(DEADLINE - datetime.timedelta(days=7))
    assert [m.to for m in mail.outbox] == [["ellen@example.org"]]
    assert "Påminnelse" in mail.outbox[0].subject
    assert "Sista dag för Våren 2025" in mail.outbox[0].body
    assert "1 rapport är inte inskickad" in mail.outbox[0].body
    assert Reminder.objects.get().kind == Reminder.Kind.WEEK


def test_running_twice_sends_once(late):
    week_before = DEADLINE - datetime.timedelta(days=7)
    assert remind(week_before) == "1 reminder(s) sent.\n"
    assert remind(week_before) == "0 reminder(s) sent.\n"
    remind(week_before + datetime.timedelta(days=1))  # still the week's reminder: done
    assert len(mail.outbox) == 1


def test_a_day_before_and_after_the_deadline_each_once(late):
    remind(DEADLINE - datetime.timedelta(days=7))
    remind(DEADLINE - datetime.timedelta(days=1))
    remind(DEADLINE - datetime.timedelta(days=1))
    remind(DEADLINE + datetime.timedelta(days=1))
    remind(DEADLINE + datetime.timedelta(days=2))
    kinds = sorted(Reminder.objects.values_list("kind", flat=True))
    assert kinds == ["day", "overdue", "week"]
    assert len(mail.outbox) == 3
    assert "bara en dag" in mail.outbox[1].body
    assert "var 30 juni 2025" in mail.outbox[2].body


def test_nothing_long_before_the_deadline(late):
    remind(DEADLINE - datetime.timedelta(days=20))
    assert mail.outbox == []
    assert not Reminder.objects.exists()


def test_closed_rounds_are_not_chased(late):
    late.is_open = False
    late.save()
    remind(DEADLINE + datetime.timedelta(days=3))
    assert mail.outbox == []


def test_partners_that_submitted_everything_get_nothing(late):
    from lofte.models import SubPromise

    for sub in SubPromise.objects.exclude(reports__period=late):
        make_report(
            sub, late, state="approved", submitted_at=timezone.now(), reviewed_at=timezone.now()
        )
    remind(DEADLINE - datetime.timedelta(days=1))
    assert mail.outbox == []


def test_bad_date_is_a_clear_error(late):
    with pytest.raises(CommandError, match="--today"):
        call_command("send_reminders", today="30/6")


def test_which_reminder_each_day_calls_for(late):
    kinds = {
        days: due_kind(late, DEADLINE - datetime.timedelta(days=days)) for days in range(-1, 9)
    }
    assert kinds == {
        -1: "overdue",
        0: "day",  # the deadline itself is the last day, not overdue
        1: "day",
        **dict.fromkeys(range(2, 8), "week"),
        8: None,
    }


def test_each_open_round_that_has_begun_is_reminded_on_its_own(late):
    today = DEADLINE - datetime.timedelta(days=7)
    school = late.promise.partners.get(name="Ellen Keyskolan")
    angered = make_promise("Angered")  # ordered before Hisings Backa, its rounds first
    make_sub_promise(make_focus_area(angered, "Trygghet"), school)
    may = datetime.date(2025, 5, 1)
    # Nothing due yet: the rounds after it are still reminded.
    make_period(angered, name="Hösten 2025", starts_on=may, deadline=datetime.date(2025, 12, 15))
    spring = make_period(angered, name="Våren 2025", starts_on=may, deadline=DEADLINE)
    # Not begun: no reminder before the round starts, whatever its deadline.
    make_period(angered, name="Sommaren 2025", starts_on=today + datetime.timedelta(days=1))
    assert remind(today) == "2 reminder(s) sent.\n"
    assert [m.to for m in mail.outbox] == [["ellen@example.org"]] * 2
    assert set(Reminder.objects.values_list("period__name", "period__promise", "kind")) == {
        ("Våren 2025", angered.pk, "week"),
        ("Våren 2025", late.promise_id, "week"),
    }
    assert spring.reminders.get().user.username == "ellen"


def test_a_reminder_already_sent_to_one_reporter_does_not_spare_another(late):
    school = late.promise.partners.get(name="Ellen Keyskolan")
    ellen = school.memberships.get().user
    # Bo has had the week's reminder, under the id that Ellen has as a user.
    bo = make_reporter(school, "bo")
    Reminder.objects.create(pk=ellen.pk, period=late, user=bo, kind=Reminder.Kind.WEEK)
    assert remind(DEADLINE - datetime.timedelta(days=7)) == "1 reminder(s) sent.\n"
    assert [m.to for m in mail.outbox] == [["ellen@example.org"]]


def test_a_reminder_recorded_meanwhile_skips_that_reporter_only(late):
    school = late.promise.partners.get(name="Ellen Keyskolan")
    ellen, bo = school.memberships.get().user, make_reporter(school, "bo")
    # Another run has just sent Ellen hers.
    Reminder.objects.create(period=late, user=ellen, kind=Reminder.Kind.WEEK)
    assert _remind(late, Reminder.Kind.WEEK, {ellen.pk: {1}, bo.pk: {1}}) == 1
    assert [m.to for m in mail.outbox] == [["bo@example.org"]]


def test_each_active_reporter_with_an_address_owes_what_their_partners_owe(late):
    area = late.promise.focus_areas.get()
    school = late.promise.partners.get(name="Ellen Keyskolan")
    ellen = school.memberships.get().user
    first = school.sub_promises.get()
    second = make_sub_promise(area, school)
    club = make_partner("Backa IK")
    third = make_sub_promise(area, club)
    both = make_reporter(school, "bade")
    Membership.objects.create(user=both, partner=club)
    without_address, gone = make_reporter(school, "utan"), make_reporter(club, "slutat")
    without_address.email = ""
    without_address.save()
    gone.is_active = False
    gone.save()
    assert unfinished_by_reporter(late) == {
        ellen.pk: {first.pk, second.pk},
        both.pk: {first.pk, second.pk, third.pk},
    }


def test_a_returned_report_is_still_owed_by_its_lead(late):
    """Returned means back with the partner: its lead is reminded, as for a draft."""
    housing = late.promise.partners.get(name="Familjebostäder")
    fambo = housing.memberships.get().user
    report = housing.sub_promises.get().reports.get()
    report.state, report.reviewed_at = "returned", timezone.now()
    report.review_comment = "Komplettera"
    report.save()
    assert unfinished_by_reporter(late)[fambo.pk] == {report.sub_promise_id}
    remind(DEADLINE - datetime.timedelta(days=1))
    assert sorted(m.to[0] for m in mail.outbox) == ["ellen@example.org", "fambo@example.org"]


def test_a_co_partner_is_reminded_until_its_contribution_is_ready(late):
    """A co-partner owes its contribution marked ready; a draft contribution is still owed."""
    area = late.promise.focus_areas.get()
    school = late.promise.partners.get(name="Ellen Keyskolan")
    club, library = make_partner("Backa IK"), make_partner("Biblioteket")
    sub = make_sub_promise(area, school, club, library)
    report = make_report(sub, late)
    Contribution.objects.create(
        report=report, partner=club, state="ready", ready_at=timezone.now(), saved_at=timezone.now()
    )
    Contribution.objects.create(report=report, partner=library, saved_at=timezone.now())
    club_reporter, library_reporter = make_reporter(club, "klubb"), make_reporter(library, "bibl")
    owed = unfinished_by_reporter(late)
    assert club_reporter.pk not in owed
    assert owed[library_reporter.pk] == {sub.pk}
    remind(DEADLINE - datetime.timedelta(days=1))
    assert "klubb@example.org" not in [m.to[0] for m in mail.outbox]
    assert "bibl@example.org" in [m.to[0] for m in mail.outbox]
