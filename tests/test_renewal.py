"""Renewal: the next promise made from this one, with what should carry over and no more."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from followup.models import FollowUp, ReportingPeriod, StatusReport
from followup.renewal import renew_promise, unfinished_sub_promises
from lofte.models import Commitment, Promise, SubPromise

from .conftest import (
    make_coordinator,
    make_focus_area,
    make_partner,
    make_period,
    make_promise,
    make_report,
    make_sub_promise,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def old():
    promise = make_promise("Hisings Backa", slug="hisings-backa-2024-2025")
    school, housing = make_partner("Ellen Keyskolan"), make_partner("Familjebostäder")
    skola = make_focus_area(promise, "Skola", rationale="En lyckad skolgång")
    Commitment.objects.create(focus_area=skola, position=1, text="erbjuda läxhjälp")
    fritid = make_focus_area(promise, "Fritid")
    done = make_sub_promise(skola, school, title="Frukost i skolan")
    partly = make_sub_promise(
        skola, housing, school, title="Läxhjälp", indicator_label="Elever", indicator_target=40
    )
    untouched = make_sub_promise(fritid, housing, title="Fotboll på kvällar")
    earlier = make_period(
        promise,
        name="2024",
        starts_on=datetime.date(2024, 9, 1),
        deadline=datetime.date(2024, 12, 1),
    )
    latest = make_period(promise, name="2025", deadline=datetime.date(2025, 12, 1))
    now = timezone.now()
    approved = {"state": "approved", "submitted_at": now, "reviewed_at": now}
    make_report(done, earlier, status="in_progress", **approved)
    make_report(done, latest, status="done", **approved)
    make_report(partly, latest, status="partly_done", **approved)
    FollowUp.objects.create(
        promise=promise,
        title="Uppföljning",
        covers_from=promise.starts_on,
        covers_to=promise.ends_on,
    )
    coordinator = make_coordinator(promise, "samordnare")
    return {
        "promise": promise,
        "done": done,
        "partly": partly,
        "untouched": untouched,
        "coordinator": coordinator,
    }


def test_unfinished_means_not_done_in_the_latest_round(old):
    titles = set(unfinished_sub_promises(old["promise"]).values_list("title", flat=True))
    assert titles == {"Läxhjälp", "Fotboll på kvällar"}


def test_renewal_copies_what_it_should_and_nothing_else(old):
    new = renew_promise(
        promise=old["promise"],
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2028, 12, 31),
        slug="hisings-backa-2026-2028",
        sub_promises=[old["partly"]],
        user=old["coordinator"],
    )
    assert new.previous == old["promise"]
    assert new.title == "Medborgarlöfte Hisings Backa 2026-2028"
    assert new.text == old["promise"].text
    assert set(new.partners.all()) == set(old["promise"].partners.all())
    # Made in the same municipalities, whose partners they are.
    assert list(new.municipalities.values_list("code", flat=True)) == ["1480"]
    assert list(new.coordinators.all()) == [old["coordinator"]]
    assert list(new.focus_areas.values_list("position", "name", "rationale")) == [
        (1, "Skola", "En lyckad skolgång"),
        (2, "Fritid", ""),
    ]
    assert list(
        Commitment.objects.filter(focus_area__promise=new).values_list("text", flat=True)
    ) == ["erbjuda läxhjälp"]
    copy = SubPromise.objects.get(focus_area__promise=new)
    assert (copy.title, copy.position, copy.indicator_label, copy.indicator_target) == (
        "Läxhjälp",
        1,
        "Elever",
        40,
    )
    assert copy.derived_from == old["partly"]
    assert copy.focus_area.name == "Skola"
    assert dict(copy.responsibilities.values_list("partner__name", "role")) == {
        "Familjebostäder": "lead",
        "Ellen Keyskolan": "co",
    }
    assert not ReportingPeriod.objects.filter(promise=new).exists()
    assert not StatusReport.objects.filter(period__promise=new).exists()
    assert not FollowUp.objects.filter(promise=new).exists()
    # The old promise is untouched.
    assert SubPromise.objects.filter(focus_area__promise=old["promise"]).count() == 3


def test_renewal_action_in_admin(client, old):
    client.force_login(old["coordinator"])
    url = reverse("admin:lofte_promise_changelist")
    base = {"action": "make_next_promise", "_selected_action": [old["promise"].pk]}
    page = client.post(url, {**base, "index": 0}).content.decode()
    assert "Skapa nästa medborgarlöfte" in page
    assert "Läxhjälp" in page
    assert "Frukost i skolan" not in page  # done: not offered
    response = client.post(
        url,
        {
            **base,
            "apply": "1",
            "slug": "hisings-backa-2026-2028",
            "starts_on": "2026-01-01",
            "ends_on": "2028-12-31",
            "sub_promises": [old["untouched"].pk],
        },
    )
    new = Promise.objects.get(slug="hisings-backa-2026-2028")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:lofte_promise_change", args=[new.pk])
    assert list(
        SubPromise.objects.filter(focus_area__promise=new).values_list("derived_from", flat=True)
    ) == [old["untouched"].pk]
    # The coordinator carries on with the new promise.
    assert client.get(response["Location"]).status_code == 200


def test_renewal_refuses_a_taken_slug_and_creates_nothing(client, old):
    client.force_login(old["coordinator"])
    page = client.post(
        reverse("admin:lofte_promise_changelist"),
        {
            "action": "make_next_promise",
            "_selected_action": [old["promise"].pk],
            "apply": "1",
            "slug": "hisings-backa-2024-2025",
            "starts_on": "2026-01-01",
            "ends_on": "2025-12-31",
        },
    ).content.decode()
    assert "har redan detta kortnamn" in page
    assert Promise.objects.count() == 1


def test_renewal_cannot_carry_another_promises_sub_promise(client, old):
    other = make_sub_promise(
        make_focus_area(make_promise("Angered"), "Trygghet"), make_partner(), title="Trapphus"
    )
    client.force_login(old["coordinator"])
    page = client.post(
        reverse("admin:lofte_promise_changelist"),
        {
            "action": "make_next_promise",
            "_selected_action": [old["promise"].pk],
            "apply": "1",
            "slug": "ny",
            "starts_on": "2026-01-01",
            "ends_on": "2028-12-31",
            "sub_promises": [other.pk],
        },
    ).content.decode()
    assert "Välj ett giltigt alternativ" in page
    assert not Promise.objects.filter(slug="ny").exists()


def test_other_coordinator_cannot_renew(client, old):
    client.force_login(make_coordinator(make_promise("Angered")))
    client.post(
        reverse("admin:lofte_promise_changelist"),
        {
            "action": "make_next_promise",
            "_selected_action": [old["promise"].pk],
            "apply": "1",
            "slug": "kapad",
            "starts_on": "2026-01-01",
            "ends_on": "2028-12-31",
        },
    )
    assert not Promise.objects.filter(slug="kapad").exists()


def test_renew_promise_carries_only_the_promises_own_sub_promises(old):
    """The service itself refuses another promise's sub-promise, whatever the form offered."""
    other = make_promise("Angered")
    theirs = make_sub_promise(make_focus_area(other, "Trygghet"), make_partner("Bostadsbolaget"))
    new = renew_promise(
        promise=old["promise"],
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2027, 12, 31),
        slug="hisings-backa-2026-2027",
        sub_promises=[old["partly"], theirs],
        user=old["coordinator"],
    )
    copies = SubPromise.objects.filter(focus_area__promise=new)
    assert list(copies.values_list("title", "derived_from")) == [("Läxhjälp", old["partly"].pk)]
    assert not SubPromise.objects.filter(derived_from=theirs).exists()
    assert SubPromise.objects.filter(focus_area__promise=other).count() == 1
