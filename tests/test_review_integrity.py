"""Admin shows partners' reports and published follow-ups; it does not rewrite them."""

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from followup.models import FollowUp, Highlight, ReportFigure, StatusReport
from followup.services import approve_report
from lofte.accounts.roles import ensure_coordinator_group

from .conftest import (
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
def approved():
    promise = make_promise("Hisings Backa")
    sub = make_sub_promise(make_focus_area(promise, "Skola"), make_partner(), title="Frukost")
    report = make_report(
        sub,
        make_period(promise),
        state=StatusReport.State.SUBMITTED,
        submitted_at=timezone.now(),
        achieved="Tusen frukostar",
    )
    coordinator = make_coordinator(promise, "samordnare")
    approve_report(report=report, reviewer=coordinator)
    return report, coordinator


def test_report_text_cannot_be_edited_in_admin(client, approved):
    report, coordinator = approved
    client.force_login(coordinator)
    url = reverse("admin:followup_statusreport_change", args=[report.pk])
    page = client.get(url).content.decode()
    assert "Tusen frukostar" in page
    assert 'name="achieved"' not in page
    client.post(url, {"achieved": "Något helt annat", "status": "not_started"})
    report.refresh_from_db()
    assert (report.achieved, report.status, report.state) == (
        "Tusen frukostar",
        "not_started",
        "approved",
    )


def test_history_cannot_revert_a_review(client, approved):
    report, coordinator = approved
    client.force_login(coordinator)
    draft_version = report.history.earliest("history_date")
    url = reverse(
        "admin:followup_statusreport_simple_history", args=[report.pk, draft_version.history_id]
    )
    assert client.get(url).status_code == 200  # the past can be read
    response = client.post(url, {"status": draft_version.status, "_save": "1"})
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.state == StatusReport.State.APPROVED
    assert report.reviewed_by == coordinator


def test_highlights_quote_approved_reports_of_their_own_promise(approved):
    report, _ = approved
    follow_up = FollowUp.objects.create(
        promise=report.period.promise,
        title="Uppföljning",
        covers_from=report.period.starts_on,
        covers_to=report.period.deadline,
    )
    Highlight(follow_up=follow_up, report=report, position=1, text="Tusen").full_clean()

    draft = make_report(
        make_sub_promise(report.sub_promise.focus_area, make_partner()), report.period
    )
    with pytest.raises(ValidationError, match="godkända"):
        Highlight(follow_up=follow_up, report=draft, position=2, text="x").full_clean()

    other = make_promise("Angered")
    elsewhere = FollowUp.objects.create(
        promise=other, title="Annan", covers_from=other.starts_on, covers_to=other.ends_on
    )
    with pytest.raises(ValidationError, match="annat medborgarlöfte"):
        Highlight(follow_up=elsewhere, report=report, position=1, text="x").full_clean()


def test_published_follow_up_is_read_only_in_admin(client, approved):
    report, coordinator = approved
    follow_up = FollowUp.objects.create(
        promise=report.period.promise,
        title="Uppföljning",
        covers_from=report.period.starts_on,
        covers_to=report.period.deadline,
        state=FollowUp.State.PUBLISHED,
        published_at=timezone.now(),
    )
    Highlight.objects.create(follow_up=follow_up, report=report, position=1, text="Tusen")
    client.force_login(coordinator)
    url = reverse("admin:followup_followup_change", args=[follow_up.pk])
    page = client.get(url).content.decode()
    assert "Tusen" in page
    assert 'name="highlights-0-text"' not in page
    assert 'name="state"' not in page
    assert 'name="title"' not in page


def _posted_back(response) -> dict:
    """The change page's form and inline formsets as a browser would post them unchanged."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    return {**data, "_save": "1"}


def test_a_reports_state_is_not_editable_in_its_admin_form(client, rf, approved):
    """Only the review steps move a report: its change form has no state to post."""
    report, coordinator = approved
    request = rf.get("/admin/")
    request.user = coordinator
    model_admin = admin.site._registry[StatusReport]
    form_class = model_admin.get_form(request, report, change=True)
    assert "state" not in form_class.base_fields
    assert "review_comment" not in form_class.base_fields
    assert "state" in model_admin.get_readonly_fields(request, report)

    client.force_login(coordinator)
    url = reverse("admin:followup_statusreport_change", args=[report.pk])
    response = client.get(url)
    assert 'name="state"' not in response.content.decode()
    client.post(url, {**_posted_back(response), "state": "draft", "review_comment": "Ändrat"})
    report.refresh_from_db()
    assert (report.state, report.review_comment, report.reviewed_by) == (
        "approved",
        "",
        coordinator,
    )


def test_coordinators_may_read_but_not_change_partners_report_figures(client, rf, approved):
    """The figures are the partner's: a coordinator's group may view them, nothing more."""
    report, coordinator = approved
    figure = ReportFigure.objects.create(report=report, position=1, label="Frukostar", value=1000)
    group = ensure_coordinator_group()
    codenames = set(
        group.permissions.filter(content_type__model="reportfigure").values_list(
            "codename", flat=True
        )
    )
    assert codenames == {"view_reportfigure"}
    for action in ("add", "change", "delete"):
        assert not coordinator.has_perm(f"followup.{action}_reportfigure")
    assert not coordinator.has_perm("followup.delete_statusreport")

    request = rf.post("/admin/")
    request.user = coordinator
    figure_admin = admin.site._registry[ReportFigure]
    assert figure_admin.has_view_permission(request, figure)
    assert not figure_admin.has_change_permission(request, figure)
    assert not figure_admin.has_delete_permission(request, figure)

    client.force_login(coordinator)
    url = reverse("admin:followup_reportfigure_change", args=[figure.pk])
    assert 'name="value"' not in client.get(url).content.decode()
    response = client.post(
        url, {"report": report.pk, "position": 1, "label": "Frukostar", "value": "5", "unit": ""}
    )
    assert response.status_code == 403
    figure.refresh_from_db()
    assert figure.value == 1000
    # Nor on the report's review page, where the figures are shown beside the text.
    page = client.get(reverse("admin:followup_statusreport_change", args=[report.pk]))
    assert "Frukostar" in page.content.decode()
    assert 'name="figures-0-value"' not in page.content.decode()
