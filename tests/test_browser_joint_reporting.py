"""A joint sub-promise end to end in a real browser: two co-partners, the lead, the coordinator.

axe-core checks WCAG 2.1 A/AA on every page of the walk, at 1280 and at 390 px.
"""

import datetime
import os
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from followup.models import Contribution, StatusReport

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
def joint(transactional_db):
    promise = make_promise("Hisings Backa")
    lead, fambo, poseidon = (
        make_partner("Bostadsbolaget"),
        make_partner("Familjebostäder"),
        make_partner("Poseidon"),
    )
    sub = make_sub_promise(
        make_focus_area(promise, "Fritid"),
        lead,
        fambo,
        poseidon,
        title="Feriearbete för ungdomar under skolloven",
    )
    today = timezone.localdate()
    period = make_period(
        promise, name="Våren", starts_on=today, deadline=today + datetime.timedelta(days=14)
    )
    for partner, name in [(lead, "bostadsbolaget"), (fambo, "fambo"), (poseidon, "poseidon")]:
        make_reporter(partner, name)
    make_coordinator(promise, "samordnare")
    return sub, period


def checked(page) -> None:
    """No WCAG 2.1 A/AA violation at a desktop's width nor at a phone's."""
    for width, height in [(1280, 900), (390, 844)]:
        page.set_viewport_size({"width": width, "height": height})
        assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 900})


def log_in(page, base: str, username: str, next_url: str = "/rapportering/") -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill("test-password-1")
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(re.compile(re.escape(next_url) + "$"))


def write_part(page, base: str, username: str, text: str, figure: str) -> None:
    log_in(page, base, username)
    expect(page.get_by_text("Ni medverkar: beskriv er del")).to_be_visible()
    checked(page)
    page.get_by_role("link", name="Feriearbete för ungdomar under skolloven").click()
    expect(page.get_by_label("Vad vi har gjort")).to_be_visible()
    checked(page)
    page.get_by_label("Vad vi har gjort").fill(text)
    page.locator("#id_figures-0-label").fill("Ungdomar")
    page.locator("#id_figures-0-value").fill(figure)
    page.get_by_role("button", name="Spara och markera som klar").click()
    expect(page.get_by_text("Er del är sparad och markerad som klar")).to_be_visible()
    checked(page)


def test_two_co_partners_the_lead_and_the_coordinator(live_server, page, joint):
    sub, period = joint
    base = live_server.url
    write_part(page, base, "fambo", "Familjebostäder anställde 12 ungdomar.", "12")
    write_part(page, base, "poseidon", "Poseidon tog emot 8 ungdomar.", "8")

    log_in(page, base, "bostadsbolaget")
    expect(page.get_by_text("Ni är ansvariga: rapportera och skicka in")).to_be_visible()
    page.get_by_role("link", name="Feriearbete för ungdomar under skolloven").click()
    side = page.locator(".contributions")
    expect(side).to_contain_text("Familjebostäder anställde 12 ungdomar.")
    expect(side).to_contain_text("Poseidon tog emot 8 ungdomar.")
    checked(page)
    page.get_by_role(
        "button", name="Lägg till texten och siffrorna från Familjebostäder i rapporten"
    ).click()
    expect(page.get_by_label("Vad som har gjorts")).to_have_value(
        re.compile(re.escape("Familjebostäder: Familjebostäder anställde 12 ungdomar."))
    )
    page.get_by_label("Genomfört", exact=True).check()
    page.get_by_role("button", name="Skicka in").click()
    expect(
        page.get_by_role("heading", name="Granska rapporten innan du skickar in den")
    ).to_be_visible()
    checked(page)
    page.get_by_role("button", name="Bekräfta och skicka in").click()
    expect(page.get_by_text("skickades till samordnarna")).to_be_visible()
    checked(page)

    # Taken back before the coordinator opens it, then handed in again.
    page.get_by_role("button", name="Ångra inskickning").click()
    expect(page.get_by_text("Rapporten är ett utkast igen")).to_be_visible()
    page.get_by_role("button", name="Skicka in").click()
    page.get_by_role("button", name="Bekräfta och skicka in").click()
    expect(page.get_by_text("skickades till samordnarna")).to_be_visible()
    report = StatusReport.objects.get(sub_promise=sub, period=period)
    assert report.state == StatusReport.State.SUBMITTED
    assert report.history.filter(state=StatusReport.State.DRAFT).count() >= 2

    log_in(page, base, "samordnare", f"/admin/followup/statusreport/{report.pk}/change/")
    body = page.locator("#content")
    expect(body).to_contain_text("Familjebostäder: Familjebostäder anställde 12 ungdomar.")
    expect(body).to_contain_text("Poseidon tog emot 8 ungdomar.")
    checked(page)
    page.get_by_role("button", name="Godkänn").click()
    expect(page.get_by_text("Rapporten är godkänd.")).to_be_visible()
    checked(page)
    report.refresh_from_db()
    assert report.state == StatusReport.State.APPROVED
    assert Contribution.objects.filter(state=Contribution.State.READY).count() == 2
