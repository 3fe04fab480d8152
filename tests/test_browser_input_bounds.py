"""Bounds as people meet them in a real browser, WCAG 2.1 A/AA at 1280 and 390 px: a report
text over its limit comes back with the error and every character typed; an import file over
its size is refused with a message before it is parsed."""

import datetime
import os
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from followup.models import StatusReport
from lofte.models import PendingImport
from parties.models import Partner

from .conftest import (
    assert_accessible,
    make_coordinator,
    make_focus_area,
    make_partner,
    make_period,
    make_promise,
    make_reporter,
    make_sub_promise,
)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser


@pytest.fixture
def backa(transactional_db):
    promise = make_promise("Backa", slug="backa")
    partner = make_partner("Familjebostäder")
    sub = make_sub_promise(make_focus_area(promise, "Skola"), partner, title="Frukost i skolan")
    today = timezone.localdate()
    period = make_period(
        promise, name="Våren", starts_on=today, deadline=today + datetime.timedelta(days=14)
    )
    make_reporter(partner, "anna")
    make_coordinator(promise, "samordnare")
    return sub, period


def log_in(page, live_server, path: str, username: str) -> None:
    page.goto(f"{live_server.url}{path}")
    page.get_by_label(re.compile("Användarnamn")).fill(username)
    page.get_by_label(re.compile("Lösenord")).fill("test-password-1")
    page.get_by_role("button", name="Logga in").click()


@pytest.mark.parametrize("width", [1280, 390])
def test_a_report_text_over_its_limit_is_kept_with_the_error(live_server, page, backa, width):
    sub, period = backa
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, f"/rapportering/omgang/{period.pk}/dellofte/{sub.pk}/", "anna")
    field = page.get_by_label("Vad som har gjorts")
    expect(page.get_by_text("Högst 10 000 tecken.").first).to_be_visible()
    too_long = "Frukost i aulan. " * 600  # 10,200 characters
    field.fill(too_long)
    page.get_by_role("button", name="Spara utkast").click()

    error = page.get_by_role("link", name=re.compile("Skriv högst 10 000 tecken"))
    expect(error).to_be_visible()
    assert page.get_by_label("Vad som har gjorts").input_value() == too_long
    assert_accessible(page)
    assert not StatusReport.objects.exists()


@pytest.mark.parametrize("width", [1280, 390])
def test_an_oversized_import_is_refused_with_a_message(
    live_server, page, backa, width, settings, tmp_path
):
    settings.IMPORT_MAX_FILE_SIZE = 1024
    big = tmp_path / "parter.csv"
    big.write_text(
        "namn,typ,e-post,löften\n"
        + "".join(f"Förening {n},association,,backa\n" for n in range(100)),
        encoding="utf-8",
    )
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, "/admin/parties/partner/import/", "samordnare")
    page.get_by_label("Fil att importera").set_input_files(str(big))
    page.get_by_label("Format").select_option(label="csv")
    page.get_by_role("button", name="Skicka").click()

    expect(page.get_by_text(re.compile("en fil att importera får vara högst 1,0"))).to_be_visible()
    assert_accessible(page)
    assert not PendingImport.objects.exists()
    assert not Partner.objects.filter(name__startswith="Förening").exists()
