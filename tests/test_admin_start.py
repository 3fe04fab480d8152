"""The coordinators' start page at /admin/: what needs doing in each promise they run."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from followup.models import FollowUp, Reminder, StatusReport
from lofte.models import SubPromise

from .conftest import (
    make_coordinator,
    make_focus_area,
    make_partner,
    make_period,
    make_promise,
    make_report,
    make_reporter,
    make_sub_promise,
    make_user,
)

pytestmark = pytest.mark.django_db

START = "/admin/"


def build(area: str, size: int) -> dict:
    """A promise with an open round: `size` partners, each leading two sub-promises and
    taking part in one; half of the leads have handed in, and one of each pair waits."""
    promise = make_promise(area)
    focus = make_focus_area(promise, "Skola")
    today = timezone.localdate()
    period = make_period(
        promise,
        name="Våren",
        starts_on=today - datetime.timedelta(days=5),
        deadline=today + datetime.timedelta(days=12),
    )
    partners = [make_partner(f"{area} part {i}") for i in range(size)]
    now = timezone.now()
    for i, partner in enumerate(partners):
        make_reporter(partner)
        co = partners[(i + 1) % size] if size > 1 else None
        first = make_sub_promise(focus, partner, *([co] if co else []), title=f"{area} A{i}")
        second = make_sub_promise(focus, partner, title=f"{area} B{i}")
        if i % 2 == 0:
            make_report(first, period, state="submitted", submitted_at=now, status="done")
            make_report(
                second, period, state="approved", submitted_at=now, reviewed_at=now, status="done"
            )
    FollowUp.objects.create(
        promise=promise,
        title=f"Uppföljning {area}",
        covers_from=datetime.date(2024, 1, 1),
        covers_to=datetime.date(2024, 12, 31),
    )
    return {"promise": promise, "period": period, "partners": partners}


@pytest.fixture
def backa():
    data = build("Hisings Backa", 2)
    data["coordinator"] = make_coordinator(data["promise"], "samordnare")
    return data


def test_coordinator_sees_what_needs_doing(client, backa):
    promise, period = backa["promise"], backa["period"]
    waiting = StatusReport.objects.get(sub_promise__title="Hisings Backa A0")
    late_reporter = backa["partners"][1].memberships.get().user
    late_reporter.first_name, late_reporter.last_name = "Sara", "Ek"
    late_reporter.save()
    Reminder.objects.create(period=period, user=late_reporter, kind=Reminder.Kind.MANUAL)
    client.force_login(backa["coordinator"])

    page = client.get(START).content.decode()

    assert "Hisings Backa 2024–2025" in page
    assert "Våren" in page and "12 dagar kvar" in page
    # Two of four sub-promises handed in (one submitted, one approved).
    assert "2 av 4 dellöften inlämnade" in page
    assert reverse("admin:followup_statusreport_change", args=[waiting.pk]) in page
    assert "Hisings Backa A0" in page
    # Partner 1 leads two sub-promises with nothing handed in; its reporter and email show.
    assert "Hisings Backa part 1" in page
    assert "Sara Ek" in page and late_reporter.email in page
    assert "senast påmind" in page
    assert "Uppföljning Hisings Backa" in page
    assert reverse("document:draft", args=[promise.slug, promise.follow_ups.get().pk]) in page
    assert f"{reverse('admin:followup_reportingperiod_add')}?promise={promise.pk}" in page
    assert reverse("admin:lofte_subpromise_import") in page


def test_returned_and_draft_reports_are_not_counted_as_handed_in(client, backa):
    """A returned report waits for the partner again: neither handed in nor waiting."""
    period = backa["period"]
    returned_sub = SubPromise.objects.get(title="Hisings Backa A1")
    draft_sub = SubPromise.objects.get(title="Hisings Backa B1")
    make_report(
        returned_sub,
        period,
        state="returned",
        submitted_at=timezone.now(),
        reviewed_at=timezone.now(),
        review_comment="Komplettera",
        status="done",
    )
    make_report(draft_sub, period, state="draft", saved_at=timezone.now(), status="done")
    client.force_login(backa["coordinator"])

    page = client.get(START).content.decode()

    assert "2 av 4 dellöften inlämnade" in page
    assert "50 %" in page
    returned = StatusReport.objects.get(sub_promise=returned_sub)
    assert reverse("admin:followup_statusreport_change", args=[returned.pk]) not in page
    # The partner whose reports are returned or drafts is still behind.
    assert "Hisings Backa part 1" in page


def test_coordinator_sees_nothing_of_other_promises(client, backa):
    build("Angered", 2)
    client.force_login(backa["coordinator"])
    page = client.get(START).content.decode()
    assert "Hisings Backa" in page
    assert "Angered" not in page


def test_coordinator_without_promise_is_told_so(client):
    make_coordinator(make_promise("Tynnered"))
    client.force_login(make_user(is_staff=True))
    page = client.get(START).content.decode()
    assert "Du samordnar inget medborgarlöfte ännu" in page


def test_anonymous_and_reporters_are_sent_to_log_in(client, backa):
    assert client.get(START)["Location"].startswith("/admin/login/")
    client.force_login(backa["partners"][0].memberships.get().user)
    assert client.get(START)["Location"].startswith("/admin/login/")


def test_superuser_sees_every_promise_a_page_at_a_time(client):
    for i in range(12):
        make_promise(f"Område {i:02d}")
    client.force_login(make_user(is_staff=True, is_superuser=True))
    first = client.get(START).content.decode()
    assert "Område 00" in first and "Område 09" in first
    assert "Område 10" not in first
    assert "Sida 1 av 2" in first
    second = client.get(START, {"sida": "2"}).content.decode()
    assert "Område 10" in second and "Område 11" in second and "Område 00" not in second
    # A page that is no page shows the last, never an error.
    assert "Område 11" in client.get(START, {"sida": "99"}).content.decode()
    assert client.get(START, {"sida": "x"}).status_code == 200


@pytest.mark.parametrize("size", [2, 12])
def test_coordinator_start_page_queries_are_fixed(client, django_assert_max_num_queries, size):
    data = build("Backa", size)
    coordinator = make_coordinator(data["promise"])
    client.force_login(coordinator)
    with django_assert_max_num_queries(15):
        response = client.get(START)
    assert response.content.decode().count("Backa A") >= min(size, 10) // 2


@pytest.mark.parametrize("promises", [1, 10])
def test_superuser_start_page_queries_are_fixed(client, django_assert_max_num_queries, promises):
    for i in range(promises):
        build(f"Område {i:02d}", 3)
    client.force_login(make_user(is_staff=True, is_superuser=True))
    with django_assert_max_num_queries(13):
        response = client.get(START)
    assert response.content.decode().count("dellöften inlämnade") == promises
