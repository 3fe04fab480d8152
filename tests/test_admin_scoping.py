"""Every new admin page, action, filter, autocomplete, import and export stays in scope."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from followup.models import Reminder, StatusReport
from lofte.accounts.roles import ensure_coordinator_group
from lofte.models import ExportJob
from parties.models import Membership

from .conftest import (
    GOTEBORG,
    STOCKHOLM,
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


@pytest.fixture
def two():
    """Promise A (ours) and promise B (theirs, of another municipality: its partners are out
    of sight too), each with a submitted report."""
    result = {}
    for key, area, partner, title, municipality in [
        ("a", "Hisings Backa", "Ellen Keyskolan", "Frukost i skolan", GOTEBORG),
        ("b", "Angered", "Angeredsbostäder", "Trapphusvärdar", STOCKHOLM),
    ]:
        promise = make_promise(area, municipalities=(municipality,))
        partner = make_partner(partner, municipality_id=municipality)
        sub = make_sub_promise(make_focus_area(promise, f"Fokus {area}"), partner, title=title)
        period = make_period(promise, name=f"Omgång {area}")
        report = make_report(sub, period, state="submitted", submitted_at=timezone.now())
        make_reporter(partner)
        Reminder.objects.create(period=period, user=make_reporter(partner), kind="week")
        result[key] = {"promise": promise, "partner": partner, "report": report, "period": period}
    result["coordinator"] = make_coordinator(result["a"]["promise"], "samordnare")
    return result


def test_review_buttons_on_another_promises_report_are_404(client, two):
    client.force_login(two["coordinator"])
    theirs = two["b"]["report"]
    assert (
        client.post(reverse("admin:followup_statusreport_approve", args=[theirs.pk])).status_code
        == 404
    )
    url = reverse("admin:followup_statusreport_return", args=[theirs.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"comment": "Nej"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == StatusReport.State.SUBMITTED


@pytest.mark.parametrize("action", ["approve_reports", "mark_highlights", "return_reports"])
def test_actions_ignore_another_promises_reports(client, two, action):
    client.force_login(two["coordinator"])
    theirs = two["b"]["report"]
    client.post(
        reverse("admin:followup_statusreport_changelist"),
        {
            "action": action,
            "_selected_action": [theirs.pk],
            "index": 0,
            "apply": "1",
            "comment": "Nej",
        },
    )
    theirs.refresh_from_db()
    assert theirs.state == StatusReport.State.SUBMITTED
    assert mail.outbox == []


def test_report_list_filters_name_only_own_things(client, two):
    client.force_login(two["coordinator"])
    response = client.get(reverse("admin:followup_statusreport_changelist"))
    page = response.content.decode()
    assert "Ellen Keyskolan" in page  # partner filter and lead column
    assert "Omgång Hisings Backa" in page
    for name in ["Angeredsbostäder", "Omgång Angered", "Fokus Angered", "Trapphusvärdar"]:
        assert name not in page


def test_partner_filter_with_another_promises_partner_shows_nothing(client, two):
    client.force_login(two["coordinator"])
    response = client.get(
        reverse("admin:followup_statusreport_changelist"), {"partner": two["b"]["partner"].pk}
    )
    assert "Trapphusvärdar" not in response.content.decode()


@pytest.mark.parametrize("field", ["sub_promise", "period"])
def test_report_autocomplete_offers_only_own(client, two, field):
    client.force_login(two["coordinator"])
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "followup", "model_name": "statusreport", "field_name": field, "term": ""},
    )
    assert response.status_code == 200
    texts = " ".join(row["text"] for row in response.json()["results"])
    assert "Angered" not in texts
    assert "Trapphusvärdar" not in texts
    assert texts


def test_highlight_autocomplete_offers_only_own_reports(client, two):
    client.force_login(two["coordinator"])
    url = reverse("admin:autocomplete")
    query = {"app_label": "followup", "model_name": "highlight", "field_name": "report"}
    # Only approved reports can be highlighted: none is offered before approval.
    assert client.get(url, {**query, "term": ""}).json()["results"] == []
    StatusReport.objects.update(state="approved", reviewed_at=timezone.now())
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "followup", "model_name": "highlight", "field_name": "report", "term": ""},
    )
    texts = " ".join(row["text"] for row in response.json()["results"])
    assert "Frukost i skolan" in texts
    assert "Trapphusvärdar" not in texts


def test_reminder_list_is_scoped(client, two):
    client.force_login(two["coordinator"])
    page = client.get(reverse("admin:followup_reminder_changelist")).content.decode()
    assert "Omgång Hisings Backa" in page
    assert "Omgång Angered" not in page


def test_superuser_sees_any_overview(admin_client, two):
    url = reverse("admin:followup_reportingperiod_overview", args=[two["b"]["period"].pk])
    assert "Angeredsbostäder" in admin_client.get(url).content.decode()


def test_coordinator_may_import_and_export_but_not_see_users(client, two):
    client.force_login(two["coordinator"])
    page = client.get(reverse("admin:lofte_subpromise_changelist")).content.decode()
    assert reverse("admin:lofte_subpromise_import") in page
    assert reverse("admin:lofte_subpromise_export") in page
    assert client.get(reverse("admin:followup_statusreport_import")).status_code == 200
    assert client.get(reverse("admin:parties_partner_export")).status_code == 200
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403


def invite(client, partner, email="ny.rapportor@example.org"):
    return client.post(
        reverse("admin:parties_membership_add"),
        {"partner": partner.pk, "email": email, "first_name": "Nora", "last_name": "Ny"},
        follow=True,
    )


def test_coordinator_invites_a_new_reporter(client, two, django_capture_on_commit_callbacks):
    client.force_login(two["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client, two["a"]["partner"])
    assert "En inbjudan med en länk" in response.content.decode()
    user = get_user_model().objects.get(email="ny.rapportor@example.org")
    assert not user.has_usable_password()
    assert not user.is_staff
    assert Membership.objects.filter(user=user, partner=two["a"]["partner"]).exists()
    [message] = mail.outbox
    assert message.to == ["ny.rapportor@example.org"]
    assert "Ellen Keyskolan" in message.subject
    link = re.search(r"http://\S+/accounts/reset/\S+", message.body).group(0)
    path = link.split("localhost:8000", 1)[1]
    client.logout()
    set_password_page = client.get(path, follow=True)
    assert set_password_page.context["validlink"] is True
    client.post(
        set_password_page.redirect_chain[-1][0],
        {"new_password1": "Fr1sk-Backa-2025", "new_password2": "Fr1sk-Backa-2025"},
    )
    user.refresh_from_db()
    assert user.check_password("Fr1sk-Backa-2025")


def test_inviting_an_existing_person_adds_them_without_a_new_account(client, two):
    existing = make_reporter(two["b"]["partner"], "delad")
    client.force_login(two["coordinator"])
    invite(client, two["a"]["partner"], email=existing.email)
    assert get_user_model().objects.filter(email=existing.email).count() == 1
    assert Membership.objects.filter(user=existing, partner=two["a"]["partner"]).exists()


def test_cannot_invite_to_another_promises_partner(client, two):
    client.force_login(two["coordinator"])
    response = invite(client, two["b"]["partner"])
    assert "Välj ett giltigt alternativ" in response.content.decode()
    assert not get_user_model().objects.filter(email="ny.rapportor@example.org").exists()
    assert mail.outbox == []


def test_inviting_twice_is_refused(client, two):
    client.force_login(two["coordinator"])
    invite(client, two["a"]["partner"])
    response = invite(client, two["a"]["partner"])
    assert "rapporterar redan" in response.content.decode()


def test_a_filters_search_box_carries_the_lists_other_filters_but_not_itself(client, two):
    client.force_login(two["coordinator"])
    response = client.get(
        reverse("admin:followup_statusreport_changelist"),
        {"sub_promise__focus_area_q": "Fokus", "status__exact": "not_started"},
    )
    page = response.content.decode()
    forms = re.findall(r'<form method="get" class="bounded-filter-search".*?</form>', page, re.S)
    own = next(form for form in forms if 'type="search" id="id_sub_promise__focus_area_q"' in form)
    assert '<input type="hidden" name="status__exact" value="not_started">' in own
    assert 'type="hidden" name="sub_promise__focus_area_q"' not in own
    assert 'name="sub_promise__focus_area_q" value="Fokus"' in own
    assert "Fokus Angered" not in page


def test_an_export_is_seen_by_its_asker_and_its_promises_coordinators_only(two):
    asker, colleague = make_coordinator(two["a"]["promise"]), make_coordinator(two["a"]["promise"])
    theirs = make_coordinator(two["b"]["promise"])
    own = ExportJob.objects.create(
        requested_by=asker, promise=two["a"]["promise"], model="lofte.subpromise", row_count=9
    )
    # An export across promises names none: only the asker sees it.
    across = ExportJob.objects.create(requested_by=asker, model="lofte.subpromise", row_count=9)
    assert set(ExportJob.objects.visible_to(asker)) == {own, across}
    assert list(ExportJob.objects.visible_to(colleague)) == [own]
    assert not ExportJob.objects.visible_to(theirs).exists()
    assert not ExportJob.objects.visible_to(AnonymousUser()).exists()


def test_a_coordinator_who_is_no_longer_staff_runs_no_promise():
    from lofte.models import FocusArea, Promise

    promise = make_promise()
    make_focus_area(promise, "Skola")
    user = make_coordinator(promise)
    assert list(Promise.objects.coordinated_by(user)) == [promise]
    user.is_staff = False  # still listed among the promise's coordinators
    user.save()
    assert list(Promise.objects.coordinated_by(user)) == []
    assert not FocusArea.objects.coordinated_by(user).exists()


def test_coordinators_cannot_delete_reports_or_touch_accounts(client, two):
    """A partner's report stays, whatever its coordinator does; accounts are for superusers."""
    coordinator = two["coordinator"]
    codenames = set(ensure_coordinator_group().permissions.values_list("codename", flat=True))
    assert "view_statusreport" in codenames and "change_statusreport" in codenames
    assert not codenames & {"delete_statusreport", "delete_partner", "delete_reportingperiod"}
    assert (
        not ensure_coordinator_group()
        .permissions.filter(content_type__app_label__in=["auth", "sessions", "admin"])
        .exists()
    )
    client.force_login(coordinator)
    ours = two["a"]["report"]
    response = client.post(
        reverse("admin:followup_statusreport_delete", args=[ours.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    client.post(
        reverse("admin:followup_statusreport_changelist"),
        {"action": "delete_selected", "_selected_action": [ours.pk], "post": "yes"},
    )
    assert StatusReport.objects.filter(pk=ours.pk).exists()
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
