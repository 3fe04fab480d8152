"""The import/export rules docs/coordinators.md promises, each through admin's own import and
export: formula escaping of every cell a spreadsheet would run, all-or-nothing imports, and
rows narrowed to the promise the file names."""

import csv
import html
import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from followup.models import Contribution, ReportingPeriod
from followup.review.resources import StatusReportResource
from lofte.models import FocusArea, Responsibility, SubPromise
from lofte.spreadsheets.resources import SubPromiseResource
from parties.models import Partner

from .conftest import (
    make_coordinator,
    make_focus_area,
    make_partner,
    make_period,
    make_promise,
    make_report,
    make_sub_promise,
    make_user,
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
    return list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"), newline="")))


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


# --- Rows named once, by promise, focus area and whole number ----------------------------


def test_a_sub_promise_named_twice_says_the_first_row_and_imports_nothing(client, backa):
    client.force_login(backa["coordinator"])
    content = (
        HEADER
        + "hisings-backa,Skola,2,Läxhjälp,,,,,Ellen Keyskolan,\n"
        + "hisings-backa,Skola,3,Skoljogg,,,,,Ellen Keyskolan,\n"
        + "hisings-backa,Skola,3.0,Igen,,,,,Ellen Keyskolan,\n"
    )
    checked = preview(client, "lofte_subpromise", content)
    assert checked.context.get("confirm_form") is None
    (row,) = checked.context["result"].invalid_rows
    assert row.number == 3
    assert [str(m) for m in row.error.messages] == [
        "Rad 2 har redan nummer 3 i detta fokusområde; en fil får ta upp varje dellöfte en gång."
    ]
    assert list(SubPromise.objects.values_list("title", flat=True)) == ["Frukost i skolan"]


def test_rows_are_told_apart_by_promise_focus_area_and_whole_number(client, backa):
    """Number 2 in another focus area or another promise is another sub-promise; "1.0" (as a
    spreadsheet writes 1) is the existing number 1; blanks around a cell are not read."""
    fritid = make_focus_area(backa["promise"], "Fritid")
    angered = make_promise("Angered", slug="angered")
    angered_school = make_focus_area(angered, "Skola")
    angered.partners.add(backa["school"])
    angered.coordinators.add(backa["coordinator"])
    client.force_login(backa["coordinator"])
    content = (
        HEADER
        + "hisings-backa,Skola,1.0,Frukost och lunch,,,,,Ellen Keyskolan,Familjebostäder\n"
        + "hisings-backa,Skola,2,Läxhjälp,,,,,Ellen Keyskolan,\n"
        + "hisings-backa, Fritid ,2,Fotboll ,,,,, Ellen Keyskolan,\n"
        + "angered,Skola,2,Läxhjälp,,,,,Ellen Keyskolan,\n"
    )
    checked = preview(client, "lofte_subpromise", content)
    assert checked.context["confirm_form"] is not None
    totals = checked.context["result"].totals
    assert (totals["new"], totals["update"]) == (3, 1)
    confirm(client, "lofte_subpromise", checked)
    subs = SubPromise.objects.order_by("focus_area__promise__slug", "focus_area__name", "position")
    assert [(s.focus_area, s.position, s.title) for s in subs] == [
        (angered_school, 2, "Läxhjälp"),
        (fritid, 2, "Fotboll"),
        (backa["area"], 1, "Frukost och lunch"),
        (backa["area"], 2, "Läxhjälp"),
    ]
    assert backa["sub"].pk == subs[2].pk


def test_each_partner_cell_is_checked_and_blank_cells_are_named_as_blank(client, backa):
    client.force_login(backa["coordinator"])
    content = (
        HEADER
        + "hisings-backa,Skola,2,Läxhjälp,,,,,Ellen Keyskolan,Okänd skola\n"
        + "hisings-backa,Skola,3,Skoljogg,,,,,Ellen Keyskolan,Ellen Keyskolan\n"
        + "hisings-backa,,,Utan plats,,,,,Ellen Keyskolan,\n"
    )
    checked = preview(client, "lofte_subpromise", content)
    errors = [
        [str(m) for m in row.error.messages] for row in checked.context["result"].invalid_rows
    ]
    assert errors == [
        ["”Okänd skola” är ingen samverkanspart i detta löfte (kontrollera stavningen)."],
        ["En samverkanspart kan inte vara både ansvarig och medverkande."],
        [
            "Löftet har inget fokusområde som heter ””.",
            "”nummer” måste vara ett heltal, inte ””.",
        ],
    ]
    assert SubPromise.objects.count() == 1


def _sides(cell: str) -> tuple[str, str]:
    """A preview cell's text before and after the import (its diff without the other side)."""
    before = re.sub(r"<ins[^>]*>.*?</ins>", "", cell)
    after = re.sub(r"<del[^>]*>.*?</del>", "", cell)
    return tuple(html.unescape(re.sub(r"<[^>]+>", "", side)) for side in (before, after))


def test_import_reassigns_the_partners_of_several_sub_promises_as_the_preview_shows(client, backa):
    """Row 1: a new lead, the old lead becomes co-owner, a co-owner goes. Row 2: the co-owner
    becomes lead, the lead goes, a new co-owner comes."""
    backaskolan = make_partner("Backaskolan")
    backa["promise"].partners.add(backaskolan)
    second = make_sub_promise(backa["area"], backa["housing"], backa["school"], title="Läxhjälp")
    client.force_login(backa["coordinator"])
    content = (
        HEADER
        + "hisings-backa,Skola,1,Frukost i skolan,,,,,Backaskolan,Ellen Keyskolan\n"
        + "hisings-backa,Skola,2,Läxhjälp,,,,,Ellen Keyskolan,Backaskolan\n"
    )
    checked = preview(client, "lofte_subpromise", content)
    rows = checked.context["result"].valid_rows()
    assert [row.import_type for row in rows] == ["update", "update"]
    assert [(_sides(row.diff[8]), _sides(row.diff[9])) for row in rows] == [
        (("Ellen Keyskolan", "Backaskolan"), ("Familjebostäder", "Ellen Keyskolan")),
        (("Familjebostäder", "Ellen Keyskolan"), ("Ellen Keyskolan", "Backaskolan")),
    ]

    confirm(client, "lofte_subpromise", checked)
    held = Responsibility.objects.order_by("sub_promise__position", "role", "partner__name")
    assert [(r.sub_promise, r.partner.name, r.role) for r in held] == [
        (backa["sub"], "Ellen Keyskolan", "co"),
        (backa["sub"], "Backaskolan", "lead"),
        (second, "Backaskolan", "co"),
        (second, "Ellen Keyskolan", "lead"),
    ]


def test_a_resource_reads_only_the_users_own_sub_promises(backa):
    angered = make_promise("Angered", slug="angered")
    make_sub_promise(make_focus_area(angered, "Skola"), backa["school"], title="Läxhjälp")
    resource = SubPromiseResource(user=backa["coordinator"])
    assert list(resource.get_queryset()) == [backa["sub"]]


def test_a_focus_area_not_found_up_front_is_looked_up_in_the_rows_promise_only(backa):
    """The widget's own lookup, behind what the import has read for the file: by name, among
    the user's focus areas of the promise the row names."""
    angered = make_promise("Angered", slug="angered")
    angered_school = make_focus_area(angered, "Skola")
    other = make_promise("Bergsjön", slug="bergsjon")
    make_focus_area(other, "Skola")
    angered.coordinators.add(backa["coordinator"])
    widget = SubPromiseResource(user=backa["coordinator"]).fields["focus_area"].widget
    assert widget.clean("Skola", row={"löfte": "angered"}) == angered_school
    assert widget.clean("Skola", row={"löfte": "hisings-backa"}) == backa["area"]
    with pytest.raises(FocusArea.DoesNotExist):
        widget.clean("Skola", row={"löfte": "bergsjon"})


def test_sub_promise_preview_reads_as_much_for_two_rows_as_for_six(client, backa):
    client.force_login(backa["coordinator"])

    def queries(rows: int) -> int:
        content = HEADER + "".join(
            f"hisings-backa,Skola,{n},Dellöfte {n},,,,,Ellen Keyskolan,Familjebostäder\n"
            for n in range(2, 2 + rows)
        )
        with CaptureQueriesContext(connection) as captured:
            preview(client, "lofte_subpromise", content)
        return len(captured)

    assert queries(2) == queries(6)


# --- What a partner has written is never changed by import --------------------------------


def test_only_a_partners_saved_contribution_keeps_its_report_from_import(client, backa):
    """A contribution the co-partner has saved protects its own report; one never saved, or
    one on another report, does not."""
    other = make_sub_promise(backa["area"], backa["school"], backa["housing"], title="Läxhjälp")
    period = make_period(backa["promise"], name="Hösten 2024", is_open=False)
    written = make_report(backa["sub"], period, achieved="Före")
    open_draft = make_report(other, period, achieved="Före")
    # A report of another round, which the file does not name.
    spring = make_report(other, make_period(backa["promise"], name="Våren 2024", is_open=False))
    Contribution.objects.create(
        report=written, partner=backa["housing"], achieved="Vårt bidrag", saved_at=timezone.now()
    )
    Contribution.objects.create(report=open_draft, partner=backa["housing"], achieved="Utkast")
    client.force_login(backa["coordinator"])

    refused = preview(
        client,
        "followup_statusreport",
        REPORT_HEADER + f"hisings-backa,Hösten 2024,{backa['sub'].pk},Genomfört,Efter,,\n",
    )
    assert [
        str(m) for row in refused.context["result"].invalid_rows for m in row.error.messages
    ] == [
        f"En part har redan skrivit rapporten om dellöfte {backa['sub'].pk}; en import ändrar "
        "aldrig det som en part har sparat."
    ]
    content = REPORT_HEADER + f"hisings-backa,Hösten 2024,{other.pk},Genomfört,Efter,,\n"
    confirm(client, "followup_statusreport", preview(client, "followup_statusreport", content))
    written.refresh_from_db()
    open_draft.refresh_from_db()
    spring.refresh_from_db()
    assert (written.achieved, open_draft.achieved, spring.achieved) == ("Före", "Efter", "")


def test_a_report_a_partner_saved_is_kept_from_import_even_without_contributions(client, backa):
    """A draft the lead partner's reporter has saved is theirs: the import refuses its row."""
    period = make_period(backa["promise"], name="Hösten 2024", is_open=False)
    saved = make_report(backa["sub"], period, achieved="Partens text", saved_at=timezone.now())
    client.force_login(backa["coordinator"])

    content = REPORT_HEADER + f"hisings-backa,Hösten 2024,{backa['sub'].pk},Genomfört,Efter,,\n"
    checked = preview(client, "followup_statusreport", content)
    assert [
        str(m) for row in checked.context["result"].invalid_rows for m in row.error.messages
    ] == [
        f"En part har redan skrivit rapporten om dellöfte {backa['sub'].pk}; en import ändrar "
        "aldrig det som en part har sparat."
    ]
    assert "confirm_form" not in checked.context
    saved.refresh_from_db()
    assert (saved.achieved, saved.status) == ("Partens text", "not_started")


def test_status_reports_are_told_apart_by_round_and_whole_sub_promise_number(client, backa):
    """The same sub-promise in two rounds is two reports; "7.0" (as a spreadsheet writes 7)
    is sub-promise 7; "not done" with a reason in "hinder" is accepted."""
    autumn = make_period(backa["promise"], name="Hösten 2024", is_open=False)
    spring = make_period(backa["promise"], name="Våren 2025", is_open=False)
    earlier = make_report(backa["sub"], autumn, achieved="Före")
    pk = backa["sub"].pk
    client.force_login(backa["coordinator"])
    content = (
        REPORT_HEADER
        + f"hisings-backa,Hösten 2024,{pk}.0,Ej genomfört,,Regn hela hösten,\n"
        + f"hisings-backa,Våren 2025,{pk},Genomfört,Gjort,,\n"
    )
    checked = preview(client, "followup_statusreport", content)
    confirm(client, "followup_statusreport", checked)
    earlier.refresh_from_db()
    assert (earlier.status, earlier.obstacles) == ("not_done", "Regn hela hösten")
    assert backa["sub"].reports.get(period=spring).achieved == "Gjort"
    assert backa["sub"].reports.count() == 2


def test_status_report_rows_name_what_is_wrong_with_them(client, backa):
    make_period(backa["promise"], name="Hösten 2024", is_open=False)
    client.force_login(backa["coordinator"])
    content = (
        REPORT_HEADER
        + f"angered,Hösten 2024,{backa['sub'].pk},Genomfört,,,\n"
        + "hisings-backa,Hösten 2024,,Genomfört,,,\n"
    )
    checked = preview(client, "followup_statusreport", content)
    errors = [
        [str(m) for m in row.error.messages] for row in checked.context["result"].invalid_rows
    ]
    assert errors == [
        ["”angered” är inte ett av de medborgarlöften du samordnar."],
        ["Löftet har inget dellöfte med nummer –."],
    ]


# --- Partners: kinds by name, each row tied to the coordinator's promises -----------------

PARTNER_HEADER = "namn,typ,e-post,löften\n"


def test_partner_import_reads_the_kind_by_name_and_links_each_named_promise(client, backa):
    angered = make_promise("Angered", slug="angered")
    angered.coordinators.add(backa["coordinator"])
    client.force_login(backa["coordinator"])
    content = (
        PARTNER_HEADER
        + "Backaskolan,Skola,,hisings-backa\n"
        + "Ellen Keyskolan,övrigt,,hisings-backa; angered\n"
    )
    confirm(client, "parties_partner", preview(client, "parties_partner", content))
    backaskolan = Partner.objects.get(name="Backaskolan")
    assert backaskolan.kind == "school"
    assert list(backaskolan.promises.values_list("slug", flat=True)) == ["hisings-backa"]
    assert set(backa["school"].promises.values_list("slug", flat=True)) == {
        "hisings-backa",
        "angered",
    }
    # The same file again changes nothing: every row is reported unchanged.
    again = preview(client, "parties_partner", content)
    assert again.context["result"].totals["skip"] == 2


def test_a_coordinators_partner_row_must_name_promises_of_theirs(client, backa):
    client.force_login(backa["coordinator"])
    content = PARTNER_HEADER + "Backaskolan,Skola,,\n" + "Hjällboskolan,Skola,,angered\n"
    checked = preview(client, "parties_partner", content)
    errors = [
        [str(m) for m in row.error.messages] for row in checked.context["result"].invalid_rows
    ]
    assert errors == [
        ["Ange vilka medborgarlöften samverkansparten deltar i (”löften”)."],
        ["”angered” är inte ett av de medborgarlöften du samordnar."],
    ]
    assert not Partner.objects.filter(name__in=["Backaskolan", "Hjällboskolan"]).exists()


def test_a_round_or_sub_promise_not_found_up_front_is_looked_up_among_the_users(backa):
    period = make_period(backa["promise"], name="Hösten 2024", is_open=False)
    angered = make_promise("Angered", slug="angered")
    make_period(angered, name="Hösten 2024", is_open=False)
    resource = StatusReportResource(user=backa["coordinator"])
    row = {"löfte": "hisings-backa"}
    assert resource.fields["period"].widget.clean("Hösten 2024", row=row) == period
    assert (
        resource.fields["sub_promise"].widget.clean(str(backa["sub"].pk), row=row) == backa["sub"]
    )
    with pytest.raises(ReportingPeriod.DoesNotExist):
        resource.fields["period"].widget.clean("Hösten 2024", row={"löfte": "angered"})


def test_a_partners_field_error_is_named_by_the_files_column(client, backa):
    client.force_login(backa["coordinator"])
    content = PARTNER_HEADER + "Backaskolan,Skola,inte en adress,hisings-backa\n"
    checked = preview(client, "parties_partner", content)
    (row,) = checked.context["result"].invalid_rows
    assert list(row.error_dict) == ["e-post"]
    assert not Partner.objects.filter(name="Backaskolan").exists()


@pytest.mark.parametrize("only", ["add_subpromise", "change_subpromise"])
def test_importing_needs_both_the_add_and_the_change_permission(client, only):
    promise = make_promise(slug="backa")
    user = make_user(is_staff=True)
    promise.coordinators.add(user)
    user.user_permissions.add(
        Permission.objects.get(codename=only),
        Permission.objects.get(codename="view_subpromise"),
    )
    client.force_login(user)
    assert client.get(reverse("admin:lofte_subpromise_import")).status_code == 403
    assert client.get(reverse("admin:lofte_subpromise_import_template")).status_code == 403
    page = client.get(reverse("admin:lofte_subpromise_changelist"))
    assert page.status_code == 200
    assert reverse("admin:lofte_subpromise_import") not in page.content.decode()
