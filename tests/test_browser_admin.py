"""The coordinator's day in admin, in a real browser: start page → a waiting report → approve
→ next → return with a comment → the round overview → remind, confirmed.

axe-core checks WCAG 2.1 A/AA on each page we own, at 1280 and at 390 px.
"""

import datetime
import os
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from followup.models import Contribution, FollowUp, Reminder, StatusReport

from .conftest import (
    make_coordinator,
    make_focus_area,
    make_partner,
    make_period,
    make_promise,
    make_report,
    make_reporter,
    make_sub_promise,
)
from .test_browser_joint_reporting import checked

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser


@pytest.fixture
def backa(transactional_db):
    promise = make_promise("Hisings Backa")
    school, fambo, club = (
        make_partner("Ellen Keyskolan"),
        make_partner("Familjebostäder"),
        make_partner("Backa IK"),
    )
    area = make_focus_area(promise, "Skola")
    today = timezone.localdate()
    period = make_period(
        promise, name="Våren", starts_on=today, deadline=today + datetime.timedelta(days=14)
    )
    now = timezone.now()
    breakfast = make_report(
        make_sub_promise(area, school, fambo, title="Frukost i skolan"),
        period,
        state="submitted",
        status="done",
        submitted_at=now,
        achieved="Tusen frukostar delades ut.",
    )
    Contribution.objects.create(
        report=breakfast,
        partner=fambo,
        achieved="Familjebostäder bjöd på frukt.",
        state=Contribution.State.READY,
        saved_at=now,
        ready_at=now,
    )
    homework = make_report(
        make_sub_promise(area, school, title="Läxhjälp"),
        period,
        state="submitted",
        status="in_progress",
        submitted_at=now + datetime.timedelta(minutes=1),
        achieved="Läxhjälp två kvällar i veckan.",
    )
    make_sub_promise(area, club, title="Fotboll på lovet")
    for partner, name in [(school, "ellen"), (fambo, "fambo"), (club, "backaik")]:
        make_reporter(partner, name)
    FollowUp.objects.create(
        promise=promise,
        title="Uppföljning Hisings Backa",
        covers_from=datetime.date(2024, 1, 1),
        covers_to=datetime.date(2024, 12, 31),
    )
    make_coordinator(promise, "samordnare")
    return {"period": period, "breakfast": breakfast, "homework": homework}


def test_a_coordinators_review_round(live_server, page, backa):
    base = live_server.url
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.get_by_label("Användarnamn").fill("samordnare")
    page.get_by_label("Lösenord").fill("test-password-1")
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(re.compile(r"/admin/$"))

    # The start page: the open round, what waits, who is behind.
    expect(page.get_by_role("heading", name=re.compile("Hisings Backa"))).to_be_visible()
    expect(page.get_by_text("2 av 3 dellöften inlämnade")).to_be_visible()
    expect(page.get_by_text("14 dagar kvar")).to_be_visible()
    expect(page.get_by_text("backaik@example.org")).to_be_visible()
    checked(page)

    # A waiting report: read-only, its partners at the top, the co-partner's part beside it.
    page.get_by_role("link", name="Frukost i skolan").click()
    expect(page.get_by_text("Ansvarig part: Ellen Keyskolan")).to_be_visible()
    expect(page.get_by_text("Medverkande parter: Familjebostäder")).to_be_visible()
    expect(page.get_by_text("Familjebostäder bjöd på frukt.")).to_be_visible()
    expect(page.get_by_role("button", name="Spara")).to_have_count(0)
    checked(page)
    page.get_by_role("button", name="Godkänn").click()
    expect(page.get_by_text("Rapporten är godkänd.")).to_be_visible()

    # Next to review, then return it with a comment.
    page.get_by_role("link", name=re.compile("Nästa att granska: Läxhjälp")).click()
    expect(page.get_by_text("Läxhjälp två kvällar i veckan.")).to_be_visible()
    page.get_by_role("link", name="Returnera för komplettering…").click()
    expect(page.get_by_role("heading", name="Läxhjälp")).to_be_visible()
    expect(page.get_by_text("Läxhjälp två kvällar i veckan.")).to_be_visible()
    checked(page)
    page.get_by_label("Vad ska samverkansparten komplettera?").fill("Hur många elever kom?")
    page.get_by_role("button", name="Returnera för komplettering").click()
    expect(page.get_by_text("Rapporten är returnerad.")).to_be_visible()
    expect(page.get_by_text("Ingen annan rapport väntar på granskning.")).to_be_visible()

    # The report list: the columns fit at 1280 px, without scrolling sideways.
    page.goto(f"{base}/admin/followup/statusreport/?state__exact=all")
    expect(page.get_by_role("link", name="Frukost i skolan")).to_be_visible()
    fits = page.evaluate(
        "() => { const r = document.querySelector('#changelist .results');"
        " return r.scrollWidth <= r.clientWidth; }"
    )
    assert fits
    checked(page)

    # The overview, then a reminder that asks first.
    page.goto(f"{base}/admin/")
    page.get_by_role("link", name="Översikt och påminnelser").first.click()
    expect(page.get_by_role("table", name="Framsteg per samverkanspart")).to_be_visible()
    checked(page)
    page.get_by_role("button", name="Skicka påminnelser…").click()
    expect(page.get_by_text("backaik@example.org")).to_be_visible()
    expect(page.get_by_text("Påminnelse: rapportera för Våren")).to_be_visible()
    assert not Reminder.objects.exists()
    checked(page)
    page.get_by_role("button", name=re.compile(r"Skicka \d+ påminnelse")).click()
    expect(page.get_by_text(re.compile(r"\d+ påminnelser? skickades"))).to_be_visible()

    assert Reminder.objects.filter(user__username="backaik").count() == 1
    backa["breakfast"].refresh_from_db()
    backa["homework"].refresh_from_db()
    assert backa["breakfast"].state == StatusReport.State.APPROVED
    assert backa["homework"].state == StatusReport.State.RETURNED
    assert backa["homework"].review_comment == "Hur många elever kom?"
