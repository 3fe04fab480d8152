"""The round overview: who has reported, who is behind, and reminding them."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from followup.models import Contribution, Reminder, StatusReport
from followup.review.reminders import planned_reminders, round_progress
from lofte.models import Responsibility
from parties.models import Membership, Partner

from .conftest import (
    make_coordinator,
    make_focus_area,
    make_partner,
    make_period,
    make_promise,
    make_report,
    make_reporter,
    make_sub_promise,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_():
    promise = make_promise("Hisings Backa")
    area = make_focus_area(promise, "Skola")
    school, housing, club = (
        make_partner("Ellen Keyskolan"),
        make_partner("Familjebostäder"),
        make_partner("Backa IK"),
    )
    period = make_period(promise, name="Våren 2025")
    now = timezone.now()
    # Ellen Keyskolan: 2 sub-promises, one submitted, one approved -> done.
    make_report(make_sub_promise(area, school), period, state="submitted", submitted_at=now)
    make_report(
        make_sub_promise(area, school, housing),
        period,
        state="approved",
        submitted_at=now,
        reviewed_at=now,
    )
    # Familjebostäder: also leads one with only a saved draft -> begun, behind.
    make_report(make_sub_promise(area, housing), period, saved_at=now)
    # Backa IK: one sub-promise, nothing written -> not begun.
    make_sub_promise(area, club)
    for partner, name in [(school, "ellen"), (housing, "fambo"), (club, "backaik")]:
        make_reporter(partner, name)
    return {
        "promise": promise,
        "period": period,
        "coordinator": make_coordinator(promise, "samordnare"),
    }


def overview_url(period):
    return reverse("admin:followup_reportingperiod_overview", args=[period.pk])


def remind_url(period):
    return reverse("admin:followup_reportingperiod_remind", args=[period.pk])


def test_overview_counts_reports_per_partner(client, round_):
    client.force_login(round_["coordinator"])
    response = client.get(overview_url(round_["period"]))
    rows = {row.partner.name: (row.done, row.total, row.begun) for row in response.context["rows"]}
    assert rows == {
        "Backa IK": (0, 1, False),
        "Ellen Keyskolan": (2, 2, True),
        "Familjebostäder": (1, 2, True),
    }
    page = response.content.decode()
    assert "2 av 2" in page
    assert "Har inte börjat" in page  # the heading over partners with nothing reported
    assert "2 av 4 dellöften har en inskickad eller godkänd rapport" in page


def test_period_list_links_to_the_overview(client, round_):
    client.force_login(round_["coordinator"])
    page = client.get(reverse("admin:followup_reportingperiod_changelist")).content.decode()
    assert overview_url(round_["period"]) in page
    page = client.get(
        reverse("admin:followup_reportingperiod_change", args=[round_["period"].pk])
    ).content.decode()
    assert "Vem ligger efter?" in page


def test_reminders_go_to_partners_behind_only(client, round_):
    client.force_login(round_["coordinator"])
    response = client.post(remind_url(round_["period"]), {"confirm": "1"}, follow=True)
    assert sorted(m.to[0] for m in mail.outbox) == ["backaik@example.org", "fambo@example.org"]
    assert "2 påminnelser skickades." in response.content.decode()
    assert Reminder.objects.filter(kind=Reminder.Kind.MANUAL).count() == 2
    fambo = next(m for m in mail.outbox if m.to == ["fambo@example.org"])
    assert "1 rapport är inte inskickad" in fambo.body


def test_reminders_only_to_the_ticked_partner(client, round_):
    club = round_["promise"].partners.get(name="Backa IK")
    client.force_login(round_["coordinator"])
    client.post(remind_url(round_["period"]), {"partner": [club.pk], "confirm": "1"})
    assert [m.to[0] for m in mail.outbox] == ["backaik@example.org"]


def test_closed_round_sends_no_reminders(client, round_):
    period = round_["period"]
    period.is_open = False
    period.save()
    client.force_login(round_["coordinator"])
    client.post(remind_url(period), {"confirm": "1"})
    assert mail.outbox == []


def test_reminding_first_shows_who_will_be_mailed_and_what(client, round_):
    fambo = round_["promise"].partners.get(name="Familjebostäder").memberships.get().user
    fambo.first_name, fambo.last_name = "Fia", "<Berg>"
    fambo.save()
    client.force_login(round_["coordinator"])
    response = client.post(remind_url(round_["period"]))
    page = response.content.decode()
    assert mail.outbox == [] and not Reminder.objects.exists()
    assert "Fia &lt;Berg&gt;" in page and "fambo@example.org" in page
    assert "backaik@example.org" in page
    assert "ellen@example.org" not in page  # not behind
    assert "Påminnelse: rapportera för Våren 2025" in page
    # The message itself, in the reporters' language, for the first of them (Backa IK's).
    assert "Hej backaik!" in page and "1 rapport är inte inskickad än." in page
    assert "Skicka 2 påminnelser" in page
    # The ticked partner alone, kept through the confirmation.
    club = round_["promise"].partners.get(name="Backa IK")
    page = client.post(remind_url(round_["period"]), {"partner": [club.pk]}).content.decode()
    assert "backaik@example.org" in page and "fambo@example.org" not in page
    assert f'name="partner" value="{club.pk}"' in page
    assert "Skicka 1 påminnelse" in page


def test_overview_sorts_by_least_progress_and_marks_only_those_behind(client, round_):
    client.force_login(round_["coordinator"])
    response = client.get(overview_url(round_["period"]), {"ordning": "framsteg"})
    assert [row.partner.name for row in response.context["rows"]] == [
        "Backa IK",
        "Familjebostäder",
        "Ellen Keyskolan",
    ]
    page = response.content.decode()
    assert page.count('class="behind"') == 2
    assert "dagar kvar" in page or "sista dagen" in page


def test_other_coordinator_gets_404(client, round_):
    client.force_login(make_coordinator(make_promise("Angered")))
    assert client.get(overview_url(round_["period"])).status_code == 404
    assert client.post(remind_url(round_["period"])).status_code == 404
    assert mail.outbox == []


def test_reminding_needs_post(client, round_):
    client.force_login(round_["coordinator"])
    assert client.get(remind_url(round_["period"])).status_code == 405


@pytest.mark.parametrize("size", [2, 20])
def test_overview_costs_the_same_queries_whatever_the_size(
    client, round_, django_assert_max_num_queries, size
):
    area = round_["promise"].focus_areas.get()
    for _ in range(size):
        partner = make_partner()
        make_reporter(partner)
        make_report(make_sub_promise(area, partner, make_partner()), round_["period"])
    client.force_login(round_["coordinator"])
    with django_assert_max_num_queries(12):
        response = client.get(overview_url(round_["period"]))
    assert len(response.context["rows"]) == 3 + 2 * size


def test_approved_and_submitted_both_count_as_reported(round_):
    StatusReport.objects.filter(state="submitted").update(state="draft")
    rows = {row.partner.name: row.done for row in round_progress(round_["period"])}
    assert rows["Ellen Keyskolan"] == 1


def test_real_round_is_fully_reported(client, hisings_backa, django_assert_max_num_queries):
    period = hisings_backa.periods.get()
    client.force_login(make_coordinator(hisings_backa))
    with django_assert_max_num_queries(12):
        response = client.get(overview_url(period))
    rows = response.context["rows"]
    assert len(rows) == 27
    assert all(not row.behind for row in rows)
    assert "stängd" in response.content.decode()


def test_progress_counts_each_partners_own_parts_in_this_round_only():
    promise = make_promise()
    area = make_focus_area(promise)
    earlier = make_period(
        promise,
        name="Hösten 2024",
        starts_on=datetime.date(2024, 9, 1),
        deadline=datetime.date(2024, 12, 15),
    )
    period = make_period(promise, name="Våren 2025")
    now = timezone.now()
    done = {"status": "done", "achieved": "Gjort.", "submitted_at": now}
    lead, a, b, c, d, e = (make_partner(name) for name in ["Lead", "A", "B", "C", "D", "E"])
    # A handed in last round; this round's report is opened, never saved.
    a1 = make_sub_promise(area, a)
    make_report(a1, earlier, state="approved", saved_at=now, reviewed_at=now, **done)
    make_report(a1, period)
    # B has saved its part of b1; C has only opened its part (last round's was ready).
    b1 = make_sub_promise(area, lead, b, c)
    report = make_report(b1, period)
    Contribution.objects.create(report=report, partner=b, achieved="Vi har börjat.", saved_at=now)
    Contribution.objects.create(report=report, partner=c)
    Contribution.objects.create(
        report=make_report(b1, earlier), partner=c, state="ready", saved_at=now, ready_at=now
    )
    # C wrote for b2, then was taken off it: that part is no longer C's.
    b2 = make_sub_promise(area, lead, c)
    Contribution.objects.create(report=make_report(b2, period), partner=c, saved_at=now)
    Responsibility.objects.filter(sub_promise=b2, partner=c).delete()
    # E takes part in two sub-promises and has made one part ready.
    e1, e2 = make_sub_promise(area, lead, e), make_sub_promise(area, lead, e)
    Contribution.objects.create(
        report=make_report(e1, period), partner=e, state="ready", saved_at=now, ready_at=now
    )
    make_report(e2, period)
    # D, with two reporters, has handed in here and leads a sub-promise of another promise.
    make_report(make_sub_promise(area, d), period, state="submitted", **done)
    make_sub_promise(make_focus_area(make_promise()), d)
    make_reporter(d), make_reporter(d)

    rows = {p.partner.name: (p.total, p.done, p.begun, p.reporters) for p in round_progress(period)}
    assert rows == {
        "A": (1, 0, False, 0),
        "B": (1, 0, True, 0),
        "C": (1, 0, False, 0),
        "D": (1, 1, True, 2),
        "E": (2, 1, True, 0),
        "Lead": (4, 0, False, 0),
    }


def test_planned_reminders_name_only_the_partners_reminded(round_):
    club = round_["promise"].partners.get(name="Backa IK")
    ellen = round_["promise"].partners.get(name="Ellen Keyskolan").memberships.get().user
    Membership.objects.create(user=ellen, partner=club)  # Ellen Keyskolan owes nothing
    planned = planned_reminders(round_["period"], Partner.objects.filter(pk=club.pk))
    assert [(p.user.username, p.partners, p.unfinished) for p in planned] == [
        ("backaik", ["Backa IK"], 1),
        ("ellen", ["Backa IK"], 1),
    ]


def test_a_returned_report_is_neither_handed_in_nor_done(client, round_):
    """Returned means back with the partner: the overview counts it as still owed."""
    report = StatusReport.objects.get(state="submitted")
    report.state, report.reviewed_at, report.review_comment = "returned", timezone.now(), "Mer"
    report.save()
    client.force_login(round_["coordinator"])
    response = client.get(overview_url(round_["period"]))
    rows = {row.partner.name: (row.done, row.total) for row in response.context["rows"]}
    assert rows["Ellen Keyskolan"] == (1, 2)
    assert "1 av 4 dellöften har en inskickad eller godkänd rapport" in response.content.decode()
    assert "Ellen Keyskolan" in [row.partner.name for row in response.context["behind"]]
