"""The import/export rules README promises, each through admin's own import and export:
formula escaping of every cell a spreadsheet would run, all-or-nothing imports, and rows
narrowed to the promise the file names."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from lofte.models import SubPromise
from parties.models import Partner

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

# Everything a spreadsheet (Excel, LibreOffice) would run as a formula if a cell began with it.
FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]
# Test ids without quotes or control characters, so that a test can be named to run alone.
FORMULA_NAMES = ["equals", "plus", "minus", "at", "tab", "carriage-return"]
REPORT_HEADER = "löfte,omgång,dellöfte-id,status,vad som gjorts,hinder,nästa steg\n"
HEADER = (
    "löfte,fokusområde,nummer,rubrik,beskrivning,indikator,enhet,mål,"
    "ansvarig part,medverkande parter\n"
)


@pytest.fixture
def backa():
    promise = make_promise("Hisings Backa", slug="hisings-backa")
    school = make_partner("Ellen Keyskolan")
    housing = make_partner("Familjebostäder")
    area = make_focus_area(promise, "Skola")
    sub = make_sub_promise(area, school, housing, title="Frukost i skolan")
    return {
        "promise": promise,
        "area": area,
        "sub": sub,
        "school": school,
        "housing": housing,
        "coordinator": make_coordinator(promise),
    }


def format_value(client, url: str, name: str) -> str:
    for value, label in client.get(url).context["form"].fields["format"].choices:
        if str(label).lower() == name:
            return value
    raise AssertionError(f"no format {name}")


def export_csv(client, model: str) -> list[dict[str, str]]:
    url = reverse(f"admin:{model}_export")
    form = client.get(url).context["form"]
    data = {"format": format_value(client, url, "csv"), "resource": 0}
    data |= {n: "on" for n, f in form.fields.items() if getattr(f, "is_selectable_field", False)}
    response = client.post(url, data)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def preview(client, model: str, content: str):
    url = reverse(f"admin:{model}_import")
    upload = io.BytesIO(content.encode())
    upload.name = "fil.csv"
    response = client.post(url, {"format": format_value(client, url, "csv"), "import_file": upload})
    assert response.status_code == 200
    return response


def confirm(client, model: str, preview_response):
    form = preview_response.context["confirm_form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    return client.post(reverse(f"admin:{model}_process_import"), data, follow=True)


# --- Formula escaping ---------------------------------------------------------------------


@pytest.mark.parametrize("start", FORMULA_STARTS, ids=FORMULA_NAMES)
def test_every_export_escapes_each_formula_start(client, backa, start):
    text = f"{start}SUMMA(A1:A9)"
    backa["sub"].title = text
    backa["sub"].description = "Vanlig text"
    backa["sub"].save()
    Partner.objects.filter(pk=backa["housing"].pk).update(name=f"{start}Familjebostäder")
    period = make_period(backa["promise"])
    now = timezone.now()
    make_report(
        backa["sub"],
        period,
        achieved=text,
        status="done",
        state="approved",
        submitted_at=now,
        reviewed_at=now,
    )
    client.force_login(backa["coordinator"])

    sub_row = export_csv(client, "lofte_subpromise")[0]
    assert sub_row["rubrik"] == f"'{text}"
    assert sub_row["beskrivning"] == "Vanlig text"
    assert sub_row["medverkande parter"] == f"'{start}Familjebostäder"
    partners = {row["namn"] for row in export_csv(client, "parties_partner")}
    assert partners == {"Ellen Keyskolan", f"'{start}Familjebostäder"}
    report_row = export_csv(client, "followup_statusreport")[0]
    assert report_row["vad som gjorts"] == f"'{text}"
    assert report_row["dellöfte"] == f"'{text}"


@pytest.mark.parametrize(
    "text",
    ["=1+1", "-5 grader", "@kommun", "'citat'", "Vanlig"],
    ids=["formula", "minus", "at", "quoted", "plain"],
)
def test_exported_cells_import_back_as_they_were(client, backa, text):
    backa["sub"].title = text
    backa["sub"].save()
    client.force_login(backa["coordinator"])
    row = export_csv(client, "lofte_subpromise")[0]
    content = HEADER + ",".join(f'"{row[c]}"' for c in HEADER.strip().split(",")) + "\n"
    done = confirm(client, "lofte_subpromise", preview(client, "lofte_subpromise", content))
    assert done.status_code == 200
    backa["sub"].refresh_from_db()
    assert backa["sub"].title == text
    assert SubPromise.objects.count() == 1


# --- All or nothing -----------------------------------------------------------------------


def test_a_row_that_fails_at_confirmation_rolls_back_the_whole_file(client, backa):
    """Between preview and confirmation a partner leaves the promise: the file then has an
    invalid row, and its valid rows must not be imported either."""
    backaskolan = make_partner("Backaskolan")
    backa["promise"].partners.add(backaskolan)
    client.force_login(backa["coordinator"])
    content = (
        HEADER
        + "hisings-backa,Skola,2,Läxhjälp,,,,,Familjebostäder,\n"
        + "hisings-backa,Skola,3,Skoljogg,,,,,Backaskolan,\n"
        + "hisings-backa,Skola,4,Skolgård,,,,,Backaskolan,\n"
    )
    checked = preview(client, "lofte_subpromise", content)
    assert checked.context["confirm_form"] is not None
    backa["promise"].partners.remove(backaskolan)

    done = confirm(client, "lofte_subpromise", checked)
    refused = "”Backaskolan” är ingen samverkanspart i detta löfte (kontrollera stavningen)."
    assert [str(m) for m in done.context["messages"]] == [
        f"Inget importerades: filen klarar inte längre kontrollerna. Rad 2: {refused} "
        f"Rad 3: {refused}"
    ]
    assert list(SubPromise.objects.values_list("title", flat=True)) == ["Frukost i skolan"]


def test_a_status_report_refused_at_confirmation_rolls_back_the_whole_file(client, backa):
    """Between preview and confirmation a partner hands in one of the reports, which import
    never changes: the other row must not be imported either."""
    other = make_sub_promise(backa["area"], backa["school"], title="Läxhjälp")
    period = make_period(backa["promise"], name="Hösten 2024", is_open=False)
    first = make_report(backa["sub"], period, achieved="Före")
    second = make_report(other, period, achieved="Före")
    client.force_login(backa["coordinator"])
    content = (
        REPORT_HEADER
        + f"hisings-backa,Hösten 2024,{backa['sub'].pk},Genomfört,Efter,,\n"
        + f"hisings-backa,Hösten 2024,{other.pk},Genomfört,Efter,,\n"
    )
    checked = preview(client, "followup_statusreport", content)
    assert checked.context["confirm_form"] is not None
    second.state, second.submitted_at = "submitted", timezone.now()
    second.save()

    done = confirm(client, "followup_statusreport", checked)
    (message,) = [str(m) for m in done.context["messages"]]
    assert message.startswith("Inget importerades: filen klarar inte längre kontrollerna. Rad 2:")
    assert "kan inte ändras genom import" in message
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.achieved, first.version) == ("Före", 1)
    assert second.achieved == "Före"


# --- Narrowed to the promise the file names -----------------------------------------------


def test_import_finds_the_focus_area_of_the_promise_named_in_the_row(client, backa):
    """Two promises of one coordinator both have a focus area "Skola": each row lands in the
    one of its own promise."""
    angered = make_promise("Angered", slug="angered")
    angered_school = make_focus_area(angered, "Skola")
    angered.partners.add(backa["school"])
    angered.coordinators.add(backa["coordinator"])
    client.force_login(backa["coordinator"])
    content = (
        HEADER
        + "angered,Skola,1,Läxhjälp i Angered,,,,,Ellen Keyskolan,\n"
        + "hisings-backa,Skola,2,Läxhjälp i Backa,,,,,Ellen Keyskolan,\n"
    )
    done = confirm(client, "lofte_subpromise", preview(client, "lofte_subpromise", content))
    assert done.status_code == 200
    assert SubPromise.objects.get(title="Läxhjälp i Angered").focus_area == angered_school
    assert SubPromise.objects.get(title="Läxhjälp i Backa").focus_area == backa["area"]
    # Backa's sub-promise number 1 is untouched: the Angered row did not match it.
    backa["sub"].refresh_from_db()
    assert backa["sub"].title == "Frukost i skolan"


def test_status_report_import_finds_the_sub_promise_of_the_named_promise(client, backa):
    angered = make_promise("Angered", slug="angered")
    angered.coordinators.add(backa["coordinator"])
    angered_sub = make_sub_promise(
        make_focus_area(angered, "Skola"), backa["school"], title="Frukost i skolan"
    )
    now = timezone.now().date()
    backa_round = make_period(backa["promise"], name="Våren", is_open=False, deadline=now)
    angered_round = make_period(angered, name="Våren", is_open=False, deadline=now)
    client.force_login(backa["coordinator"])
    content = REPORT_HEADER + f"angered,Våren,{angered_sub.pk},Genomfört,Gjort i Angered,,\n"
    done = confirm(
        client, "followup_statusreport", preview(client, "followup_statusreport", content)
    )
    assert done.status_code == 200
    report = angered_sub.reports.get()
    assert (report.period, report.achieved) == (angered_round, "Gjort i Angered")
    assert not backa["sub"].reports.exists()
    assert not backa_round.reports.exists()
