"""A reporter reports end to end in a real browser; axe-core checks WCAG 2.1 A/AA."""

import datetime
import os
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from followup.models import StatusReport

from .conftest import (
    assert_accessible,
    make_focus_area,
    make_partner,
    make_period,
    make_promise,
    make_reporter,
    make_sub_promise,
)

# Playwright's sync API keeps an event loop in this thread; the tests' own ORM calls are
# plain synchronous code all the same.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser


@pytest.fixture
def reporting(transactional_db):
    promise = make_promise("Backa")
    partner = make_partner("Familjebostäder")
    sub = make_sub_promise(
        make_focus_area(promise, "Skola"),
        partner,
        title="Frukost i skolan",
        indicator_label="Utdelade frukostar",
        indicator_unit="st",
    )
    today = timezone.localdate()
    period = make_period(
        promise, name="Våren", starts_on=today, deadline=today + datetime.timedelta(days=14)
    )
    make_reporter(partner, "anna")
    return sub, period


def test_reporter_saves_a_draft_reloads_and_submits(live_server, page, reporting):
    sub, period = reporting
    page.goto(f"{live_server.url}/rapportering/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page).to_have_title("Logga in – Medborgarlöften")
    assert_accessible(page)

    page.get_by_label("Användarnamn").fill("anna")
    page.get_by_label("Lösenord").fill("test-password-1")
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(re.compile(r"/rapportering/$"))
    expect(page.get_by_text("14 dagar kvar")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Frukost i skolan").click()
    expect(page).to_have_title("Rapport: Frukost i skolan – Rapportering – Medborgarlöften")
    page.get_by_label("Pågående").check()
    page.get_by_label("Vad som har gjorts").fill("Frukost varje morgon i aulan.")
    page.locator("#id_figures-0-value").fill("1 000")
    page.get_by_role("button", name="Spara utkast").click()
    expect(page.get_by_text("Utkastet sparades")).to_be_visible()

    page.reload()
    assert page.get_by_label("Vad som har gjorts").input_value() == (
        "Frukost varje morgon i aulan."
    )
    assert page.locator("#id_figures-0-value").input_value() == "1000"
    assert page.get_by_label("Pågående").is_checked()

    # "Not done" without a reason: the form comes back with its errors, nothing lost.
    page.get_by_label("Ej genomfört").check()
    page.get_by_role("button", name="Skicka in").click()
    expect(page).to_have_title(re.compile("^Fel: "))
    expect(page.get_by_role("link", name=re.compile("Hinder"))).to_be_visible()
    expect(page.get_by_label("Vad som har gjorts")).to_have_value("Frukost varje morgon i aulan.")
    assert_accessible(page)

    page.get_by_role("link", name=re.compile("Hinder")).click()
    page.get_by_label("Hinder").fill("Köket stängde i maj.")
    page.get_by_role("button", name="Skicka in").click()
    expect(
        page.get_by_role("heading", name="Granska rapporten innan du skickar in den")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Bekräfta och skicka in").click()
    expect(page.get_by_text("skickades till samordnarna")).to_be_visible()
    expect(page.locator(".state--submitted").first).to_have_text("Inskickad")
    expect(page.locator("#report-form")).to_have_count(0)

    report = StatusReport.objects.get(sub_promise=sub, period=period)
    assert report.state == StatusReport.State.SUBMITTED
    assert report.submitted_by.username == "anna"
    assert report.obstacles == "Köket stängde i maj."
