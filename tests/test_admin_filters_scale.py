"""The report list's filters stay the same size whatever the install holds.

A superuser at national size would otherwise get every partner, round and focus area as a
link in the sidebar (a megabyte of HTML). Each filter lists at most MAX_FILTER_CHOICES and
offers a search box beyond that; what it offers stays within the user's promises.
"""

import re

import pytest
from django.urls import reverse

from lofte.admin_scope import MAX_FILTER_CHOICES

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
LIST = "admin:followup_statusreport_changelist"


def build(partners: int):
    """A promise whose reports name `partners` partners, and another promise beside it."""
    mine = make_promise(slug="backa")
    area = make_focus_area(mine, "Skola")
    period = make_period(mine, name="Våren")
    for n in range(partners):
        sub = make_sub_promise(area, make_partner(f"Förening {n:03d}"), position=n + 1)
        make_report(sub, period)
    theirs = make_promise(slug="angered")
    other = make_sub_promise(make_focus_area(theirs, "Trygghet"), make_partner("Förening hemlig"))
    make_report(other, make_period(theirs, name="Hösten"))
    return mine


def partner_links(page: str) -> list[str]:
    return re.findall(r'href="\?[^"]*partner=\d+[^"]*">([^<]+)</a>', page)


@pytest.mark.parametrize("partners", [5, MAX_FILTER_CHOICES + 15])
def test_superusers_partner_filter_lists_a_bounded_number(
    admin_client, django_assert_max_num_queries, partners
):
    build(partners)
    with django_assert_max_num_queries(9):
        page = admin_client.get(reverse(LIST)).content.decode()
    links = partner_links(page)
    assert len(links) == min(partners + 1, MAX_FILTER_CHOICES)
    assert links[0] == "Förening 000"
    if partners > MAX_FILTER_CHOICES:
        assert 'name="partner_q"' in page
        assert "Bara de 50 första visas" in page
    else:
        assert 'name="partner_q"' not in page


def test_a_search_narrows_the_choices_and_keeps_the_other_filters(admin_client):
    build(MAX_FILTER_CHOICES + 15)
    page = admin_client.get(reverse(LIST), {"partner_q": "06", "state__exact": "draft"})
    text = page.content.decode()
    assert partner_links(text) == ["Förening 006", "Förening 060", "Förening 061"] + [
        f"Förening 06{n}" for n in range(2, 5)
    ]
    assert '<input type="hidden" name="state__exact" value="draft">' in text
    assert 'value="06"' in text  # the search box keeps what was typed
    # The search narrows the choices, never the list.
    assert page.context["cl"].result_count == MAX_FILTER_CHOICES + 15 + 1  # and Angered's


def test_a_chosen_partner_beyond_the_bound_is_shown_and_filters(admin_client):
    build(MAX_FILTER_CHOICES + 15)
    from parties.models import Partner

    last = Partner.objects.get(name="Förening 064")
    # Every round and state: the list opens on the open rounds' reports waiting for review.
    every = {"period__id__exact": "all", "state__exact": "all"}
    page = admin_client.get(reverse(LIST), {"partner": last.pk, **every})
    text = page.content.decode()
    assert re.search(r'class="selected">\s*<a href="[^"]*">Förening 064</a>', text)
    (report,) = page.context["cl"].result_list
    assert report.sub_promise.responsibilities.get().partner == last


def test_a_coordinators_search_finds_only_their_promises_partners(client):
    mine = build(MAX_FILTER_CHOICES + 15)
    client.force_login(make_coordinator(mine))
    text = client.get(reverse(LIST), {"partner_q": "Förening"}).content.decode()
    assert "Förening hemlig" not in text
    assert "Hösten" not in text
    from parties.models import Partner

    hidden = Partner.objects.get(name="Förening hemlig")
    text = client.get(reverse(LIST), {"partner": hidden.pk}).content.decode()
    assert "Förening hemlig" not in text


def test_round_filter_searches_by_the_rounds_admin_search(admin_client):
    mine = build(3)
    for n in range(MAX_FILTER_CHOICES + 2):  # many rounds, each with a report
        make_report(mine.focus_areas.get().sub_promises.first(), make_period(mine, name=f"R{n}"))
    text = admin_client.get(reverse(LIST)).content.decode()
    assert 'name="period_q"' in text
    text = admin_client.get(reverse(LIST), {"period_q": "Våren"}).content.decode()
    rounds = re.findall(r'href="\?[^"]*period__id__exact=\d+[^"]*">([^<]+)</a>', text)
    assert [name.split(" (")[0] for name in rounds] == ["Våren"]
    text = admin_client.get(reverse(LIST), {"period_q": "<script>"}).content.decode()
    assert "<script>" not in text.split('id="changelist-filter"')[1].split("</nav>")[0]
    assert "Inget med det namnet." in text


@pytest.mark.parametrize(
    "query",
    [
        {"partner": "99999999999999999999"},
        {"partner": "x"},
        {"partner_q": "a\x00b"},
        {"partner_q": "ö" * 500},
        {"period_q": "%", "sub_promise__focus_area_q": "_"},
    ],
)
def test_hostile_filter_input_is_no_error(admin_client, query):
    build(MAX_FILTER_CHOICES + 2)
    response = admin_client.get(reverse(LIST), query)
    assert response.status_code in (200, 302, 400)  # 400: an id no column can hold
    if response.status_code == 200:
        assert 'id="changelist-filter"' in response.content.decode()
