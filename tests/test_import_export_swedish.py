"""Import and export in Swedish: column names on the export page and in the file, file names,
a template to download, round trips, and a preview that shows every column and every error."""

import io
from urllib.parse import unquote

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from followup.models import StatusReport
from lofte.models import SubPromise

from .conftest import make_report
from .test_import_export import SUB_HEADER, csv_rows, data, export, import_file  # noqa: F401

pytestmark = pytest.mark.django_db


def test_export_page_names_the_columns_as_the_file_does(client, data):  # noqa: F811
    client.force_login(data["coordinator"])
    page = client.get(reverse("admin:lofte_subpromise_export")).content.decode()
    assert ">fokusområde</label>" in page and ">ansvarig part</label>" in page
    assert "Focus Area" not in page and "Lead Partner" not in page
    # "Välj alla" is a labelled box, bound without inline script.
    assert 'id="select-all-toggle"' in page and 'for="select-all-toggle"' in page
    assert "onchange=" not in page


def test_export_file_is_named_in_swedish_after_the_promise(client, data):  # noqa: F811
    client.force_login(data["coordinator"])
    url = reverse("admin:lofte_subpromise_export")
    form = client.get(url).context["form"]
    fields = {n: "on" for n, f in form.fields.items() if getattr(f, "is_selectable_field", 0)}
    response = client.post(url, {"format": "0", "resource": 0, **fields})
    disposition = unquote(response["Content-Disposition"])
    today = timezone.localdate().isoformat()
    assert f"dellöften-hisings-backa-{today}." in disposition
    assert disposition.startswith("attachment;")
    # The name with ö is written as RFC 6266 asks, not raw.
    assert "filename*=utf-8''" in response["Content-Disposition"]


def test_template_has_the_exported_columns_and_imports(client, data):  # noqa: F811
    client.force_login(data["coordinator"])
    response = client.get(reverse("admin:lofte_subpromise_import_template"))
    assert response["Content-Disposition"].startswith("attachment;")  # saved, not shown
    assert "dell%C3%B6ften-mall.xlsx" in response["Content-Disposition"]
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    headers = [c.value for c in sheet[1]]
    assert headers == SUB_HEADER.strip().split(",")
    sheet.append(["hisings-backa", "Skola", 2, "Läxhjälp", "", "", "", "", "Familjebostäder", ""])
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    _, done = import_file(client, "lofte_subpromise", buffer.getvalue(), "m.xlsx", "xlsx")
    assert done is not None
    assert SubPromise.objects.filter(title="Läxhjälp").exists()
    # The import page links to it.
    page = client.get(reverse("admin:lofte_subpromise_import")).content.decode()
    assert reverse("admin:lofte_subpromise_import_template") in page


def test_template_needs_import_permission(client, data):  # noqa: F811
    from .conftest import make_user

    client.force_login(make_user(is_staff=True))
    response = client.get(reverse("admin:lofte_subpromise_import_template"))
    assert response.status_code == 403


def test_status_reports_round_trip_with_swedish_headers(client, data):  # noqa: F811
    report = make_report(data["sub"], data["period"], achieved="Tusen frukostar")
    data["period"].is_open = False
    data["period"].save()
    client.force_login(data["coordinator"])
    content = export(client, "followup_statusreport", "csv")
    rows = csv_rows(content)
    assert rows[0] == [
        "löfte",
        "omgång",
        "dellöfte-id",
        "dellöfte",
        "fokusområde",
        "status",
        "vad som gjorts",
        "hinder",
        "nästa steg",
        "tillstånd",
        "bidrag",
    ]
    before = list(StatusReport.objects.values())
    preview, _ = import_file(client, "followup_statusreport", content, "r.csv", "csv")
    result = preview.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert [row.import_type for row in result.valid_rows()] == ["skip"]
    assert list(StatusReport.objects.values()) == before
    assert report.history.count() == 1


def test_preview_shows_partners_a_summary_and_a_filter(client, data):  # noqa: F811
    client.force_login(data["coordinator"])
    content = (
        SUB_HEADER
        + "hisings-backa,Skola,1,Frukost i skolan,,Frukostar,st,1000,"
        + "Ellen Keyskolan,Familjebostäder\n"
        + "hisings-backa,Skola,2,Läxhjälp,,,,,Familjebostäder,Ellen Keyskolan\n"
    ).encode()
    preview, _ = import_file(client, "lofte_subpromise", content, "d.csv", "csv", confirm=False)
    page = preview.content.decode()
    assert "1 ny, 0 ändrade, 1 oförändrade" in page
    # The summary comes before the confirm button.
    assert page.index("1 ny, 0 ändrade") < page.index("Bekräfta import")
    new_row = next(r for r in preview.context["result"].valid_rows() if r.import_type == "new")
    cells = " ".join(new_row.diff)
    assert "Familjebostäder" in cells and "Ellen Keyskolan" in cells
    tbody = page.split("<tbody>")[-1]
    assert tbody.count("Familjebostäder") >= 2 and tbody.count("Ellen Keyskolan") >= 2
    assert 'id="only-changes"' in page and 'for="only-changes"' in page


def test_preview_shows_each_rows_error_on_the_page(client, data):  # noqa: F811
    client.force_login(data["coordinator"])
    content = (SUB_HEADER + "hisings-backa,Fritid,3,Fotboll,,,,,Backa <IK>,\n").encode()
    preview, done = import_file(client, "lofte_subpromise", content, "d.csv", "csv")
    assert done is None
    page = preview.content.decode()
    errors = page.split('class="row-errors"')[1].split("</td>")[0]
    assert "Löftet har inget fokusområde som heter ”Fritid”." in errors
    assert "”Backa &lt;IK&gt;” är ingen samverkanspart" in errors
    assert "validation-error-container" not in page  # nothing behind a hover
    assert "1 rad har fel; inget importerades." in page
