"""Who changed what and when: each object's "Historik" in admin, for its own coordinators."""

import pytest
from django.urls import reverse
from django.utils import timezone

from followup.models import StatusReport
from lofte.models import Promise, SubPromise

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
def promise():
    promise = make_promise("Hisings Backa")
    sub = make_sub_promise(make_focus_area(promise, "Skola"), make_partner(), title="Frukost")
    make_report(sub, make_period(promise), achieved="Tusen frukostar")
    return promise


def history_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk])


def test_a_coordinators_change_shows_with_their_name(client, promise):
    coordinator = make_coordinator(promise, "karin.samordnare")
    client.force_login(coordinator)
    sub = SubPromise.objects.get()
    data = {
        "focus_area": sub.focus_area_id,
        "position": sub.position,
        "title": "Frukost varje skoldag",
        "description": "",
        "indicator_label": "",
        "indicator_unit": "",
        "indicator_target": "",
        "derived_from": "",
        "responsibilities-TOTAL_FORMS": "1",
        "responsibilities-INITIAL_FORMS": "1",
        "responsibilities-0-id": sub.responsibilities.get().pk,
        "responsibilities-0-sub_promise": sub.pk,
        "responsibilities-0-partner": sub.responsibilities.get().partner_id,
        "responsibilities-0-role": "lead",
    }
    response = client.post(reverse("admin:lofte_subpromise_change", args=[sub.pk]), data)
    assert response.status_code == 302
    latest = sub.history.latest()
    assert latest.history_user == coordinator
    assert latest.title == "Frukost varje skoldag"
    page = client.get(history_url(sub)).content.decode()
    assert "karin.samordnare" in page
    assert "Frukost varje skoldag" in page


def test_history_is_recorded_for_promise_and_report(client, promise):
    report = StatusReport.objects.get()
    report.achieved = "Tolvhundra frukostar"
    report.save()
    assert report.history.count() == 2
    promise.text = "Ny text"
    promise.save()
    assert promise.history.count() == 2


@pytest.mark.parametrize("model", [Promise, SubPromise, StatusReport])
def test_history_of_another_promise_is_404(client, promise, model):
    obj = model.objects.get()
    client.force_login(make_coordinator(make_promise("Angered")))
    assert client.get(history_url(obj)).status_code == 404
    record = obj.history.first()
    opts = obj._meta
    url = reverse(
        f"admin:{opts.app_label}_{opts.model_name}_simple_history",
        args=[obj.pk, record.history_id],
    )
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("model", [Promise, SubPromise, StatusReport])
def test_own_history_pages_open(client, promise, model):
    client.force_login(make_coordinator(promise))
    obj = model.objects.get()
    response = client.get(history_url(obj))
    assert response.status_code == 200
    record = obj.history.first()
    opts = obj._meta
    url = reverse(
        f"admin:{opts.app_label}_{opts.model_name}_simple_history",
        args=[obj.pk, record.history_id],
    )
    assert client.get(url).status_code == 200


def test_change_page_links_to_history(client, promise):
    client.force_login(make_coordinator(promise))
    sub = SubPromise.objects.get()
    page = client.get(reverse("admin:lofte_subpromise_change", args=[sub.pk])).content.decode()
    assert history_url(sub) in page
    assert "Historik" in page


def test_a_version_of_another_promise_is_404_whatever_its_number(client):
    # Their promise's version number is our promise's id: the version is still theirs.
    theirs = make_promise("Angered")
    theirs.save()
    record = theirs.history.latest()
    assert not Promise.objects.filter(pk=record.history_id).exists()
    ours = make_promise("Backa", pk=record.history_id)
    client.force_login(make_coordinator(ours))
    url = reverse("admin:lofte_promise_simple_history", args=[theirs.pk, record.history_id])
    response = client.get(url)
    assert response.status_code == 404
    assert "Angered" not in response.content.decode()


def test_a_review_in_admin_is_recorded_with_the_reviewer(client, promise):
    """The review steps save the report themselves: the request's user is still recorded."""
    StatusReport.objects.update(state="submitted", submitted_at=timezone.now(), status="done")
    report = StatusReport.objects.get()
    coordinator = make_coordinator(promise, "karin.samordnare")
    client.force_login(coordinator)
    client.post(reverse("admin:followup_statusreport_approve", args=[report.pk]))
    report.refresh_from_db()
    assert report.state == "approved"
    latest = report.history.latest()
    assert (latest.state, latest.history_user) == ("approved", coordinator)
    assert "karin.samordnare" in client.get(history_url(report)).content.decode()
