"""The fixes the crawl (test_crawl.py) led to, each shown with what the user gets."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import connection, models
from django.utils import timezone

from followup.models import DraftPdf, FollowUp, StatusReport
from lofte.models import Promise

from .conftest import (
    make_coordinator,
    make_focus_area,
    make_partner,
    make_period,
    make_promise,
    make_report,
    make_sub_promise,
)
from .document_data import make_follow_up

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


@pytest.fixture
def two():
    ours, theirs = make_promise("Backa"), make_promise("Angered")
    return {
        "ours": ours,
        "theirs": theirs,
        "our_draft": make_follow_up(ours),
        "their_draft": make_follow_up(theirs),
        "coordinator": make_coordinator(ours, "samordnare"),
    }


def view_on_site(model, pk) -> str:
    return f"/admin/r/{ContentType.objects.get_for_model(model).pk}/{pk}/"


def test_view_on_site_leads_a_coordinator_only_to_their_own_promises_objects(client, two):
    client.force_login(two["coordinator"])
    response = client.get(view_on_site(FollowUp, two["our_draft"].pk))
    assert response.status_code == 302
    assert response["Location"].endswith(two["our_draft"].get_absolute_url())

    assert client.get(view_on_site(FollowUp, two["their_draft"].pk)).status_code == 404
    # Ids cannot be enumerated, nor content types without an admin page for the user.
    assert client.get(view_on_site(FollowUp, HUGE)).status_code == 404
    assert client.get(view_on_site(FollowUp, "abc")).status_code == 404
    assert client.get(view_on_site(Session, "abc")).status_code == 404
    assert client.get(f"/admin/r/{HUGE}/1/").status_code == 404
    assert client.get("/admin/r/987654/1/").status_code == 404  # no such content type
    assert client.get("/admin/r/%00/1/").status_code == 404


def test_view_on_site_still_works_for_a_superuser_and_not_for_outsiders(client, two):
    superuser = get_user_model().objects.create_superuser("admin", "a@example.org", "x")
    url = view_on_site(FollowUp, two["their_draft"].pk)
    assert client.get(url).status_code == 302  # to the admin login
    assert "/admin/login/" in client.get(url)["Location"]
    client.force_login(superuser)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].endswith(two["their_draft"].get_absolute_url())


def test_view_on_site_leads_to_the_page_people_read(client, two):
    """The promise to its public page; a draft to its draft page, published to the public one."""
    client.force_login(two["coordinator"])
    slug, draft = two["ours"].slug, two["our_draft"]
    site = "http://testserver"
    location = client.get(view_on_site(Promise, two["ours"].pk))["Location"]
    assert location == f"{site}/loften/{slug}/"
    location = client.get(view_on_site(FollowUp, draft.pk))["Location"]
    assert location == f"{site}/uppfoljning/{slug}/utkast/{draft.pk}/"
    FollowUp.objects.filter(pk=draft.pk).update(state="published", published_at=timezone.now())
    location = client.get(view_on_site(FollowUp, draft.pk))["Location"]
    assert location == f"{site}/uppfoljning/{slug}/"
    # A draft PDF's page is the one that says whether it is ready.
    preview = DraftPdf.objects.create(follow_up=draft, requested_by=two["coordinator"])
    assert preview.get_absolute_url() == f"/uppfoljning/{slug}/utkast/{draft.pk}/pdf/{preview.pk}/"


@pytest.mark.parametrize("object_id", ["abc", HUGE, "-1", "%00"])
def test_history_page_with_a_bad_id_is_not_found(admin_client, two, object_id):
    assert admin_client.get(f"/admin/lofte/promise/{object_id}/history/").status_code == 404
    url = f"/admin/lofte/promise/{two['ours'].pk}/history/{object_id}/"
    assert admin_client.get(url).status_code == 404


def test_a_filter_value_no_column_can_hold_finds_nothing_or_is_a_bad_request(admin_client, two):
    response = admin_client.get(f"/admin/followup/followup/?promise__in={HUGE}")
    if connection.vendor == "postgresql":
        # Django knows the column's range there and finds nothing.
        assert response.status_code == 200
        assert response.context["cl"].result_count == 0
    else:
        # SQLite's driver refuses the number: the styled 400 page.
        assert response.status_code == 400
        assert "Felaktig förfrågan" in response.content.decode()


def test_an_action_on_a_hostile_selection_changes_nothing(admin_client, two):
    partner = make_partner()
    sub = make_sub_promise(make_focus_area(two["ours"]), partner)
    report = make_report(sub, make_period(two["ours"]))
    response = admin_client.post(
        "/admin/followup/statusreport/",
        {"action": "approve_reports", "_selected_action": [report.pk, HUGE], "index": 0},
    )
    # SQLite's driver refuses the number (400); on PostgreSQL Django finds nothing and
    # returns to the list. Either way nothing is approved.
    assert response.status_code == (302 if connection.vendor == "postgresql" else 400)
    report.refresh_from_db()
    assert report.state == StatusReport.State.DRAFT


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "suggested"),
    [
        # A leap day carries to 28 February in a year without one.
        (datetime.date(2026, 3, 1), datetime.date(2028, 2, 29), ("2029-01-01", "2031-02-28")),
        (datetime.date(2020, 3, 1), datetime.date(2024, 2, 29), ("2025-01-01", "2029-02-28")),
        # In the last years a date can hold, nothing is suggested: the coordinator types them.
        (datetime.date(9998, 1, 1), datetime.date(9999, 12, 31), None),
    ],
)
def test_renewal_suggests_dates_without_tripping_on_odd_ones(
    admin_client, starts_on, ends_on, suggested
):
    promise = make_promise(starts_on=starts_on, ends_on=ends_on)
    response = admin_client.post(
        "/admin/lofte/promise/",
        {"action": "make_next_promise", "_selected_action": [promise.pk], "index": 0},
    )
    assert response.status_code == 200
    form = response.context["form"]
    if suggested is None:
        assert "starts_on" not in form.initial and "ends_on" not in form.initial
    else:
        assert (form.initial["starts_on"].isoformat(), form.initial["ends_on"].isoformat()) == (
            suggested
        )
    assert Promise.objects.count() == 1


def test_refused_input_is_a_bad_request_logged_once_with_its_reason(admin_client, two, caplog):
    response = admin_client.post(
        "/admin/lofte/promise/",
        {"action": "delete_selected", "_selected_action": ["abc"], "index": 0},
    )
    assert response.status_code == 400
    assert "Felaktig förfrågan" in response.content.decode()
    lines = [r.getMessage() for r in caplog.records if "Bad Request" in r.getMessage()]
    assert len(lines) == 1
    assert "expected a number but got 'abc'" in lines[0]
    assert Promise.objects.count() == 2


@pytest.mark.parametrize(
    ("field", "value", "found"),
    [
        (models.PositiveIntegerField(), "-1", False),
        (models.PositiveIntegerField(), "0", True),
        (models.BigIntegerField(), str(2**63 - 1), True),
        (models.BigIntegerField(), str(2**63), False),
        (models.BigIntegerField(), str(-(2**63)), True),
        (models.BigIntegerField(), str(-(2**63) - 1), False),
        (models.CharField(), "abc", True),
        (models.CharField(), "a\x00b", False),
    ],
)
def test_an_id_the_column_cannot_hold_names_nothing(field, value, found):
    from django.http import Http404

    from lofte.admin_tools.scope import _valid_id

    if found:
        assert str(_valid_id(field, value)) == value
    else:
        with pytest.raises(Http404):
            _valid_id(field, value)
