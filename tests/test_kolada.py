"""The Kolada connector: the real HTTP client against a local stub server that serves recorded
answers (tests/data/kolada/), on a free port of its own. Good answers are stored with their
source and fetch date; timeouts, 5xx, unknown KPIs and answers of another shape leave the
stored values as they were and say why."""

import json
import re
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from outcomes.kolada import KoladaClient, KoladaError, update_from_kolada
from outcomes.models import Indicator, IndicatorValue

from .conftest import make_coordinator, make_promise

pytestmark = pytest.mark.django_db

RECORDED = Path(__file__).resolve().parent / "data" / "kolada"
REAL_BASE = "https://api.kolada.se/v2"
DATA_PATH = "/v2/data/kpi/N07403/municipality/1480"


def recorded(name: str) -> bytes:
    return (RECORDED / name).read_bytes()


class Stub:
    """Routes (path with query) → (status, body, seconds to wait before answering)."""

    def __init__(self):
        self.routes: dict[str, tuple[int, bytes, float]] = {}
        self.requests: list[str] = []
        self.base = ""

    def serve(self, path: str, body: bytes, status: int = 200, delay: float = 0.0) -> None:
        self.routes[path] = (status, body, delay)

    def standard(self) -> None:
        self.serve("/v2/kpi/N07403", recorded("kpi_N07403.json"))
        self.serve(DATA_PATH, recorded("data_N07403_1480_page1.json"))
        self.serve(f"{DATA_PATH}?page=2&per_page=3", recorded("data_N07403_1480_page2.json"))


@pytest.fixture
def stub():
    state = Stub()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            state.requests.append(self.path)
            status, body, delay = state.routes.get(self.path, (404, b"Not found", 0.0))
            if delay:
                time.sleep(delay)
            # Recorded answers link pages on the real host; the stub links its own.
            body = body.replace(REAL_BASE.encode(), state.base.encode())
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (the timeout test)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.base = f"http://127.0.0.1:{server.server_address[1]}/v2"
    # A short poll interval: shutdown() waits up to one interval.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def kolada(stub, settings):
    settings.KOLADA_BASE_URL = stub.base
    settings.KOLADA_TIMEOUT = 0.5
    stub.standard()
    return stub


def make_indicator(promise=None, **fields) -> Indicator:
    promise = promise or make_promise()
    defaults = {
        "position": Indicator.objects.filter(promise=promise).count() + 1,
        "name": "Anmälda våldsbrott per 100 000 invånare",
        "unit": "per 100 000",
        "direction": Indicator.Direction.LOWER,
        "kolada_kpi": "N07403",
        "kolada_municipality": "1480",
    }
    return Indicator.objects.create(promise=promise, **{**defaults, **fields})


def stored(indicator) -> list[tuple[int, Decimal, str]]:
    return list(
        IndicatorValue.objects.filter(indicator=indicator)
        .order_by("year")
        .values_list("year", "value", "source")
    )


def run_command(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("fetch_kolada", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- Good answers -------------------------------------------------------------------------


def test_command_stores_the_recorded_values_with_source_and_fetch_date(kolada):
    indicator = make_indicator()
    out, _err = run_command()
    source = "Kolada, N07403 Anmälda våldsbrott, antal/100 000 inv"
    assert stored(indicator) == [
        (2020, Decimal("1490.3"), source),
        (2021, Decimal("1417.8"), source),
        (2022, Decimal("1452.6"), source),
        (2023, Decimal("1388.1"), source),
        (2024, Decimal("1342.4"), source),
    ]
    # 2025 has no value yet (null) and is not stored.
    assert all(v.fetched_at for v in IndicatorValue.objects.all())
    assert "5 nya, 0 ändrade, 0 oförändrade" in out
    # The second page was followed, on the stub's own host.
    assert f"{DATA_PATH}?page=2&per_page=3" in kolada.requests


def test_fetching_again_changes_nothing_and_updates_a_corrected_value(kolada):
    indicator = make_indicator()
    run_command()
    out, _err = run_command("--promise", indicator.promise.slug)
    assert "0 nya, 0 ändrade, 5 oförändrade" in out
    corrected = recorded("data_N07403_1480_page1.json").replace(b"1417.8", b"1419.0")
    kolada.serve(DATA_PATH, corrected)
    result = update_from_kolada(indicator=indicator)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 4)
    assert IndicatorValue.objects.get(indicator=indicator, year=2021).value == Decimal("1419.0")


def test_values_of_other_years_are_kept(kolada):
    indicator = make_indicator()
    IndicatorValue.objects.create(
        indicator=indicator, year=2019, value=Decimal(1500), source="Egen sammanställning"
    )
    run_command()
    assert stored(indicator)[0] == (2019, Decimal(1500), "Egen sammanställning")
    assert len(stored(indicator)) == 6


def test_an_organisational_unit_takes_the_total_of_the_genders(kolada):
    kolada.serve("/v2/kpi/N15419", recorded("kpi_N15419.json"))
    kolada.serve(
        "/v2/oudata/kpi/N15419/ou/V15E148000101", recorded("oudata_N15419_V15E148000101.json")
    )
    indicator = make_indicator(
        name="Behöriga till yrkesprogram",
        kolada_kpi="N15419",
        kolada_municipality="",
        kolada_ou="V15E148000101",
    )
    update_from_kolada(indicator=indicator)
    assert [(y, v) for y, v, _s in stored(indicator)] == [
        (2023, Decimal("81.5")),
        (2024, Decimal("83.1")),
    ]


def test_command_limited_to_one_indicator(kolada):
    first = make_indicator()
    second = make_indicator(first.promise, name="Annan", kolada_municipality="1280")
    run_command("--indicator", str(first.pk))
    assert len(stored(first)) == 5
    assert stored(second) == []


def test_command_without_indicators_says_so(kolada):
    with pytest.raises(CommandError, match="Ingen indikator med ett Kolada-nyckeltal"):
        run_command()


# --- Bad answers leave stored values untouched ------------------------------------------


@pytest.fixture
def indicator_with_values(kolada):
    indicator = make_indicator()
    IndicatorValue.objects.create(indicator=indicator, year=2021, value=Decimal(1), source="S")
    IndicatorValue.objects.create(indicator=indicator, year=2022, value=Decimal(2), source="S")
    return indicator


BEFORE = [(2021, Decimal(1), "S"), (2022, Decimal(2), "S")]


def assert_refused(indicator, expected_message: str) -> None:
    err = StringIO()
    with pytest.raises(CommandError, match="1 av 1 indikatorer kunde inte hämtas"):
        call_command("fetch_kolada", stdout=StringIO(), stderr=err)
    assert re.search(expected_message, err.getvalue())
    assert "Lagrade värden är oförändrade." in err.getvalue()
    assert stored(indicator) == BEFORE
    with pytest.raises(KoladaError, match=expected_message):
        update_from_kolada(indicator=indicator)
    assert stored(indicator) == BEFORE


def test_a_server_error_changes_nothing(kolada, indicator_with_values):
    kolada.serve(DATA_PATH, b'{"error": "internal"}', status=503)
    assert_refused(indicator_with_values, r"serverfel \(HTTP 503\)")


def test_a_server_error_on_the_second_page_changes_nothing(kolada, indicator_with_values):
    kolada.serve(f"{DATA_PATH}?page=2&per_page=3", b"", status=500)
    assert_refused(indicator_with_values, r"serverfel \(HTTP 500\)")


def test_a_timeout_changes_nothing(kolada, indicator_with_values):
    kolada.serve(DATA_PATH, recorded("data_N07403_1480_page1.json"), delay=1.5)
    assert_refused(indicator_with_values, "svarade inte inom 0,5 sekunder|svarade inte inom 0.5")


def test_an_unknown_kpi_changes_nothing(kolada, indicator_with_values):
    kolada.serve("/v2/kpi/N07403", recorded("kpi_unknown.json"))
    assert_refused(indicator_with_values, "Kolada har inget nyckeltal N07403")


def test_a_kpi_without_values_for_the_place_changes_nothing(kolada, indicator_with_values):
    kolada.serve(DATA_PATH, b'{"count": 0, "values": []}')
    assert_refused(indicator_with_values, "Kolada har inga värden för N07403 i 1480")


@pytest.mark.parametrize(
    "body",
    [
        b"<html>Service unavailable</html>",
        b'{"count": 1}',
        b'{"values": [{"kpi": "N00001", "municipality": "1480", "period": 2021, "values": []}]}',
        b'{"values": [{"kpi": "N07403", "municipality": "0180", "period": 2021, "values": []}]}',
        b'{"values": [{"kpi": "N07403", "municipality": "1480", "period": "x", "values": []}]}',
        b'{"values": [{"kpi": "N07403", "municipality": "1480", "period": 2021,'
        b' "values": [{"gender": "T", "value": "NaN"}]}]}',
        b'{"values": [{"kpi": "N07403", "municipality": "1480", "period": 2021,'
        b' "values": [{"gender": "T", "value": "mycket"}]}]}',
    ],
)
def test_an_answer_of_another_shape_changes_nothing(kolada, indicator_with_values, body):
    kolada.serve(DATA_PATH, body)
    assert_refused(indicator_with_values, "Koladas svar")


def test_a_next_page_on_another_host_is_not_followed(kolada, indicator_with_values):
    page = json.loads(recorded("data_N07403_1480_page1.json"))
    page["next_page"] = "http://127.0.0.1:1/v2/elsewhere"
    kolada.serve(DATA_PATH, json.dumps(page).encode())
    assert_refused(indicator_with_values, "Koladas svar hade inte den väntade formen")


def test_an_unreachable_server_changes_nothing(indicator_with_values, settings):
    client = KoladaClient(base="http://127.0.0.1:1/v2", timeout=0.5)
    with pytest.raises(KoladaError, match="Kolada gick inte att nå"):
        update_from_kolada(indicator=indicator_with_values, client=client)
    assert stored(indicator_with_values) == BEFORE


# --- The admin action -------------------------------------------------------------------


def run_action(client, indicators) -> str:
    response = client.post(
        reverse("admin:outcomes_indicator_changelist"),
        {"action": "fetch_from_kolada", "_selected_action": [i.pk for i in indicators]},
        follow=True,
    )
    assert response.status_code == 200
    return response.content.decode()


def test_admin_action_queues_the_fetch_and_the_list_tells_how_it_went(client, kolada):
    indicator = make_indicator()
    client.force_login(make_coordinator(indicator.promise))
    page = run_action(client, [indicator])
    assert "En hämtning från Kolada är köad för 1 indikator" in page
    # Tests run each task where it is queued: the list shows the worker's result.
    assert "5 nya, 0 ändrade och 0 oförändrade värden från Kolada (N07403)" in page
    assert len(stored(indicator)) == 5


def test_admin_action_only_queues_and_the_list_says_so(client, kolada, db_queue):
    indicator = make_indicator()
    client.force_login(make_coordinator(indicator.promise))
    page = run_action(client, [indicator])
    assert "köad…" in page
    assert kolada.requests == []  # the request itself never called Kolada
    assert stored(indicator) == []


def test_admin_action_says_why_and_keeps_values(client, kolada, indicator_with_values):
    kolada.serve(DATA_PATH, b"", status=502)
    without_kpi = make_indicator(
        indicator_with_values.promise, name="Egen mätning", kolada_kpi="", kolada_municipality=""
    )
    client.force_login(make_coordinator(indicator_with_values.promise))
    page = run_action(client, [indicator_with_values, without_kpi])
    assert "serverfel (HTTP 502)" in page  # the worker's result, in the list
    assert "Lagrade värden är oförändrade." in page
    assert "anger inget Kolada-nyckeltal" in page
    assert stored(indicator_with_values) == BEFORE


def test_admin_action_does_not_touch_another_promise(client, kolada):
    mine = make_indicator()
    theirs = make_indicator(name="Deras indikator")
    client.force_login(make_coordinator(mine.promise))
    run_action(client, [theirs])
    assert stored(theirs) == []
    assert kolada.requests == []


def test_a_kpi_without_a_place_is_fetched_for_the_promises_own_municipality():
    def without_place(promise):
        return Indicator(promise=promise, position=1, name="X", kolada_kpi="N07403")

    kungalv = without_place(make_promise(municipalities=("1482",)))
    kungalv.full_clean()
    assert kungalv.kolada_municipality == "1482"
    joint = without_place(make_promise(municipalities=("1480", "1481")))
    with pytest.raises(ValidationError) as refused:
        joint.full_clean()
    assert "kolada_municipality" in refused.value.message_dict
    assert joint.kolada_municipality == ""
