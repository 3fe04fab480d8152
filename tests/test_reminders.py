"""`manage.py send_reminders`: a week and a day before the deadline, and once after it."""

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from followup.models import Reminder

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
    assert "1 reminder(s) sent." in remind(week_before)
    assert "0 reminder(s) sent." in remind(week_before)
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
