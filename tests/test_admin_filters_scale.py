"""The report list's filters stay the same size whatever the install holds.

A superuser at national size would otherwise get every partner, round and focus area as a
link in the sidebar (a megabyte of HTML). Each filter lists at most MAX_FILTER_CHOICES and
offers a search box beyond that; what it offers stays within the user's promises.
"""

import re

import pytest
from django.urls import reverse

from lofte.admin_tools.scope import MAX_FILTER_CHOICES

from .conftest import (
    STOCKHOLM,
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
    """A promise whose reports name `partners` partners, and another municipality's promise
    beside it."""
    mine = make_promise(slug="backa")
    area = make_focus_area(mine, "Skola")
    period = make_period(mine, name="Våren")
    for n in range(partners):
        sub = make_sub_promise(area, make_partner(f"Förening {n:03d}"), position=n + 1)
        make_report(sub, period)
    # Of another municipality, whose partners a coordinator of `mine` never sees.
    theirs = make_promise(slug="angered", municipalities=(STOCKHOLM,))
    other = make_sub_promise(
        make_focus_area(theirs, "Trygghet"),
        make_partner("Förening hemlig", municipality_id=STOCKHOLM),
    )
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


# --- The generic relation filter (ScopedRelatedFilter): the report list's focus areas -------

AREA = "sub_promise__focus_area"


def build_areas(count: int):
    """A promise with `count` focus areas, each with one report, and another promise beside
    it whose focus area matches every search."""
    mine = make_promise(slug="backa")
    period = make_period(mine, name="Våren")
    partner = make_partner("Förening")
    for n in range(count):
        area = make_focus_area(mine, f"Fokus {n:03d}", position=n + 1)
        make_report(make_sub_promise(area, partner, position=1), period)
    theirs = make_promise(slug="angered")
    hidden = make_focus_area(theirs, "Fokus hemlig")
    make_report(make_sub_promise(hidden, make_partner("Annan")), make_period(theirs))
    return mine


def area_links(page: str) -> list[str]:
    """The focus areas the focus-area filter links to (other filters' links and the column
    headers carry a chosen focus area too)."""
    block = page.split('data-filter-title="fokusområde"')[1].split("</details>")[0]
    return re.findall(rf'href="\?[^"]*{AREA}__id__exact=\d+[^"]*">([^<]+)</a>', block)


def test_a_relation_filter_lists_a_bounded_number_and_offers_a_search(admin_client):
    build_areas(MAX_FILTER_CHOICES + 5)
    page = admin_client.get(reverse(LIST)).content.decode()
    links = area_links(page)
    assert len(links) == MAX_FILTER_CHOICES
    assert links[:2] == ["Fokus 000", "Fokus 001"]
    assert f'name="{AREA}_q"' in page
    assert "Bara de 50 första visas" in page


def test_a_relation_filter_under_the_bound_lists_all_and_no_search(admin_client):
    build_areas(3)
    page = admin_client.get(reverse(LIST)).content.decode()
    assert area_links(page) == ["Fokus 000", "Fokus 001", "Fokus 002", "Fokus hemlig"]
    assert f'name="{AREA}_q"' not in page
    assert "Bara de 50 första visas" not in page


def test_a_relation_filters_search_uses_the_related_admins_search(admin_client):
    build_areas(MAX_FILTER_CHOICES + 5)
    response = admin_client.get(reverse(LIST), {f"{AREA}_q": " Fokus 05 ", "state__exact": "all"})
    page = response.content.decode()
    # The admin's search: every word in the name ("05" is in "Fokus 005" too).
    assert area_links(page) == ["Fokus 005"] + [f"Fokus 05{n}" for n in range(5)]
    assert 'value="Fokus 05"' in page  # what was typed, trimmed
    assert '<input type="hidden" name="state__exact" value="all">' in page
    assert "Bara de 50 första visas" not in page
    # The search narrows the choices, never the list.
    assert response.context["cl"].result_count == MAX_FILTER_CHOICES + 5 + 1
    assert "Inget med det namnet." not in page
    # A NUL is dropped, not searched for (PostgreSQL would refuse it).
    page = admin_client.get(reverse(LIST), {f"{AREA}_q": "Fokus 05\x00"}).content.decode()
    assert area_links(page) == ["Fokus 005"] + [f"Fokus 05{n}" for n in range(5)]
    page = admin_client.get(reverse(LIST), {f"{AREA}_q": "ingenting"}).content.decode()
    assert area_links(page) == []
    assert f'name="{AREA}_q"' in page  # the box stays, to search again
    assert "Inget med det namnet." in page


def test_a_relation_filters_chosen_object_beyond_the_bound_is_shown(admin_client):
    build_areas(MAX_FILTER_CHOICES + 5)
    from lofte.models import FocusArea

    last = FocusArea.objects.get(name=f"Fokus {MAX_FILTER_CHOICES + 4:03d}")
    every = {"period__id__exact": "all", "state__exact": "all"}
    page = admin_client.get(reverse(LIST), {f"{AREA}__id__exact": last.pk, **every})
    text = page.content.decode()
    assert re.search(rf'class="selected">\s*<a href="[^"]*">{last.name}</a>', text)
    assert len(area_links(text)) == MAX_FILTER_CHOICES + 1
    (report,) = page.context["cl"].result_list
    assert report.sub_promise.focus_area == last


def test_a_coordinators_relation_filter_offers_only_their_promises(client):
    mine = build_areas(MAX_FILTER_CHOICES + 5)
    client.force_login(make_coordinator(mine))
    every = {"period__id__exact": "all", "state__exact": "all"}
    page = client.get(reverse(LIST), {f"{AREA}_q": "Fokus", **every}).content.decode()
    assert "Fokus hemlig" not in page
    assert len(area_links(page)) == MAX_FILTER_CHOICES


def test_a_relation_filter_at_exactly_the_bound_lists_all_and_no_search(client):
    mine = build_areas(MAX_FILTER_CHOICES)
    client.force_login(make_coordinator(mine))
    page = client.get(reverse(LIST), {"period__id__exact": "all"}).content.decode()
    assert len(area_links(page)) == MAX_FILTER_CHOICES
    assert f'name="{AREA}_q"' not in page


def test_a_relation_filters_chosen_object_within_the_bound_is_listed_once(admin_client):
    build_areas(MAX_FILTER_CHOICES + 5)
    from lofte.models import FocusArea

    first = FocusArea.objects.get(name="Fokus 000")
    page = admin_client.get(reverse(LIST), {f"{AREA}__id__exact": first.pk}).content.decode()
    links = area_links(page)
    assert len(links) == MAX_FILTER_CHOICES
    assert links.count("Fokus 000") == 1


def test_a_relation_filters_search_is_cut_at_100_characters(admin_client):
    mine = build_areas(MAX_FILTER_CHOICES + 1)
    long_name = "Z" * 100
    make_report(
        make_sub_promise(make_focus_area(mine, long_name), make_partner("Lång")),
        mine.periods.get(),
    )
    page = admin_client.get(reverse(LIST), {f"{AREA}_q": long_name + "Y"}).content.decode()
    assert area_links(page) == [long_name]
