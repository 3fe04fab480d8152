"""The reporting portal: partners see their sub-promises and report on them."""

import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from followup.models import ReportFigure, StatusReport
from followup.services import ReportContent, save_report, submit_report
from lofte.models import Promise, SubPromise

from .conftest import (
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

State = StatusReport.State
Status = StatusReport.Status


@dataclass
class World:
    promise: Promise
    reporter: object
    outsider: object
    sub_promise: SubPromise
    other_sub_promise: SubPromise
    period: object
    closed_period: object


@pytest.fixture
def world() -> World:
    promise = make_promise("Backa")
    partner, other = make_partner("Familjebostäder"), make_partner("Poseidon")
    area = make_focus_area(promise, "Skola")
    sub = make_sub_promise(
        area,
        partner,
        title="Frukost i skolan",
        indicator_label="Utdelade frukostar",
        indicator_unit="st",
        indicator_target=Decimal(1000),
    )
    other_sub = make_sub_promise(make_focus_area(promise, "Fritid"), other, title="Sommarlov")
    today = timezone.localdate()
    return World(
        promise=promise,
        reporter=make_reporter(partner, "familjebostader"),
        outsider=make_reporter(other, "poseidon"),
        sub_promise=sub,
        other_sub_promise=other_sub,
        period=make_period(
            promise,
            name="Våren 2025",
            starts_on=today,
            deadline=today + datetime.timedelta(days=10),
        ),
        closed_period=make_period(
            promise,
            name="Hösten 2024",
            starts_on=datetime.date(2024, 8, 1),
            deadline=datetime.date(2024, 12, 1),
            is_open=False,
        ),
    )


def report_url(period, sub_promise) -> str:
    return reverse("portal:report", args=[period.pk, sub_promise.pk])


def form_data(action="save", version=1, figures=(), **fields) -> dict:
    data = {
        "action": action,
        "version": str(version),
        "status": Status.IN_PROGRESS,
        "achieved": "",
        "obstacles": "",
        "next_steps": "",
        "figures-TOTAL_FORMS": str(max(len(figures), 2)),
        "figures-INITIAL_FORMS": "0",
        "figures-MIN_NUM_FORMS": "0",
        "figures-MAX_NUM_FORMS": "50",
        **fields,
    }
    for i, (label, value, unit) in enumerate(figures):
        data.update(
            {f"figures-{i}-label": label, f"figures-{i}-value": value, f"figures-{i}-unit": unit}
        )
    return data


def page(response) -> str:
    return response.content.decode()


# --- The dashboard -----------------------------------------------------------------------


def test_dashboard_shows_open_round_with_deadline_and_own_sub_promises(client, world):
    make_report(world.sub_promise, world.period, state=State.SUBMITTED, submitted_at=timezone.now())
    client.force_login(world.reporter)
    response = client.get(reverse("portal:dashboard"))
    html = page(response)
    assert response.status_code == 200
    assert "Våren 2025" in html
    assert "10 dagar kvar" in html
    assert "Skola" in html and "Frukost i skolan" in html
    assert "Sommarlov" not in html  # the other partner's
    assert '<progress id="progress-' in html and 'max="1" value="1"' in html
    assert "1 av 1 dellöften klara" in html
    assert "Inskickad" in html
    assert "Hösten 2024" in html  # an earlier round, linked


def test_dashboard_shows_returned_reports_comment(client, world):
    make_report(
        world.sub_promise,
        world.period,
        state=State.RETURNED,
        submitted_at=timezone.now(),
        reviewed_at=timezone.now(),
        review_comment="Lägg till antalet frukostar.",
    )
    client.force_login(world.reporter)
    html = page(client.get(reverse("portal:dashboard")))
    assert "Returnerad" in html
    assert "Lägg till antalet frukostar." in html


def test_dashboard_needs_login(client, world):
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/rapportering/"


def test_dashboard_without_open_round_says_so(client, world):
    world.period.is_open = False
    world.period.save()
    client.force_login(world.reporter)
    html = page(client.get(reverse("portal:dashboard")))
    assert "Det finns ingen öppen rapporteringsomgång" in html


def _add_sub_promises(world: World, count: int) -> None:
    partner = world.sub_promise.partners.get()
    area = world.sub_promise.focus_area
    for i in range(count):
        sub = make_sub_promise(area if i % 2 else make_focus_area(world.promise), partner)
        if i % 3 == 0:
            make_report(sub, world.period, saved_at=timezone.now())


@pytest.mark.parametrize("extra", [4, 59])
def test_dashboard_query_count_does_not_grow(client, world, django_assert_max_num_queries, extra):
    _add_sub_promises(world, extra)
    client.force_login(world.reporter)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("portal:dashboard"))
    assert page(response).count('class="report-item"') == extra + 1


@pytest.mark.parametrize("extra", [4, 59])
def test_period_page_query_count_does_not_grow(client, world, django_assert_max_num_queries, extra):
    _add_sub_promises(world, extra)
    client.force_login(world.reporter)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("portal:period", args=[world.period.pk]))
    assert page(response).count('class="report-item"') == extra + 1


def test_period_page_of_other_promise_is_404(client, world):
    foreign = make_period(make_promise())
    client.force_login(world.reporter)
    assert client.get(reverse("portal:period", args=[foreign.pk])).status_code == 404


def test_root_sends_reporters_to_the_portal_and_coordinators_to_admin(client, world):
    client.force_login(world.reporter)
    assert client.get("/").url == reverse("portal:dashboard")
    client.force_login(make_user(is_staff=True))
    assert client.get("/").url == reverse("admin:index")


# --- The report form: access ---------------------------------------------------------------


def test_report_form_works_for_the_owner(client, world):
    client.force_login(world.reporter)
    response = client.get(report_url(world.period, world.sub_promise))
    html = page(response)
    assert response.status_code == 200
    assert "<title>Rapport: Frukost i skolan – Rapportering – Medborgarlöften</title>" in html
    assert "<legend>Dellöftets status</legend>" in html
    assert "checked" not in html  # no status is pre-selected
    assert 'name="version" value="1"' in html
    # The indicator comes first, its target shown.
    assert 'name="figures-0-label" value="Utdelade frukostar"' in html
    assert "1\xa0000 st" in html or "1 000 st" in html
    assert "Spara utkast" in html and "Skicka in" in html
    assert not StatusReport.objects.exists()  # looking does not start a report


def test_report_form_needs_login(client, world):
    url = report_url(world.period, world.sub_promise)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")
    client.post(url, form_data(achieved="x"))
    assert not StatusReport.objects.exists()


def test_other_partners_report_is_404(client, world):
    client.force_login(world.outsider)
    url = report_url(world.period, world.sub_promise)
    assert client.get(url).status_code == 404
    assert client.post(url, form_data(achieved="inbrott")).status_code == 404
    assert not StatusReport.objects.exists()


def test_sub_promise_of_another_promise_or_nonexistent_is_404(client, world):
    client.force_login(world.reporter)
    other_promise = make_promise()
    foreign_sub = make_sub_promise(make_focus_area(other_promise), world.sub_promise.partners.get())
    # The user's own sub-promise, but in another promise's round: 404.
    assert client.get(report_url(world.period, foreign_sub)).status_code == 404
    assert client.get(reverse("portal:report", args=[world.period.pk, 99999])).status_code == 404
    assert client.get(reverse("portal:report", args=[99999, world.sub_promise.pk])).status_code == (
        404
    )


def test_closed_round_is_read_only(client, world):
    report = make_report(
        world.sub_promise, world.closed_period, achieved="Gammal text", saved_at=timezone.now()
    )
    client.force_login(world.reporter)
    url = report_url(world.closed_period, world.sub_promise)
    html = page(client.get(url))
    assert '<form method="post" id="report-form"' not in html
    assert "Gammal text" in html
    assert "Omgången är stängd" in html
    response = client.post(url, form_data(achieved="Ny text"))
    assert response.status_code == 403
    assert "Dina ändringar sparades inte." in page(response)
    report.refresh_from_db()
    assert report.achieved == "Gammal text"
    assert report.version == 1


@pytest.mark.parametrize("state", [State.SUBMITTED, State.APPROVED])
def test_submitted_or_approved_report_is_read_only(client, world, state):
    report = make_report(
        world.sub_promise,
        world.period,
        achieved="Inskickad text",
        state=state,
        submitted_at=timezone.now(),
        reviewed_at=timezone.now() if state == State.APPROVED else None,
    )
    client.force_login(world.reporter)
    url = report_url(world.period, world.sub_promise)
    response = client.get(url)
    assert 'id="report-form"' not in page(response)
    assert "Inskickad text" in page(response)
    response = client.post(url, form_data(action="submit", achieved="Ändrad"))
    assert response.status_code == 403
    report.refresh_from_db()
    assert (report.achieved, report.state, report.version) == ("Inskickad text", state, 1)


def test_returned_report_is_editable_and_shows_the_comment(client, world):
    make_report(
        world.sub_promise,
        world.period,
        state=State.RETURNED,
        submitted_at=timezone.now(),
        reviewed_at=timezone.now(),
        review_comment="Hur många frukostar?",
    )
    client.force_login(world.reporter)
    html = page(client.get(report_url(world.period, world.sub_promise)))
    assert 'id="report-form"' in html
    assert "Returnerad av samordnaren" in html
    assert "Hur många frukostar?" in html


# --- The report form: saving and submitting ----------------------------------------------------


def test_save_draft_then_submit_records_who(client, world):
    client.force_login(world.reporter)
    url = report_url(world.period, world.sub_promise)
    response = client.post(
        url,
        form_data(
            achieved="Frukost varje morgon.",
            figures=[("Utdelade frukostar", "1 000", "st"), ("Klasser", "14", "")],
        ),
    )
    assert response.status_code == 302 and response.url == url
    report = StatusReport.objects.get()
    assert (report.state, report.achieved, report.saved_by) == (
        State.DRAFT,
        "Frukost varje morgon.",
        world.reporter,
    )
    assert [(f.label, f.value, f.unit) for f in report.figures.all()] == [
        ("Utdelade frukostar", Decimal(1000), "st"),
        ("Klasser", Decimal(14), ""),
    ]
    html = page(client.get(url))
    assert "Utkastet sparades" in html
    assert "Frukost varje morgon." in html
    assert 'name="figures-1-value" value="14"' in html

    response = client.post(
        url,
        form_data(
            action="submit",
            version=report.version,
            status=Status.DONE,
            achieved="Frukost varje morgon, hela läsåret.",
            figures=[("Utdelade frukostar", "1000", "st")],
        ),
    )
    # Handing in shows the saved report as the coordinator reads it, to confirm.
    html = page(response)
    assert response.status_code == 200
    assert "Granska rapporten innan du skickar in den" in html
    assert "Frukost varje morgon, hela läsåret." in html
    assert "Du skickar in den för" in html and "Familjebostäder" in html
    report.refresh_from_db()
    assert report.state == State.DRAFT and report.status == Status.DONE
    response = client.post(url, {"action": "confirm", "version": str(report.version)})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == State.SUBMITTED
    assert report.status == Status.DONE
    assert report.submitted_by == world.reporter and report.submitted_at is not None
    assert report.achieved == "Frukost varje morgon, hela läsåret."
    assert report.figures.count() == 1
    html = page(client.get(url))
    assert 'id="report-form"' not in html
    assert "Inskickad" in html
    assert "skickades till samordnarna" in html


def test_untouched_indicator_row_is_not_saved_as_a_figure(client, world):
    client.force_login(world.reporter)
    client.post(
        report_url(world.period, world.sub_promise),
        form_data(figures=[("Utdelade frukostar", "", "st")], achieved="Text"),
    )
    assert StatusReport.objects.get().achieved == "Text"
    assert not ReportFigure.objects.exists()


def test_errors_keep_every_typed_character_and_link_to_fields(client, world):
    client.force_login(world.reporter)
    achieved = "Vi har delat ut frukost.\nRad två med ”citat” & <b>tecken</b>."
    response = client.post(
        report_url(world.period, world.sub_promise),
        form_data(
            action="submit",
            status=Status.NOT_DONE,
            achieved=achieved,
            next_steps="Fortsätta i höst",
            figures=[("Frukostar", "många", "st"), ("", "12", "")],
        ),
    )
    html = page(response)
    assert response.status_code == 200
    assert not StatusReport.objects.exists()
    assert "<title>Fel: Rapport: Frukost i skolan" in html
    assert 'class="error-summary"' in html
    assert 'href="#id_obstacles"' in html
    assert 'href="#id_figures-0-value"' in html
    assert 'href="#id_figures-1-label"' in html
    assert 'aria-describedby="id_obstacles_helptext id_obstacles_error"' in html
    # Everything typed is shown again, escaped.
    assert "Vi har delat ut frukost.\nRad två med ”citat” &amp; &lt;b&gt;tecken&lt;/b&gt;." in html
    assert "Fortsätta i höst" in html
    assert 'value="not_done" id="id_status_4" checked' in html
    assert 'name="figures-0-value" value="många"' in html
    assert 'name="figures-1-value" value="12"' in html
    assert "Ange varför dellöftet inte genomfördes" in html


def test_add_row_keeps_input_and_adds_an_empty_row(client, world):
    client.force_login(world.reporter)
    response = client.post(
        report_url(world.period, world.sub_promise),
        form_data(
            action="add_row",
            achieved="Pågår",
            figures=[("Utdelade frukostar", "300", "st"), ("Klasser", "4", "")],
        ),
    )
    html = page(response)
    assert 'name="figures-TOTAL_FORMS" value="3"' in html
    assert 'name="figures-1-label" value="Klasser"' in html
    assert 'name="figures-2-label"' in html and 'name="figures-3-label"' not in html
    assert "Pågår" in html
    assert 'class="error-summary"' not in html
    assert not StatusReport.objects.exists()


def test_version_conflict_keeps_both_texts(client, world):
    report = make_report(world.sub_promise, world.period)
    colleague = make_reporter(world.sub_promise.partners.get(), "kollega")
    client.force_login(world.reporter)
    url = report_url(world.period, world.sub_promise)
    assert 'name="version" value="1"' in page(client.get(url))
    # A colleague saves first.
    save_report(
        report=report,
        user=colleague,
        content=ReportContent(status=Status.IN_PROGRESS, achieved="Kollegans text"),
        version=1,
    )
    response = client.post(url, form_data(achieved="Min egen text", version=1))
    html = page(response)
    assert response.status_code == 409
    assert "Min egen text" in html
    assert "Kollegans text" in html
    assert "Någon annan sparade rapporten medan du skrev" in html
    assert 'name="version" value="2"' in html  # saving again is a deliberate choice
    report.refresh_from_db()
    assert report.achieved == "Kollegans text"
    assert report.saved_by == colleague


def test_conflict_with_a_submitted_report_shows_the_unsaved_text(client, world):
    report = make_report(world.sub_promise, world.period, status=Status.DONE, achieved="Klart")
    colleague = make_reporter(world.sub_promise.partners.get(), "kollega")
    submit_report(report=report, user=colleague)
    client.force_login(world.reporter)
    # The form was loaded at version 1, before the colleague submitted.
    response = client.post(
        report_url(world.period, world.sub_promise), form_data(achieved="Min text", version=1)
    )
    html = page(response)
    assert response.status_code == 403  # read-only now
    assert "Min text" in html
    report.refresh_from_db()
    assert report.state == State.SUBMITTED and report.achieved == "Klart"


def test_hostile_text_is_escaped(client, world):
    hostile = "<script>alert(1)</script>"
    make_report(
        world.sub_promise,
        world.closed_period,
        achieved=hostile,
        state=State.APPROVED,
        submitted_at=timezone.now(),
        reviewed_at=timezone.now(),
    )
    client.force_login(world.reporter)
    url = report_url(world.period, world.sub_promise)
    client.post(url, form_data(achieved=hostile, figures=[(hostile, "1", hostile)]))
    for target in (url, report_url(world.closed_period, world.sub_promise)):
        html = page(client.get(target))
        assert hostile not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_previous_report_is_shown_and_can_be_started_from(client, world):
    previous = make_report(
        world.sub_promise,
        world.closed_period,
        status=Status.PARTLY_DONE,
        achieved="Förra omgångens text",
        next_steps="Fler skolor",
        state=State.APPROVED,
        submitted_at=timezone.now(),
        reviewed_at=timezone.now(),
    )
    ReportFigure.objects.create(
        report=previous, position=1, label="Utdelade frukostar", value=Decimal(400), unit="st"
    )
    client.force_login(world.reporter)
    url = report_url(world.period, world.sub_promise)
    html = page(client.get(url))
    assert "Föregående rapport (Hösten 2024)" in html
    assert "Förra omgångens text" in html
    response = client.post(
        url, form_data(action="copy_previous", next_steps="Mitt eget nästa steg")
    )
    html = page(response)
    assert ">\nFörra omgångens text</textarea>" in html
    assert "Mitt eget nästa steg" in html  # typed text is not replaced
    assert 'name="figures-0-value" value="400"' in html
    assert not StatusReport.objects.filter(period=world.period).exists()


def test_demo_accounts_open_a_demo_round_to_report_in(client, hisings_backa, settings):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("demo_accounts", stdout=io.StringIO())
    call_command("demo_accounts", stdout=io.StringIO())
    period = hisings_backa.periods.get(name="Demoomgång")
    assert period.is_open
    assert period.starts_on == timezone.localdate()
    assert (period.deadline - period.starts_on).days == 14
    client.post(reverse("login"), {"username": "familjebostader", "password": "backa-demo-2025"})
    html = page(client.get(reverse("portal:dashboard")))
    assert "Demoomgång" in html and "14 dagar kvar" in html
    assert "Pluggjobb på Skälltorpsskolan" in html


@pytest.mark.parametrize("figures", [1, 30])
def test_report_page_query_count_does_not_grow(
    client, world, django_assert_max_num_queries, figures
):
    report = make_report(world.sub_promise, world.period, saved_at=timezone.now())
    previous = make_report(
        world.sub_promise,
        world.closed_period,
        state=State.SUBMITTED,
        submitted_at=timezone.now(),
    )
    for i in range(figures):
        for r in (report, previous):
            ReportFigure.objects.create(report=r, position=i + 1, label=f"Rad {i}", value=i)
    _add_sub_promises(world, figures)
    client.force_login(world.reporter)
    with django_assert_max_num_queries(11):
        response = client.get(report_url(world.period, world.sub_promise))
    assert page(response).count('class="figure-row"') == figures + 1 + 2  # + indicator, extra
