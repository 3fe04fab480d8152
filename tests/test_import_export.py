"""Coordinators round-trip partners, sub-promises and reports through csv and Excel."""

import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from followup.models import StatusReport
from lofte.models import SubPromise
from parties.models import Partner

from .conftest import (
    STOCKHOLM,
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
def data():
    mine = make_promise("Hisings Backa", slug="hisings-backa")
    # Of another municipality, whose partners the coordinator never sees.
    theirs = make_promise("Angered", slug="angered", municipalities=(STOCKHOLM,))
    school = make_partner("Ellen Keyskolan", kind="school")
    housing = make_partner("Familjebostäder", kind="housing")
    area = make_focus_area(mine, "Skola")
    sub = make_sub_promise(
        area,
        school,
        housing,
        title="Frukost i skolan",
        indicator_label="Frukostar",
        indicator_unit="st",
        indicator_target=1000,
    )
    make_sub_promise(
        make_focus_area(theirs, "Trygghet"),
        make_partner("Angeredsbostäder", municipality_id=STOCKHOLM),
        title="Trapphus",
    )
    period = make_period(mine, name="Våren 2025")
    return {
        "mine": mine,
        "theirs": theirs,
        "area": area,
        "sub": sub,
        "period": period,
        "coordinator": make_coordinator(mine, "samordnare"),
    }


def format_index(model_admin_url: str, client, name: str) -> str:
    """The import/export form's choice value for a format (by its label, e.g. "csv")."""
    response = client.get(model_admin_url)
    form = response.context["form"]
    for value, label in form.fields["format"].choices:
        if str(label).lower() == name:
            return value
    raise AssertionError(f"no format {name}")


def export(client, model: str, fmt: str) -> bytes:
    url = reverse(f"admin:{model}_export")
    form = client.get(url).context["form"]
    data = {"format": format_index(url, client, fmt), "resource": 0}
    for name, field in form.fields.items():
        if getattr(field, "is_selectable_field", False):
            data[name] = "on"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "html" not in response["Content-Type"]
    return response.getvalue()


def csv_rows(content: bytes) -> list[list[str]]:
    import csv

    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def import_file(client, model: str, content: bytes, name: str, fmt: str, confirm=True, **options):
    """Uploads a file; returns (preview response, confirm response or None)."""
    url = reverse(f"admin:{model}_import")
    upload = io.BytesIO(content)
    upload.name = name
    preview = client.post(
        url, {"format": format_index(url, client, fmt), "import_file": upload, **options}
    )
    assert preview.status_code == 200
    confirm_form = preview.context.get("confirm_form")
    if not confirm or confirm_form is None:
        return preview, None
    data = {name: value for name, value in confirm_form.initial.items() if value is not None}
    done = client.post(reverse(f"admin:{model}_process_import"), data, follow=True)
    return preview, done


SUB_HEADER = (
    "löfte,fokusområde,nummer,rubrik,beskrivning,indikator,enhet,mål,"
    "ansvarig part,medverkande parter\n"
)


def test_sub_promise_export_holds_only_own_promise_csv(client, data):
    client.force_login(data["coordinator"])
    rows = csv_rows(export(client, "lofte_subpromise", "csv"))
    assert rows[0][:3] == ["löfte", "fokusområde", "nummer"]
    assert [row[3] for row in rows[1:]] == ["Frukost i skolan"]
    assert rows[1][8:] == ["Ellen Keyskolan", "Familjebostäder"]


def test_sub_promise_round_trip_through_excel_changes_nothing(client, data):
    client.force_login(data["coordinator"])
    content = export(client, "lofte_subpromise", "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert [c.value for c in sheet[2]][3] == "Frukost i skolan"
    before = list(SubPromise.objects.values())
    preview, _ = import_file(client, "lofte_subpromise", content, "d.xlsx", "xlsx")
    assert "Oförändrad" in preview.content.decode()
    assert list(SubPromise.objects.values()) == before


def test_import_creates_and_then_skips_the_same_file(client, data):
    client.force_login(data["coordinator"])
    content = (
        SUB_HEADER + "hisings-backa,Skola,2,Läxhjälp,,,,,Familjebostäder,Ellen Keyskolan\n"
    ).encode()
    _, done = import_file(client, "lofte_subpromise", content, "d.csv", "csv")
    assert done is not None
    sub = SubPromise.objects.get(title="Läxhjälp")
    assert sub.focus_area == data["area"]
    assert dict(sub.responsibilities.values_list("partner__name", "role")) == {
        "Familjebostäder": "lead",
        "Ellen Keyskolan": "co",
    }
    history = sub.history.count()
    import_file(client, "lofte_subpromise", content, "d.csv", "csv")
    assert SubPromise.objects.filter(title="Läxhjälp").count() == 1
    assert sub.history.count() == history


def test_import_changes_the_lead(client, data):
    client.force_login(data["coordinator"])
    content = (
        SUB_HEADER
        + "hisings-backa,Skola,1,Frukost i skolan,,Frukostar,st,1000,"
        + "Familjebostäder,Ellen Keyskolan\n"
    ).encode()
    import_file(client, "lofte_subpromise", content, "d.csv", "csv")
    roles = dict(data["sub"].responsibilities.values_list("partner__name", "role"))
    assert roles == {"Familjebostäder": "lead", "Ellen Keyskolan": "co"}


def test_a_bad_row_imports_nothing_and_says_why(client, data):
    client.force_login(data["coordinator"])
    content = (
        SUB_HEADER
        + "hisings-backa,Skola,2,Läxhjälp,,,,,Familjebostäder,\n"
        + "hisings-backa,Fritid,3,Fotboll,,,,,Backa IK,\n"
        + "angered,Trygghet,2,Smygimport,,,,,Angeredsbostäder,\n"
    ).encode()
    preview, done = import_file(client, "lofte_subpromise", content, "d.csv", "csv")
    assert done is None
    page = preview.content.decode()
    assert "Löftet har inget fokusområde som heter ”Fritid”." in page
    assert "”Backa IK” är ingen samverkanspart i detta löfte" in page
    assert "”angered” är inte ett av de medborgarlöften du samordnar." in page
    rows = [row.number for row in preview.context["result"].invalid_rows]
    assert rows == [2, 3]
    assert not SubPromise.objects.filter(title__in=["Läxhjälp", "Fotboll", "Smygimport"]).exists()


def test_confirming_a_file_with_errors_still_imports_nothing(data):
    """Even without the preview step, one invalid row rolls back the whole file."""
    import tablib

    from lofte.spreadsheets.resources import SubPromiseResource

    dataset = tablib.Dataset().load(
        SUB_HEADER
        + "hisings-backa,Skola,2,Läxhjälp,,,,,Familjebostäder,\n"
        + "hisings-backa,Skola,3,Fotboll,,,,,Okänd förening,\n",
        format="csv",
    )
    result = SubPromiseResource(user=data["coordinator"]).import_data(
        dataset, dry_run=False, rollback_on_validation_errors=True
    )
    assert result.has_validation_errors()
    assert not SubPromise.objects.filter(title="Läxhjälp").exists()


def test_exports_escape_formulas_in_csv_and_excel(client, data):
    data["sub"].title = '=HYPERLINK("http://evil","klicka")'
    data["sub"].description = "+46 31 00 00 00"
    data["sub"].save()
    client.force_login(data["coordinator"])
    row = csv_rows(export(client, "lofte_subpromise", "csv"))[1]
    assert row[3] == '\'=HYPERLINK("http://evil","klicka")'
    assert row[4] == "'+46 31 00 00 00"
    sheet = openpyxl.load_workbook(io.BytesIO(export(client, "lofte_subpromise", "xlsx"))).active
    cell = sheet.cell(row=2, column=4)
    assert cell.data_type == "s"
    assert cell.value == '\'=HYPERLINK("http://evil","klicka")'


def test_escaped_cells_import_back_unchanged(client, data):
    data["sub"].title = "=1+1"
    data["sub"].save()
    client.force_login(data["coordinator"])
    content = export(client, "lofte_subpromise", "csv")
    import_file(client, "lofte_subpromise", content, "d.csv", "csv")
    data["sub"].refresh_from_db()
    assert data["sub"].title == "=1+1"


def test_partner_export_and_import_are_scoped(client, data):
    client.force_login(data["coordinator"])
    rows = csv_rows(export(client, "parties_partner", "csv"))
    # Each partner with its municipality's code (partners belong to a municipality).
    assert rows[0] == ["namn", "kommunkod", "typ", "e-post", "löften"]
    assert sorted(row[:2] for row in rows[1:]) == [
        ["Ellen Keyskolan", "1480"],
        ["Familjebostäder", "1480"],
    ]
    assert {row[4] for row in rows[1:]} == {"hisings-backa"}
    content = (
        "namn,kommunkod,typ,e-post,löften\n"
        "Backa IK,,association,info@backaik.se,hisings-backa\n"
        "Angeredsbostäder,0180,housing,ny@example.org,hisings-backa\n"
    ).encode()
    preview, done = import_file(client, "parties_partner", content, "p.csv", "csv")
    assert done is None
    assert "”0180” är inte en av dina kommuner" in preview.content.decode()
    assert not Partner.objects.filter(name="Backa IK").exists()
    content = b"namn,typ,e-post,l\xc3\xb6ften\nBacka IK,association,info@backaik.se,hisings-backa\n"
    _, done = import_file(client, "parties_partner", content, "p.csv", "csv")
    assert data["mine"].partners.get(name="Backa IK").municipality_id == "1480"
    assert Partner.objects.get(name="Angeredsbostäder").email == ""


def test_status_reports_import_content_but_never_state(client, data):
    report = make_report(data["sub"], data["period"])
    client.force_login(data["coordinator"])
    rows = csv_rows(export(client, "followup_statusreport", "csv"))
    assert rows[0][:3] == ["löfte", "omgång", "dellöfte-id"]
    assert len(rows) == 2
    content = (
        "löfte,omgång,dellöfte-id,status,vad som gjorts,hinder,nästa steg,tillstånd\n"
        f"hisings-backa,Våren 2025,{data['sub'].pk},Genomfört,1 200 frukostar,,,Godkänd\n"
    ).encode()
    _, done = import_file(
        client, "followup_statusreport", content, "r.csv", "csv", into_open_rounds="on"
    )
    assert done is not None
    report.refresh_from_db()
    assert report.status == StatusReport.Status.DONE
    assert report.achieved == "1 200 frukostar"
    assert report.state == StatusReport.State.DRAFT
    assert report.version == 2  # a partner's open form now meets a conflict, not a silent loss


def test_submitted_reports_are_not_changed_by_import(client, data):
    report = make_report(
        data["sub"],
        data["period"],
        state="submitted",
        submitted_at=timezone.now(),
        achieved="Tusen frukostar",
    )
    client.force_login(data["coordinator"])
    content = (
        "löfte,omgång,dellöfte-id,status,vad som gjorts,hinder,nästa steg\n"
        f"hisings-backa,Våren 2025,{data['sub'].pk},Genomfört,Något annat,,\n"
    ).encode()
    preview, done = import_file(
        client, "followup_statusreport", content, "r.csv", "csv", into_open_rounds="on"
    )
    assert done is None
    assert "kan inte ändras genom import" in preview.content.decode()
    report.refresh_from_db()
    assert (report.achieved, report.version) == ("Tusen frukostar", 1)


def test_status_report_import_refuses_other_promises(client, data):
    other_sub = SubPromise.objects.get(title="Trapphus")
    client.force_login(data["coordinator"])
    content = (
        "löfte,omgång,dellöfte-id,status,vad som gjorts,hinder,nästa steg\n"
        f"hisings-backa,Våren 2025,{other_sub.pk},Genomfört,Smyg,,\n"
        "hisings-backa,Våren 2025,x,Ej genomfört,,,\n"
    ).encode()
    preview, done = import_file(client, "followup_statusreport", content, "r.csv", "csv")
    assert done is None
    page = preview.content.decode()
    assert f"Löftet har inget dellöfte med nummer {other_sub.pk}." in page
    assert "behöver en förklaring" in page
    assert not StatusReport.objects.exists()


def test_coordinator_of_another_promise_exports_none_of_mine(client, data):
    client.force_login(make_coordinator(data["theirs"]))
    rows = csv_rows(export(client, "lofte_subpromise", "csv"))
    assert [row[3] for row in rows[1:]] == ["Trapphus"]


def test_status_reports_go_into_an_open_round_only_when_asked(client, data):
    client.force_login(data["coordinator"])
    content = (
        "löfte,omgång,dellöfte-id,status,vad som gjorts,hinder,nästa steg\n"
        f"hisings-backa,Våren 2025,{data['sub'].pk},Genomfört,Importerat,,\n"
    ).encode()
    preview, done = import_file(client, "followup_statusreport", content, "r.csv", "csv")
    assert done is None
    assert "Omgången ”Våren 2025” är öppen" in preview.content.decode()
    assert not StatusReport.objects.exists()
    data["period"].is_open = False
    data["period"].save()
    _, done = import_file(client, "followup_statusreport", content, "r.csv", "csv")
    assert done is not None
    assert StatusReport.objects.get().achieved == "Importerat"


@pytest.mark.parametrize(
    "model",
    ["lofte_subpromise", "parties_partner", "followup_statusreport", "outcomes_indicatorvalue"],
)
@pytest.mark.parametrize("step", ["import", "export"])
def test_only_the_tested_formats_are_offered(client, data, model, step):
    client.force_login(data["coordinator"])
    url = reverse(f"admin:{model}_{step}")
    form = client.get(url).context["form"]
    labels = [str(label).lower() for value, label in form.fields["format"].choices if value != ""]
    assert labels == ["csv", "xlsx"]


def test_a_format_that_is_not_offered_is_a_form_error(client, data):
    client.force_login(data["coordinator"])
    url = reverse("admin:parties_partner_export")
    response = client.post(url, {"format": "7", "resource": 0, "name": "on"})
    assert response.status_code == 200
    assert "format" in response.context["form"].errors
    upload = io.BytesIO(b"namn\nNy part\n")
    upload.name = "parter.html"
    response = client.post(
        reverse("admin:parties_partner_import"), {"format": "7", "import_file": upload}
    )
    assert response.status_code == 200
    assert "format" in response.context["form"].errors
    assert not Partner.objects.filter(name="Ny part").exists()
