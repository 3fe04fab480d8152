"""Joint sub-promises: co-partners write contributions, only the lead hands in the report."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from followup.models import Contribution, FollowUp, Highlight, Reminder, StatusReport
from followup.review.reminders import round_progress, unfinished_by_reporter

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
from .test_partner_reporting import form_data, page

pytestmark = pytest.mark.django_db

State = StatusReport.State
Status = StatusReport.Status


@pytest.fixture
def joint():
    """Feriearbete: Bostadsbolaget leads, Familjebostäder and Poseidon take part."""
    promise = make_promise("Hisings Backa", slug="hisings-backa")
    lead, fambo, poseidon = (
        make_partner("Bostadsbolaget"),
        make_partner("Familjebostäder"),
        make_partner("Poseidon"),
    )
    area = make_focus_area(promise, "Fritid")
    sub = make_sub_promise(area, lead, fambo, poseidon, title="Feriearbete för ungdomar")
    today = timezone.localdate()
    period = make_period(
        promise, name="Våren 2025", starts_on=today, deadline=today + datetime.timedelta(days=10)
    )
    return {
        "promise": promise,
        "sub": sub,
        "period": period,
        "lead": make_reporter(lead, "bostadsbolaget"),
        "fambo": make_reporter(fambo, "familjebostader"),
        "poseidon": make_reporter(poseidon, "poseidon"),
        "url": reverse("portal:report", args=[period.pk, sub.pk]),
    }


def contribution_data(action="save", version=1, **fields) -> dict:
    data = form_data(action=action, version=version, **fields)
    del data["status"], data["next_steps"]
    return data


def test_an_untouched_form_cannot_be_handed_in(client, joint):
    client.force_login(joint["lead"])
    html = page(client.get(joint["url"]))
    assert "checked" not in html  # no status is pre-selected
    response = client.post(joint["url"], form_data(action="submit", status=""))
    html = page(response)
    assert response.status_code == 200
    assert "Välj dellöftets status innan du skickar in rapporten." in html
    assert not StatusReport.objects.filter(state=State.SUBMITTED).exists()


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (Status.DONE, "Beskriv vad som har gjorts"),
        (Status.NOT_STARTED, "Ange varför arbetet inte har påbörjats"),
    ],
)
def test_handing_in_asks_for_what_was_done_or_why_not(client, joint, status, message):
    client.force_login(joint["lead"])
    response = client.post(joint["url"], form_data(action="submit", status=status))
    assert message in page(response)
    assert not StatusReport.objects.filter(state=State.SUBMITTED).exists()


def test_co_partner_writes_its_part_and_cannot_hand_in_or_lock(client, joint):
    client.force_login(joint["fambo"])
    html = page(client.get(joint["url"]))
    assert "Bostadsbolaget är ansvarig för dellöftet och skickar in rapporten" in html
    assert 'value="submit"' not in html and "Spara och markera som klar" in html

    response = client.post(
        joint["url"],
        contribution_data(
            action="ready",
            achieved="Vi anställde 12 ungdomar.",
            figures=[("Ungdomar", "12", "st")],
        ),
    )
    assert response.status_code == 302
    contribution = Contribution.objects.get()
    assert (contribution.partner.name, contribution.state, contribution.saved_by) == (
        "Familjebostäder",
        Contribution.State.READY,
        joint["fambo"],
    )
    assert [(f.label, int(f.value)) for f in contribution.figures.all()] == [("Ungdomar", 12)]
    report = StatusReport.objects.get()
    assert (report.state, report.achieved, report.saved_at) == (State.DRAFT, "", None)

    # Handing in, by any path, is refused and changes nothing.
    for action in ("submit", "confirm"):
        response = client.post(
            joint["url"], form_data(action=action, status=Status.DONE, achieved="Allt klart")
        )
        assert response.status_code == 403
    report.refresh_from_db()
    assert (report.state, report.achieved) == (State.DRAFT, "")


def test_lead_sees_contributions_takes_from_them_and_hands_in_after_confirming(client, joint):
    client.force_login(joint["fambo"])
    client.post(
        joint["url"],
        contribution_data(
            action="ready", achieved="Vi anställde 12 ungdomar.", figures=[("Ungdomar", "12", "st")]
        ),
    )
    client.force_login(joint["poseidon"])
    client.post(joint["url"], contribution_data(achieved="Åtta <b>platser</b> hos oss."))

    client.force_login(joint["lead"])
    html = page(client.get(joint["url"]))
    assert "De medverkande parternas delar" in html
    assert "Vi anställde 12 ungdomar." in html and "Klar" in html
    assert "Åtta &lt;b&gt;platser&lt;/b&gt; hos oss." in html  # escaped
    assert "Utkast, inte klar ännu" in html
    fambo = Contribution.objects.get(partner__name="Familjebostäder")

    response = client.post(
        joint["url"],
        form_data(action=f"take_contribution:{fambo.pk}", achieved="Vi ordnade 40 platser."),
    )
    html = page(response)
    assert "Vi ordnade 40 platser.\n\nFamiljebostäder: Vi anställde 12 ungdomar." in html
    assert 'name="figures-0-label" value="Ungdomar"' in html

    client.post(joint["url"], form_data(action="save", achieved="Vi ordnade 52 platser."))
    report = StatusReport.objects.get()
    response = client.post(
        joint["url"],
        form_data(
            action="submit", version=report.version, status=Status.DONE, achieved="52 platser."
        ),
    )
    html = page(response)
    assert "Granska rapporten innan du skickar in den" in html
    assert "Bostadsbolaget</strong> (ansvarig)" in html and "Poseidon" in html
    report.refresh_from_db()
    assert report.state == State.DRAFT and report.achieved == "52 platser."

    response = client.post(joint["url"], {"action": "confirm", "version": str(report.version)})
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.state, report.submitted_by) == (State.SUBMITTED, joint["lead"])

    # The co-partners' parts are now read-only.
    client.force_login(joint["poseidon"])
    response = client.post(joint["url"], contribution_data(achieved="Ändrat"))
    assert response.status_code == 403
    assert Contribution.objects.get(partner__name="Poseidon").achieved == (
        "Åtta <b>platser</b> hos oss."
    )


def test_confirming_a_stale_version_hands_in_nothing(client, joint):
    report = make_report(joint["sub"], joint["period"], status=Status.DONE, achieved="Gjort")
    client.force_login(joint["lead"])
    client.post(joint["url"], {"action": "confirm", "version": "0"})
    report.refresh_from_db()
    assert report.state == State.DRAFT


def test_lead_takes_back_until_the_coordinator_opens_the_review(client, joint):
    report = make_report(joint["sub"], joint["period"], status=Status.DONE, achieved="Gjort")
    client.force_login(joint["lead"])
    client.post(joint["url"], {"action": "confirm", "version": str(report.version)})
    html = page(client.get(joint["url"]))
    assert "Ångra inskickning" in html
    client.post(joint["url"], {"action": "withdraw"})
    report.refresh_from_db()
    assert (report.state, report.submitted_at) == (State.DRAFT, None)
    assert report.history.filter(state=State.DRAFT, history_user=joint["lead"]).exists()

    client.post(joint["url"], {"action": "confirm", "version": str(report.version)})
    coordinator = make_coordinator(joint["promise"])
    client.force_login(coordinator)
    client.get(reverse("admin:followup_statusreport_change", args=[report.pk]))
    report.refresh_from_db()
    assert report.review_opened_at is not None

    client.force_login(joint["lead"])
    assert "Ångra inskickning" not in page(client.get(joint["url"]))
    response = client.post(joint["url"], {"action": "withdraw"}, follow=True)
    assert "samordnaren har börjat granska den" in page(response)
    report.refresh_from_db()
    assert report.state == State.SUBMITTED


def test_co_partner_cannot_take_back(client, joint):
    report = make_report(
        joint["sub"],
        joint["period"],
        status=Status.DONE,
        achieved="Gjort",
        state=State.SUBMITTED,
        submitted_at=timezone.now(),
    )
    client.force_login(joint["fambo"])
    assert client.post(joint["url"], {"action": "withdraw"}).status_code == 403
    report.refresh_from_db()
    assert report.state == State.SUBMITTED


def test_a_draft_saves_even_with_a_figure_that_is_not_a_number(client, joint):
    client.force_login(joint["lead"])
    response = client.post(
        joint["url"],
        form_data(
            achieved="Vi ordnade platser.",
            figures=[("Platser", "tjugo", "st"), ("Ungdomar", "52", "")],
        ),
    )
    html = page(response)
    assert response.status_code == 200
    assert "Skriv bara siffror, t.ex. 20." in html
    assert 'name="figures-0-value" value="tjugo"' in html
    report = StatusReport.objects.get()
    assert report.achieved == "Vi ordnade platser."
    assert [f.label for f in report.figures.all()] == ["Ungdomar"]
    assert f'name="version" value="{report.version}"' in html


def test_add_a_row_puts_the_focus_on_the_new_row(client, joint):
    client.force_login(joint["lead"])
    html = page(client.post(joint["url"], form_data(action="add_row", achieved="Text")))
    assert 'name="figures-2-label"' in html
    assert 'autofocus id="id_figures-2-label"' in html or (
        'id="id_figures-2-label" autofocus' in html
    )


def test_dashboard_says_what_each_partner_is_asked_to_do_and_puts_returned_first(client, joint):
    returned_sub = make_sub_promise(
        joint["sub"].focus_area,
        joint["sub"].partners.get(name="Familjebostäder"),
        title="Trapphusvärdar",
    )
    make_report(
        returned_sub,
        joint["period"],
        status=Status.DONE,
        achieved="x",
        state=State.RETURNED,
        submitted_at=timezone.now(),
        reviewed_at=timezone.now(),
        review_comment="Komplettera",
    )
    client.force_login(joint["fambo"])
    html = page(client.get(reverse("portal:dashboard")))
    assert "Ni är ansvariga: rapportera och skicka in" in html
    assert "Ni medverkar: beskriv er del" in html
    assert html.index("Trapphusvärdar") < html.index("Feriearbete för ungdomar")


def test_each_save_links_to_the_next_sub_promise_to_report(client, joint):
    make_sub_promise(
        joint["sub"].focus_area,
        joint["sub"].partners.get(name="Bostadsbolaget"),
        title="Sommarjobb i parken",
    )
    client.force_login(joint["lead"])
    response = client.post(joint["url"], form_data(achieved="Text"), follow=True)
    html = page(response)
    assert "Nästa att rapportera:" in html and "Sommarjobb i parken</a>" in html


def test_overview_and_reminders_count_what_each_partner_owes(client, joint):
    report = make_report(joint["sub"], joint["period"])
    Contribution.objects.create(
        report=report,
        partner=joint["sub"].partners.get(name="Familjebostäder"),
        state=Contribution.State.READY,
        saved_at=timezone.now(),
        ready_at=timezone.now(),
        achieved="Vår del",
    )
    progress = {row.partner.name: (row.done, row.total) for row in round_progress(joint["period"])}
    assert progress == {"Bostadsbolaget": (0, 1), "Familjebostäder": (1, 1), "Poseidon": (0, 1)}
    owing = unfinished_by_reporter(joint["period"])
    assert set(owing) == {joint["lead"].pk, joint["poseidon"].pk}

    client.force_login(make_coordinator(joint["promise"]))
    client.post(
        reverse("admin:followup_reportingperiod_remind", args=[joint["period"].pk]),
        {"confirm": "1"},
    )
    assert sorted(m.to[0] for m in mail.outbox) == [
        "bostadsbolaget@example.org",
        "poseidon@example.org",
    ]
    assert not Reminder.objects.filter(user=joint["fambo"]).exists()


def test_review_page_and_export_show_the_contributions(client, joint):
    report = make_report(
        joint["sub"],
        joint["period"],
        status=Status.DONE,
        achieved="Huvudtext",
        state=State.SUBMITTED,
        submitted_at=timezone.now(),
    )
    Contribution.objects.create(
        report=report,
        partner=joint["sub"].partners.get(name="Poseidon"),
        saved_at=timezone.now(),
        achieved="Poseidons del",
    )
    client.force_login(make_coordinator(joint["promise"]))
    html = page(client.get(reverse("admin:followup_statusreport_change", args=[report.pk])))
    assert "De medverkande parternas delar" in html and "Poseidons del" in html

    from .test_import_export import csv_rows, export

    rows = csv_rows(export(client, "followup_statusreport", "csv"))
    assert rows[0][-1] == "bidrag"
    assert rows[1][-1] == "Poseidon (utkast): Poseidons del"


def test_import_never_changes_a_report_a_partner_has_saved(client, joint):
    report = make_report(
        joint["sub"], joint["period"], achieved="Partnerns text", saved_at=timezone.now()
    )
    client.force_login(make_coordinator(joint["promise"]))
    from .test_import_export import import_file

    content = (
        "löfte,omgång,dellöfte-id,status,vad som gjorts,hinder,nästa steg\n"
        f"hisings-backa,Våren 2025,{joint['sub'].pk},Genomfört,Samordnarens text,,\n"
    ).encode()
    preview, done = import_file(
        client, "followup_statusreport", content, "r.csv", "csv", into_open_rounds="on"
    )
    assert done is None
    assert "ändrar aldrig det som en part har sparat" in page(preview)
    report.refresh_from_db()
    assert (report.achieved, report.version) == ("Partnerns text", 1)


def test_a_published_follow_ups_highlights_cannot_change_in_admin(client, joint):
    report = make_report(
        joint["sub"],
        joint["period"],
        status=Status.DONE,
        achieved="Gjort",
        state=State.APPROVED,
        submitted_at=timezone.now(),
        reviewed_at=timezone.now(),
    )
    follow_up = FollowUp.objects.create(
        promise=joint["promise"],
        title="Uppföljning",
        covers_from=datetime.date(2024, 1, 1),
        covers_to=datetime.date(2025, 12, 31),
        state=FollowUp.State.PUBLISHED,
        published_at=timezone.now(),
    )
    highlight = Highlight.objects.create(
        follow_up=follow_up, report=report, position=1, text="Frusen mening"
    )
    client.force_login(make_coordinator(joint["promise"]))
    change = reverse("admin:followup_highlight_change", args=[highlight.pk])
    client.post(
        change, {"follow_up": follow_up.pk, "report": report.pk, "position": 1, "text": "Ändrad"}
    )
    client.post(reverse("admin:followup_highlight_delete", args=[highlight.pk]), {"post": "yes"})
    client.post(
        reverse("admin:followup_highlight_changelist"),
        {"action": "delete_selected", "_selected_action": [highlight.pk], "post": "yes"},
    )
    response = client.post(
        reverse("admin:followup_highlight_add"),
        {"follow_up": follow_up.pk, "report": report.pk, "position": 2, "text": "Ny"},
    )
    assert "En publicerad uppföljning kan inte ändras." in page(response)
    assert list(Highlight.objects.values_list("text", flat=True)) == ["Frusen mening"]


@pytest.mark.parametrize("extra", [3, 40])
def test_dashboard_with_contributions_costs_the_same_queries(
    client, joint, django_assert_max_num_queries, extra
):
    fambo = joint["sub"].partners.get(name="Familjebostäder")
    lead = joint["sub"].partners.get(name="Bostadsbolaget")
    for i in range(extra):
        sub = make_sub_promise(joint["sub"].focus_area, lead, fambo, title=f"Dellöfte {i}")
        report = make_report(sub, joint["period"])
        Contribution.objects.create(report=report, partner=fambo, saved_at=timezone.now())
    client.force_login(joint["fambo"])
    with django_assert_max_num_queries(9):
        response = client.get(reverse("portal:dashboard"))
    assert page(response).count("Er del: utkast") == extra
    with django_assert_max_num_queries(12):
        response = client.get(joint["url"])
    assert response.status_code == 200
    client.force_login(joint["lead"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("portal:report", args=[joint["period"].pk, sub.pk]))
    assert "Er del: utkast" not in page(response) and "Utkast, inte klar ännu" in page(response)


def test_a_co_partners_form_keeps_every_typed_character_when_a_colleague_saved_meanwhile(
    client, joint
):
    colleague = make_reporter(joint["sub"].partners.get(name="Familjebostäder"), "kollega")
    client.force_login(colleague)
    client.post(joint["url"], contribution_data(achieved="Kollegans del."))
    typed = "Vi anställde 12 ungdomar.\nRad två med ”citat” & <b>tecken</b>."
    client.force_login(joint["fambo"])
    # The form was loaded at version 1, before the colleague saved.
    response = client.post(
        joint["url"],
        contribution_data(action="ready", achieved=typed, figures=[("Ungdomar", "12,5", "st")]),
    )
    html = page(response)
    assert response.status_code == 409
    assert "sparade er organisations del medan du redigerade den" in html
    assert "Vi anställde 12 ungdomar.\nRad två med ”citat” &amp; &lt;b&gt;tecken&lt;/b&gt;." in html
    assert 'name="figures-0-value" value="12,5"' in html
    assert 'name="version" value="2"' in html  # saving again is a deliberate choice
    contribution = Contribution.objects.get()
    assert (contribution.achieved, contribution.saved_by, contribution.state) == (
        "Kollegans del.",
        colleague,
        Contribution.State.DRAFT,
    )


def test_a_co_partner_has_done_its_part_of_the_round_once_its_contribution_is_ready(client, joint):
    client.force_login(joint["fambo"])
    dashboard = reverse("portal:dashboard")
    assert "0 av 1 dellöften klara" in page(client.get(dashboard))
    client.post(joint["url"], contribution_data(achieved="Utkast."))
    assert "0 av 1 dellöften klara" in page(client.get(dashboard))
    client.post(joint["url"], contribution_data(action="ready", version=2, achieved="Klart."))
    assert "1 av 1 dellöften klara" in page(client.get(dashboard))
    # The lead still has its report to hand in.
    client.force_login(joint["lead"])
    assert "0 av 1 dellöften klara" in page(client.get(dashboard))
