"""The review flow in admin: the report list's defaults, the read-only review page with the
partners, contributions and the next report to review, and the return page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from followup.models import Contribution, StatusReport

from .conftest import make_partner, make_period, make_promise, make_report, make_sub_promise
from .test_review import CHANGELIST, review, submitted  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def change_url(report) -> str:
    return reverse("admin:followup_statusreport_change", args=[report.pk])


@pytest.fixture
def more(review):  # noqa: F811
    """Beside the waiting report: a draft in the open round, and a submitted report in a
    closed round."""
    area = review["sub"].focus_area
    draft = make_report(make_sub_promise(area, make_partner(), title="Läxhjälp"), review["period"])
    closed = make_period(
        review["promise"],
        name="Hösten 2024",
        starts_on=datetime.date(2024, 8, 1),
        deadline=datetime.date(2024, 12, 1),
        is_open=False,
    )
    old = submitted(make_sub_promise(area, make_partner(), title="Nattvandring"), closed)
    return {**review, "draft": draft, "closed": closed, "old": old}


def test_list_opens_on_the_open_rounds_reports_waiting_for_review(client, more):
    client.force_login(more["coordinator"])
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert "Frukost i skolan" in page
    assert "Läxhjälp" not in page  # a draft
    assert "Nattvandring" not in page  # a closed round
    # The filters say so, and offer every round and state.
    assert "Öppna omgångar" in page and "Väntar på granskning" in page
    page = client.get(
        reverse(CHANGELIST), {"period__id__exact": "all", "state__exact": "all"}
    ).content.decode()
    assert all(title in page for title in ["Frukost i skolan", "Läxhjälp", "Nattvandring"])
    page = client.get(
        reverse(CHANGELIST), {"period__id__exact": more["closed"].pk, "state__exact": "submitted"}
    ).content.decode()
    assert "Nattvandring" in page and "Frukost i skolan" not in page


@pytest.mark.parametrize(
    "params",
    [{"period__id__exact": "x"}, {"state__exact": "nonsense"}, {"period__id__exact": "9" * 30}],
)
def test_list_with_a_filter_value_that_is_none_shows_nothing(client, more, params):
    client.force_login(more["coordinator"])
    response = client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200
    assert "Frukost i skolan" not in response.content.decode()


def test_another_promises_round_shows_nothing(client, more):
    client.force_login(more["coordinator"])
    theirs = make_period(make_promise("Angered"), name="Angereds omgång")
    page = client.get(
        reverse(CHANGELIST), {"period__id__exact": theirs.pk, "state__exact": "all"}
    ).content.decode()
    assert "Angereds omgång" not in page
    assert "Frukost i skolan" not in page


def test_review_page_is_read_only_and_names_the_partners(client, more):
    report = more["report"]
    Contribution.objects.create(
        report=report,
        partner=report.sub_promise.responsibilities.get(role="co").partner,
        achieved="Vi bjöd på <frukt>.",
        saved_at=timezone.now(),
    )
    client.force_login(more["coordinator"])
    page = client.get(change_url(report)).content.decode()
    assert "Ansvarig part:</strong> Ellen Keyskolan" in page
    assert "Medverkande parter:</strong> Familjebostäder" in page
    assert "Vi bjöd på &lt;frukt&gt;." in page
    assert 'name="_save"' not in page and 'name="_continue"' not in page
    assert "Version" not in page
    assert "Godkänn" in page


def test_next_to_review_is_the_next_waiting_report(client, more):
    second = submitted(
        make_sub_promise(more["sub"].focus_area, make_partner(), title="Trygga vägar"),
        more["period"],
    )
    StatusReport.objects.filter(pk=second.pk).update(
        submitted_at=timezone.now() + datetime.timedelta(minutes=5)
    )
    client.force_login(more["coordinator"])
    page = client.get(change_url(more["report"])).content.decode()
    assert "Nästa att granska: Trygga vägar" in page
    assert change_url(second) in page
    # From the last one in this round the next is the closed round's waiting report.
    page = client.get(change_url(second)).content.decode()
    assert "Nästa att granska: Frukost i skolan" in page


def test_without_other_waiting_reports_the_page_says_so(client, review):  # noqa: F811
    client.force_login(review["coordinator"])
    page = client.get(change_url(review["report"])).content.decode()
    assert "Ingen annan rapport väntar på granskning." in page


def test_return_page_shows_the_report_being_returned(client, review):  # noqa: F811
    report = review["report"]
    report.obstacles = "Brist på <personal>."
    report.save()
    client.force_login(review["coordinator"])
    page = client.get(reverse("admin:followup_statusreport_return", args=[report.pk]))
    page = page.content.decode()
    assert "Frukost i skolan" in page
    assert "Tusen frukostar delades ut." in page
    assert "Brist på &lt;personal&gt;." in page
    assert change_url(report) in page  # "Avbryt" leads back to the report
    report.refresh_from_db()
    assert report.state == StatusReport.State.SUBMITTED
