"""Coordinators review submitted reports in admin: approve, return, highlight."""

import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from followup.models import FollowUp, Highlight, StatusReport

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

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:followup_statusreport_changelist"


def submitted(sub_promise, period, **fields):
    return make_report(
        sub_promise,
        period,
        state=StatusReport.State.SUBMITTED,
        submitted_at=timezone.now(),
        achieved=fields.pop("achieved", "Tusen frukostar delades ut."),
        **fields,
    )


@pytest.fixture
def review():
    promise = make_promise("Hisings Backa")
    lead = make_partner("Ellen Keyskolan")
    co = make_partner("Familjebostäder")
    sub = make_sub_promise(make_focus_area(promise, "Skola"), lead, co, title="Frukost i skolan")
    period = make_period(promise, name="Våren 2025")
    return {
        "promise": promise,
        "sub": sub,
        "period": period,
        "report": submitted(sub, period),
        "coordinator": make_coordinator(promise, "samordnare"),
        "lead_reporter": make_reporter(lead, "ellen"),
        "co_reporter": make_reporter(co, "fambo"),
        "lead": lead,
    }


def run_action(client, action, reports, **extra):
    data = {"action": action, "_selected_action": [r.pk for r in reports], "index": 0, **extra}
    # Actions act on the selected reports among those the list shows: every one here.
    return client.post(
        reverse(CHANGELIST) + "?period__id__exact=all&state__exact=all", data, follow=True
    )


def test_approve_action_records_reviewer_and_emails_reporters(
    client, review, django_capture_on_commit_callbacks
):
    client.force_login(review["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(client, "approve_reports", [review["report"]])
    report = review["report"]
    report.refresh_from_db()
    assert report.state == StatusReport.State.APPROVED
    assert report.reviewed_by == review["coordinator"]
    assert report.reviewed_at is not None
    assert "1 rapport godkändes." in response.content.decode()
    assert sorted(m.to[0] for m in mail.outbox) == ["ellen@example.org", "fambo@example.org"]
    assert "godkänt" in mail.outbox[0].body
    assert "Frukost i skolan" in mail.outbox[0].subject
    assert LogEntry.objects.filter(object_id=str(report.pk), user=review["coordinator"]).exists()


def test_approving_a_draft_is_refused_and_sends_nothing(
    client, review, django_capture_on_commit_callbacks
):
    sub = make_sub_promise(review["sub"].focus_area, review["lead"])
    draft = make_report(sub, review["period"])
    client.force_login(review["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(client, "approve_reports", [draft])
    draft.refresh_from_db()
    assert draft.state == StatusReport.State.DRAFT
    assert "kan inte längre ändras" in response.content.decode()
    assert mail.outbox == []


def test_return_action_asks_for_a_comment_first(client, review):
    client.force_login(review["coordinator"])
    response = run_action(client, "return_reports", [review["report"]])
    page = response.content.decode()
    assert "Vad ska samverkansparten komplettera?" in page
    assert "Frukost i skolan" in page
    review["report"].refresh_from_db()
    assert review["report"].state == StatusReport.State.SUBMITTED


def test_return_without_comment_changes_nothing(client, review):
    client.force_login(review["coordinator"])
    response = run_action(client, "return_reports", [review["report"]], apply="1", comment=" ")
    assert "Detta fält måste fyllas i." in response.content.decode()
    review["report"].refresh_from_db()
    assert review["report"].state == StatusReport.State.SUBMITTED


def test_return_action_sends_the_comment_to_the_partner(
    client, review, django_capture_on_commit_callbacks
):
    client.force_login(review["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(
            client,
            "return_reports",
            [review["report"]],
            apply="1",
            comment="Hur många frukostar <b>exakt</b>?",
        )
    report = review["report"]
    report.refresh_from_db()
    assert report.state == StatusReport.State.RETURNED
    assert report.review_comment == "Hur många frukostar <b>exakt</b>?"
    assert report.reviewed_by == review["coordinator"]
    assert "1 rapport returnerades." in response.content.decode()
    assert len(mail.outbox) == 2
    assert "Hur många frukostar <b>exakt</b>?" in mail.outbox[0].body
    assert "komplettering" in mail.outbox[0].body


def test_highlight_action_appends_to_the_draft_follow_up(
    client, review, django_capture_on_commit_callbacks
):
    first = review["report"]
    second = submitted(make_sub_promise(review["sub"].focus_area, review["lead"]), review["period"])
    for report in (first, second):
        report.state = StatusReport.State.APPROVED
        report.reviewed_at = timezone.now()
        report.save()
    client.force_login(review["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        run_action(client, "mark_highlights", [first])
        response = run_action(client, "mark_highlights", [second, first])
    follow_up = FollowUp.objects.get(promise=review["promise"])
    assert follow_up.state == FollowUp.State.DRAFT
    highlights = list(follow_up.highlights.values_list("report", "position", "text"))
    assert highlights == [
        (first.pk, 1, "Tusen frukostar delades ut."),
        (second.pk, 2, "Tusen frukostar delades ut."),
    ]
    assert "markerades" in response.content.decode()
    assert any("uppföljning" in m.subject.lower() for m in mail.outbox)


def test_only_approved_reports_can_be_highlighted(client, review):
    client.force_login(review["coordinator"])
    response = run_action(client, "mark_highlights", [review["report"]])
    assert not Highlight.objects.exists()
    assert "Bara godkända rapporter" in response.content.decode()


def test_approve_button_on_the_change_page(client, review, django_capture_on_commit_callbacks):
    client.force_login(review["coordinator"])
    url = reverse("admin:followup_statusreport_change", args=[review["report"].pk])
    page = client.get(url).content.decode()
    assert "Godkänn" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:followup_statusreport_approve", args=[review["report"].pk]),
            follow=True,
        )
    review["report"].refresh_from_db()
    assert review["report"].state == StatusReport.State.APPROVED
    assert "Rapporten är godkänd." in response.content.decode()
    assert len(mail.outbox) == 2


def test_return_page_from_the_change_page(client, review):
    client.force_login(review["coordinator"])
    url = reverse("admin:followup_statusreport_return", args=[review["report"].pk])
    assert "Vad ska samverkansparten komplettera?" in client.get(url).content.decode()
    client.post(url, {"comment": "Lägg till siffror."})
    review["report"].refresh_from_db()
    assert review["report"].state == StatusReport.State.RETURNED
    assert review["report"].review_comment == "Lägg till siffror."


def test_change_page_shows_the_previous_rounds_report(client, review):
    earlier = make_period(
        review["promise"],
        name="Hösten 2024",
        starts_on=datetime.date(2024, 8, 1),
        deadline=datetime.date(2024, 12, 1),
    )
    make_report(review["sub"], earlier, status="in_progress", achieved="Vi har börjat <planera>.")
    client.force_login(review["coordinator"])
    page = client.get(
        reverse("admin:followup_statusreport_change", args=[review["report"].pk])
    ).content.decode()
    assert "Föregående omgångs rapport" in page
    assert "Hösten 2024" in page
    assert "Vi har börjat &lt;planera&gt;." in page


def test_list_shows_lead_partner_and_who_submitted(client, review):
    report = review["report"]
    report.submitted_by = review["lead_reporter"]
    report.save()
    client.force_login(review["coordinator"])
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert "Ellen Keyskolan" in page
    assert review["period"].name in page
    assert date_format(timezone.localtime(report.submitted_at), "j M Y") in page


def test_partner_filter_narrows_the_list(client, review):
    other_sub = make_sub_promise(
        review["sub"].focus_area, make_partner("Backa IK"), title="Läxhjälp i klubbstugan"
    )
    make_report(other_sub, review["period"])
    client.force_login(review["coordinator"])
    page = client.get(reverse(CHANGELIST), {"partner": review["lead"].pk}).content.decode()
    assert "Frukost i skolan" in page
    assert "Läxhjälp i klubbstugan" not in page


def test_search_finds_text_in_reports(client, review):
    client.force_login(review["coordinator"])
    page = client.get(reverse(CHANGELIST), {"q": "frukostar"}).content.decode()
    assert "Frukost i skolan" in page


@pytest.mark.parametrize("size", [3, 30])
def test_list_costs_the_same_queries_whatever_the_size(
    client, review, django_assert_max_num_queries, size
):
    area = review["sub"].focus_area
    for _ in range(size):
        partner = make_partner()
        submitted(make_sub_promise(area, partner, make_partner()), review["period"])
    client.force_login(review["coordinator"])
    with django_assert_max_num_queries(16):
        response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200


def test_previous_report_from_a_promise_the_coordinator_does_not_run_is_not_shown(client, review):
    """A renewed sub-promise's earlier report belongs to the old promise: shown only to its
    coordinators."""
    old = make_promise("Hisings Backa", slug="hisings-backa-2022")
    old_sub = make_sub_promise(make_focus_area(old, "Skola"), review["lead"], title="Frukost")
    old_period = make_period(
        old,
        name="Hösten 2023",
        starts_on=datetime.date(2023, 8, 1),
        deadline=datetime.date(2023, 12, 1),
    )
    make_report(old_sub, old_period, status="in_progress", achieved="Det gamla löftets text.")
    review["sub"].derived_from = old_sub
    review["sub"].save()
    url = reverse("admin:followup_statusreport_change", args=[review["report"].pk])
    client.force_login(review["coordinator"])
    page = client.get(url).content.decode()
    assert "Det gamla löftets text." not in page
    assert "Hösten 2023" not in page
    old.coordinators.add(review["coordinator"])
    page = client.get(url).content.decode()
    assert "Föregående omgångs rapport" in page
    assert "Det gamla löftets text." in page
