"""Admin exports are written row by row: a csv is streamed, an xlsx answered from a
temporary file, and the worker writes its file the same way. The files hold the very cells
django-import-export's own export (a tablib Dataset, then the file) held, hostile cells
included, and cost the same queries whatever the number of rows."""

import io
from decimal import Decimal

import openpyxl
import pytest
import tablib
from django.contrib import admin
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from import_export.admin import ExportMixin
from openpyxl.worksheet import _writer as openpyxl_writer

from followup.models import Contribution, StatusReport
from lofte.models import ExportJob, Promise, SubPromise
from lofte.spreadsheets import exports, writers
from lofte.spreadsheets.resources import FORMULA_STARTS
from outcomes.models import Indicator, IndicatorValue
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
    make_user,
    run_queued_tasks,
)
from .test_import_export import csv_rows

pytestmark = pytest.mark.django_db

MODELS = {
    "lofte_subpromise": SubPromise,
    "parties_partner": Partner,
    "followup_statusreport": StatusReport,
    "outcomes_indicatorvalue": IndicatorValue,
}
# Every start a spreadsheet would run, and text that must come through unchanged.
HOSTILE = ["=SUMMA(A1:A9)", "+46 31 00 00", "-5 grader", "@kommun", "\tflik", "\rretur"]


def make_rows(promise, count: int, *, hostile: bool = False) -> None:
    """`count` sub-promises of `promise`, each with a report and a co-partner's contribution,
    and an indicator with `count` yearly values; with `hostile`, cells that begin as
    formulas, Swedish letters and line breaks."""
    indicator = Indicator.objects.create(
        promise=promise, position=1, name=f"{HOSTILE[0]}Trygghet å ä ö" if hostile else "Trygghet"
    )
    area = make_focus_area(promise, "Skola och fritid")
    period = make_period(promise, name="Våren 2025")
    place = promise.municipalities.get().code  # the partners are of the promise's municipality
    lead = make_partner(
        f"{HOSTILE[4]}Åsa Ärlig Öberg {promise.pk}" if hostile else None, municipality_id=place
    )
    now = timezone.now()
    for n in range(count):
        text = HOSTILE[n % len(HOSTILE)] if hostile else f"Text {n}"
        co = make_partner(
            f"{HOSTILE[n % len(HOSTILE)]}Bostäder {promise.pk}-{n}" if hostile else None,
            email=f"part{promise.pk}-{n}@example.org",
            kind="housing",
            municipality_id=place,
        )
        sub = make_sub_promise(
            area,
            lead,
            co,
            title=f"{text} dellöfte {n}",
            description=f"{text}\nandra raden: åäö ÅÄÖ" if hostile else "",
            indicator_label=text,
            indicator_unit="st",
            indicator_target=Decimal("12.5") if n % 2 else None,
        )
        report = make_report(
            sub,
            period,
            status="done",
            achieved=text,
            obstacles=f"{text}\r\nmer" if hostile else "",
            next_steps="Nästa steg för år 2026",
            state="submitted",
            submitted_at=now,
        )
        Contribution.objects.create(
            report=report,
            partner=co,
            achieved=f"{text} tillsammans",
            state="ready",
            saved_at=now,
            ready_at=now,
        )
        IndicatorValue.objects.create(
            indicator=indicator,
            year=2000 + n,
            value=Decimal(n) / 4,
            source=f"{text}\nkälla" if hostile else "",
            note=text,
        )


def form_data(model: str, fmt: str, columns: int | None = None) -> dict:
    """The export form as a coordinator posts it: the format, and all columns or the first."""
    model_admin = admin.site._registry[MODELS[model]]
    request = RequestFactory().get("/")
    form = model_admin.get_export_form_class()(
        model_admin.get_export_formats(), model_admin.get_export_resource_classes(request)
    )
    data = {"resource": 0}
    for value, label in form.fields["format"].choices:
        if str(label).lower() == fmt:
            data["format"] = value
    names = [n for n, f in form.fields.items() if getattr(f, "is_selectable_field", False)]
    return data | dict.fromkeys(names[:columns], "on")


def library_export(model: str, user, data: dict) -> bytes:
    """The file as django-import-export's own export made it (the code before streaming)."""
    model_admin = admin.site._registry[MODELS[model]]
    request = RequestFactory().post("/", data)
    request.user = user
    formats = model_admin.get_export_formats()
    form = model_admin.get_export_form_class()(
        formats, model_admin.get_export_resource_classes(request), data=request.POST
    )
    assert form.is_valid(), form.errors
    file_format = formats[int(form.cleaned_data["format"])]()
    queryset = model_admin.get_export_queryset(request)
    content = ExportMixin.get_export_data(
        model_admin,
        file_format,
        request,
        queryset,
        encoding=model_admin.to_encoding,
        export_form=form,
    )
    return content.encode() if isinstance(content, str) else content


def own_rows(model: str, count: int) -> int:
    """The rows an export of a promise made by `make_rows` holds (a partner leads them all)."""
    return count + 1 if model == "parties_partner" else count


def post_export(client, model: str, data: dict):
    return client.post(reverse(f"admin:{model}_export"), data)


def sheet_of(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content)).active


def cells(sheet) -> list[list[tuple]]:
    """Each cell's value, type, boldness and wrapping."""
    return [
        [(c.value, c.data_type, c.font.b, c.alignment.wrap_text) for c in row]
        for row in sheet.iter_rows()
    ]


def looks(sheet) -> dict:
    return {
        "title": sheet.title,
        "freeze": sheet.freeze_panes,
        "widths": {k: d.width for k, d in sheet.column_dimensions.items()},
    }


@pytest.fixture
def backa():
    promise = make_promise("Hisings Backa", slug="hisings-backa")
    make_rows(promise, 8, hostile=True)
    # Another municipality's promise: none of its rows, partners included, are the user's.
    make_rows(make_promise("Angered", slug="angered", municipalities=(STOCKHOLM,)), 3, hostile=True)
    return {"promise": promise, "coordinator": make_coordinator(promise)}


@pytest.mark.parametrize("columns", [None, 3], ids=["all-columns", "three-columns"])
@pytest.mark.parametrize("model", MODELS)
def test_a_streamed_csv_is_byte_for_byte_the_librarys(client, backa, model, columns):
    data = form_data(model, "csv", columns)
    before = library_export(model, backa["coordinator"], data)
    client.force_login(backa["coordinator"])
    response = post_export(client, model, data)
    assert isinstance(response, StreamingHttpResponse) and response.streaming
    content = response.getvalue()
    assert content == before
    rows = csv_rows(content)
    assert len(rows) == 1 + own_rows(model, 8)
    if columns is None:
        text = content.decode()
        assert all(f"'{start}" in text for start in HOSTILE)


@pytest.mark.parametrize("columns", [None, 3], ids=["all-columns", "three-columns"])
@pytest.mark.parametrize("model", MODELS)
def test_a_streamed_xlsx_holds_the_cells_of_the_librarys(client, backa, model, columns):
    data = form_data(model, "xlsx", columns)
    before = sheet_of(library_export(model, backa["coordinator"], data))
    client.force_login(backa["coordinator"])
    response = post_export(client, model, data)
    assert isinstance(response, FileResponse) and response.streaming
    content = response.getvalue()
    assert int(response["Content-Length"]) == len(content)
    after = sheet_of(content)
    assert cells(after) == cells(before)
    assert looks(after) == looks(before)
    assert looks(after)["freeze"] == "A2" and len(looks(after)["widths"]) == after.max_column
    values = [value for row in after.iter_rows(min_row=2, values_only=True) for value in row]
    assert not any(isinstance(v, str) and v.startswith(FORMULA_STARTS) for v in values)
    assert all(c.data_type != "f" for row in after.iter_rows() for c in row)


def test_cells_of_every_kind_are_written_as_tablib_wrote_them():
    headers = ["text", "number", "empty", "date", "other"]
    rows = [
        ["kort", 1, None, timezone.localdate(), Decimal("2.50")],
        ["två\nrader", 12.5, "", None, ["en", "lista"]],
        ["#N/A", True, "x" * 40, None, None],
    ]
    before = tablib.Dataset(*rows, headers=headers).export("xlsx")
    after = io.BytesIO()
    writers.write_xlsx(headers, rows, after)
    assert cells(sheet_of(after.getvalue())) == cells(sheet_of(before))
    assert looks(sheet_of(after.getvalue())) == looks(sheet_of(before))


def test_an_export_read_in_chunks_holds_the_same_rows_and_builds_no_dataset(
    client, backa, monkeypatch
):
    before = {
        model: library_export(model, backa["coordinator"], form_data(model, "csv"))
        for model in MODELS
    }
    monkeypatch.setattr(exports, "CHUNK_SIZE", 3)  # 8 rows: three chunks
    monkeypatch.setattr(tablib.Dataset, "append", no_dataset)
    client.force_login(backa["coordinator"])
    for model in MODELS:
        assert post_export(client, model, form_data(model, "csv")).getvalue() == before[model]


def no_dataset(*args, **kwargs):
    raise AssertionError("a Dataset of all the rows")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    "model, budget",
    [
        ("lofte_subpromise", 11),
        ("parties_partner", 10),  # one of them the list's municipality filter's choices
        ("followup_statusreport", 13),
        ("outcomes_indicatorvalue", 9),
    ],
)
@pytest.mark.parametrize("size", [5, 60])
def test_an_export_costs_the_same_queries_at_5_and_60_rows(
    client, model, budget, fmt, size, django_assert_max_num_queries
):
    promise = make_promise()
    make_rows(promise, size)
    client.force_login(make_coordinator(promise))
    data = form_data(model, fmt)
    with django_assert_max_num_queries(budget):
        response = post_export(client, model, data)
        content = response.getvalue()
    if fmt == "csv":
        assert len(csv_rows(content)) == 1 + own_rows(model, size)
    else:
        assert sheet_of(content).max_row == 1 + own_rows(model, size)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_longer_export_costs_a_few_queries_a_chunk_not_a_query_a_row(client, fmt, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK_SIZE", 20)
    queries = {}
    for size in (20, 60):  # one chunk, then three
        promise = make_promise()
        make_rows(promise, size)
        client.force_login(make_coordinator(promise))
        with CaptureQueriesContext(connection) as done:
            response = post_export(
                client, "followup_statusreport", form_data("followup_statusreport", fmt)
            )
            response.getvalue()
        queries[size] = len(done)
    # Each further chunk: its contributions, its rounds and their promise.
    assert queries[60] - queries[20] == 2 * 3


def test_a_csv_export_is_streamed_with_its_swedish_file_name(client, backa):
    client.force_login(backa["coordinator"])
    response = post_export(client, "lofte_subpromise", form_data("lofte_subpromise", "csv"))
    assert response.streaming
    assert response["Content-Type"] == "text/csv"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f"attachment; filename*=utf-8''dell%C3%B6ften-hisings-backa-{today}.csv"
    )
    rows = csv_rows(b"".join(response.streaming_content))
    assert rows[0][:4] == ["löfte", "fokusområde", "nummer", "rubrik"]
    assert "'+46 31 00 00 dellöfte 1" in [row[3] for row in rows[1:]]
    assert {row[0] for row in rows[1:]} == {"hisings-backa"}


def test_a_big_csv_comes_in_pieces(client, monkeypatch):
    monkeypatch.setattr(writers, "CSV_PIECE", 200)
    promise = make_promise()
    make_rows(promise, 30)
    client.force_login(make_coordinator(promise))
    response = post_export(
        client, "followup_statusreport", form_data("followup_statusreport", "csv")
    )
    pieces = list(response.streaming_content)
    assert len(pieces) > 5
    assert len(csv_rows(b"".join(pieces))) == 31


@pytest.mark.parametrize("model", MODELS)
def test_each_export_holds_only_the_coordinators_rows(client, backa, model):
    client.force_login(make_coordinator(Promise.objects.get(slug="angered")))
    rows = csv_rows(post_export(client, model, form_data(model, "csv")).getvalue())
    assert len(rows) == 1 + own_rows(model, 3)
    column = rows[0].index("löften" if model == "parties_partner" else "löfte")
    assert {row[column] for row in rows[1:]} == {"angered"}


@pytest.mark.parametrize("model", MODELS)
def test_staff_without_a_role_gets_no_export(client, backa, model):
    client.force_login(make_user(is_staff=True))
    response = post_export(client, model, form_data(model, "csv"))
    assert response.status_code == 403
    assert not response.streaming and b"hisings-backa" not in response.content


def test_a_cell_a_sheet_cannot_hold_is_a_message_and_leaves_no_file(client, backa):
    SubPromise.objects.filter(focus_area__promise=backa["promise"]).update(title="Klocka\x07")
    files = list(openpyxl_writer.ALL_TEMP_FILES)
    client.force_login(backa["coordinator"])
    response = post_export(client, "lofte_subpromise", form_data("lofte_subpromise", "xlsx"))
    assert response.status_code == 200 and "html" in response["Content-Type"]
    (message,) = [str(m) for m in response.context["messages"]]
    assert "IllegalCharacterError" in message and "Klocka" not in message
    assert files == openpyxl_writer.ALL_TEMP_FILES


def test_cells_a_sheet_cannot_hold_are_replaced_as_the_library_did_when_so_set(
    client, backa, settings
):
    settings.IMPORT_EXPORT_ESCAPE_ILLEGAL_CHARS_ON_EXPORT = True
    SubPromise.objects.filter(focus_area__promise=backa["promise"]).update(title="Klocka\x07")
    data = form_data("lofte_subpromise", "xlsx")
    before = sheet_of(library_export("lofte_subpromise", backa["coordinator"], data))
    client.force_login(backa["coordinator"])
    after = sheet_of(post_export(client, "lofte_subpromise", data).getvalue())
    assert cells(after) == cells(before)
    assert after.cell(row=2, column=4).value == "Klocka\N{REPLACEMENT CHARACTER}"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_worker_writes_the_librarys_file_without_a_dataset(
    client, backa, fmt, settings, db_queue, monkeypatch
):
    settings.EXPORT_INLINE_MAX_ROWS = 3
    data = form_data("followup_statusreport", fmt)
    before = library_export("followup_statusreport", backa["coordinator"], data)
    monkeypatch.setattr(tablib.Dataset, "append", no_dataset)
    client.force_login(backa["coordinator"])
    assert post_export(client, "followup_statusreport", data).status_code == 302
    assert run_queued_tasks() == 1
    job = ExportJob.objects.get()
    assert job.state == ExportJob.State.READY, job.error
    if fmt == "csv":
        assert bytes(job.content) == before
    else:
        after, before = sheet_of(bytes(job.content)), sheet_of(before)
        assert (cells(after), looks(after)) == (cells(before), looks(before))
    assert job.filename.startswith("statusrapporter-hisings-backa-")


def test_a_report_export_names_its_state_and_each_saved_contribution_in_swedish(client):
    promise = make_promise("Hisings Backa", slug="hisings-backa")
    make_rows(promise, 2)
    lone = make_report(
        make_sub_promise(promise.focus_areas.get(), make_partner("Ensam")),
        promise.periods.get(),
        state="approved",
        submitted_at=timezone.now(),
        reviewed_at=timezone.now(),
    )
    Contribution.objects.create(report=lone, partner=make_partner("Osparad"), achieved="Utkast")
    first = Contribution.objects.get(report__sub_promise__title="Text 0 dellöfte 0")
    second = make_partner("Andra")
    Contribution.objects.create(
        report=first.report,
        partner=second,
        achieved="Mer",
        state="ready",
        saved_at=timezone.now(),
        ready_at=timezone.now(),
    )
    client.force_login(make_coordinator(promise))
    header, *rows = csv_rows(
        post_export(
            client, "followup_statusreport", form_data("followup_statusreport", "csv")
        ).getvalue()
    )
    by_title = {row[header.index("dellöfte")]: row for row in rows}
    assert set(by_title) == {"Text 0 dellöfte 0", "Text 1 dellöfte 1", lone.sub_promise.title}
    for n in range(2):
        row = by_title[f"Text {n} dellöfte {n}"]
        assert row[header.index("tillstånd")] == "Inskickad"
    # Each saved contribution by its partner's name, a blank line between them.
    assert by_title["Text 0 dellöfte 0"][header.index("bidrag")] == (
        f"Andra (klar): Mer\n\n{first.partner.name} (klar): Text 0 tillsammans"
    )
    co = Contribution.objects.get(report__sub_promise__title="Text 1 dellöfte 1")
    assert by_title["Text 1 dellöfte 1"][header.index("bidrag")] == (
        f"{co.partner.name} (klar): Text 1 tillsammans"
    )
    # Approved, and a contribution never saved is no part of the report.
    assert by_title[lone.sub_promise.title][header.index("tillstånd")] == "Godkänd"
    assert by_title[lone.sub_promise.title][header.index("bidrag")] == ""
