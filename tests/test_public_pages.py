"""The public start page and promise pages: what citizens see, what they never see, speed."""

import datetime
import html
import io
import json
import re

import pypdf
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from followup.models import FollowUp
from lofte.models import Promise, SubPromise
from public import data

from .conftest import (
    GOTEBORG,
    make_coordinator,
    make_focus_area,
    make_partner,
    make_period,
    make_promise,
    make_reporter,
    make_sub_promise,
)
from .public_data import MARKER, approved, build_many, build_world, seed_secrets

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    assert response.status_code == 200
    body = response.content.decode()
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


@pytest.fixture
def world():
    return build_world()


# --- Start page --------------------------------------------------------------------------


# The start page's list by place, its search and its query count: tests/test_public_places.py.


def test_logged_in_users_still_land_where_they_work_and_reach_the_list(client, world):
    reporter = make_reporter(world.breakfasts.responsibilities.first().partner)
    client.force_login(reporter)
    assert client.get("/").url == reverse("portal:dashboard")
    assert "Backa" in text_of(client.get(reverse("public:promises")))
    client.force_login(make_coordinator(world.promise))
    assert client.get("/").url == reverse("admin:index")


# --- Promise page --------------------------------------------------------------------------


def test_promise_page_shows_the_promise_and_every_sub_promise_over_every_round(client, world):
    text = text_of(client.get(reverse("public:promise", args=[world.promise.slug])))
    assert "Vi lovar att Backa ska bli tryggare." in text
    assert "1. Skola" in text and "2. Lokalområde" in text
    assert "Skolan är viktig." in text
    assert "För att nå dit kommer vi tillsammans att: erbjuda frukost" in text
    # Lead first, then the co-owner.
    assert "Parter: Biblioteket (ansvarig) , Bostadsbolaget" in text
    assert "Indikator: Utdelade frukostar" in text
    # The breakfasts' timeline: in progress in spring, done in autumn, with the figure.
    breakfasts = text[text.index("1.1 Frukost") : text.index("2.1 Nattvandringar")]
    assert breakfasts.index("Våren 2024") < breakfasts.index("Pågående")
    assert breakfasts.index("Hösten 2025") < breakfasts.index("Genomfört")
    assert "Vi har börjat med frukost." in breakfasts
    assert "Utdelade frukostar: 1 000 st" in breakfasts
    walks = text[text.index("2.1 Nattvandringar") : text.index("2.2 Trapphusvärdar")]
    assert "Våren 2024 (juni 2024) Ingen godkänd rapport" in walks
    assert "Hösten 2025 (december 2025) Pågående" in walks
    assert "Uppföljning medborgarlöfte Backa 2024-2025" in text


def test_promise_page_links_the_previous_and_the_next_promise(client, world):
    later = make_promise(
        "Backa",
        slug="backa-2026-2028",
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2028, 12, 31),
        previous=world.promise,
    )
    continued = make_sub_promise(
        make_focus_area(later, "Skola"),
        make_partner(),
        title="Frukost igen",
        derived_from=world.breakfasts,
    )
    text = text_of(client.get(reverse("public:promise", args=[world.promise.slug])))
    assert "Nästa löfte: Medborgarlöfte Backa 2026-2028" in text
    assert "Fortsätter i: Frukost igen" in text
    text = text_of(client.get(reverse("public:promise", args=[later.slug])))
    assert "Föregående löfte: Medborgarlöfte Backa 2024-2025" in text
    assert f"Fortsätter: {world.breakfasts.title}" in text
    assert continued.title in text


def test_unknown_promise_is_404(client, world):
    assert client.get(reverse("public:promise", args=["finns-inte"])).status_code == 404


def test_user_text_is_escaped(client, world):
    world.breakfasts.title = "<script>alert(1)</script>"
    world.breakfasts.save()
    body = client.get(reverse("public:promise", args=[world.promise.slug])).content.decode()
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_promise_page_query_count_is_fixed(client, django_assert_max_num_queries, world):
    url = reverse("public:promise", args=[world.promise.slug])
    # 12 for the promise, its rounds and sub-promises; 2 for its problems and indicators;
    # 1 for its publishers; 1 for its version (the cache key, public/caching.py).
    with django_assert_max_num_queries(16):
        assert client.get(url).status_code == 200
    build_many(3, 60)
    for _ in range(20):
        make_sub_promise(world.walks.focus_area, make_partner(), make_partner())
    cache.clear()  # new sub-promises show within a minute; here at once
    with django_assert_max_num_queries(16):
        response = client.get(url)
    assert response.content.decode().count('class="sub-promise"') == 23


# --- What the counts are made of --------------------------------------------------------


def test_progress_counts_only_approved_reports_on_the_municipality_page_and_the_promise_page(
    client, world
):
    # Newer drafts, submitted and returned reports (all "done" or "not done") change nothing.
    seed_secrets(world)
    for url in [
        reverse("public:municipality", args=[GOTEBORG]),
        reverse("public:promise", args=[world.promise.slug]),
    ]:
        text = text_of(client.get(url))
        assert "Genomfört: 1 Pågående: 2 Av 3 dellöften" in text, url
    assert dict(data.progress_of([world.promise.pk])[world.promise.pk].counts) == {
        "done": 1,
        "in_progress": 2,
    }
    assert dict(data.promise_view(world.promise).progress.counts) == {
        "done": 1,
        "in_progress": 2,
    }


def test_partly_done_counts_as_done(client, world):
    world.walks.reports.filter(period=world.autumn).update(status="partly_done")
    url = reverse("public:municipality", args=[GOTEBORG])
    assert "Genomfört: 2 Inte rapporterat än: 1" in text_of(client.get(url))
    assert dict(data.progress_of([world.promise.pk])[world.promise.pk].counts) == {
        "done": 2,
        "not_reported": 1,
    }


def rounds_promise(*rounds):
    """A promise with one sub-promise, approved in each (name, starts_on, deadline, status)
    round, periods and reports created in the order given."""
    promise = make_promise("Kortedala")
    sub = make_sub_promise(make_focus_area(promise, "Skola"), make_partner())
    for name, starts_on, deadline, status in rounds:
        period = make_period(promise, name=name, starts_on=starts_on, deadline=deadline)
        approved(sub, period, status)
    return promise


@pytest.mark.parametrize(
    "rounds, order",
    [
        # Overlapping rounds: the one that ends last is the latest, though it began first.
        (
            [
                ("Helår", "2024-01-01", "2024-12-31", "in_progress"),
                ("Vår", "2024-03-01", "2024-06-30", "done"),
            ],
            ["Vår", "Helår"],
        ),
        # Same deadline: the one that began last is the latest, though it was created first.
        (
            [
                ("Sen", "2024-03-01", "2024-06-30", "in_progress"),
                ("Tidig", "2024-01-01", "2024-06-30", "done"),
            ],
            ["Tidig", "Sen"],
        ),
        # Same dates: the one created last is the latest.
        (
            [
                ("Första", "2024-01-01", "2024-06-30", "done"),
                ("Andra", "2024-01-01", "2024-06-30", "in_progress"),
            ],
            ["Första", "Andra"],
        ),
    ],
)
def test_municipality_page_and_promise_page_agree_on_the_latest_round(rounds, order):
    promise = rounds_promise(*rounds)
    view = data.promise_view(promise)
    assert [period.name for period in view.periods] == order
    assert view.sub_promises[0].latest.period.name == order[-1]
    assert dict(view.progress.counts) == {"in_progress": 1}
    assert dict(data.progress_of([promise.pk])[promise.pk].counts) == {"in_progress": 1}


def test_sub_promises_are_listed_by_their_position_in_each_focus_area():
    promise = make_promise("Kortedala")
    area = make_focus_area(promise, "Skola")
    first = make_sub_promise(area, make_partner(), title="Först skapad", position=2)
    make_sub_promise(area, make_partner(), title="Sist skapad", position=1)
    assert first.pk < SubPromise.objects.get(title="Sist skapad").pk
    view = data.promise_view(promise)
    assert [(sub.number, sub.sub_promise.title) for sub in view.sub_promises] == [
        ("1.1", "Sist skapad"),
        ("1.2", "Först skapad"),
    ]


def test_links_between_renewed_sub_promises_cost_no_query_per_sub_promise():
    def build(size: int) -> Promise:
        earlier, promise, later = (make_promise("Backa") for _ in range(3))
        areas = [make_focus_area(p, "Skola") for p in (earlier, promise, later)]
        for n in range(size):
            make_period(promise, name=f"Omgång {n}")
            old = make_sub_promise(areas[0], make_partner(), title=f"Gammalt {n}")
            sub = make_sub_promise(areas[1], make_partner(), title=f"Nu {n}", derived_from=old)
            make_sub_promise(areas[2], make_partner(), title=f"Nytt {n}", derived_from=sub)
        return promise

    counts = []
    for size in (1, 6):
        promise = build(size)
        with CaptureQueriesContext(connection) as queries:
            view = data.promise_view(promise)
            # What the page, the CSV and the API read of each round and each link.
            rounds = [
                (period.pk, period.name, period.starts_on, period.deadline, period.is_open)
                for period in view.periods
            ]
            links = [
                (sub.continues.focus_area.promise.slug, next_sub.focus_area.promise.slug)
                for sub in view.sub_promises
                for next_sub in sub.continued_by
            ]
        assert len(rounds) == len(links) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_follow_ups_are_listed_newest_published_first(client, world):
    now = timezone.now()
    world.follow_up.published_at = now
    world.follow_up.save()
    older = FollowUp.objects.create(
        promise=world.promise,
        title="Uppföljning publicerad tidigare",
        covers_from=datetime.date(2024, 2, 1),
        covers_to=datetime.date(2024, 12, 31),
        state="published",
        published_at=now - datetime.timedelta(hours=1),
    )
    same_time = FollowUp.objects.create(
        promise=world.promise,
        title="Uppföljning publicerad samtidigt",
        covers_from=datetime.date(2024, 2, 1),
        covers_to=datetime.date(2024, 12, 31),
        state="published",
        published_at=now,
    )
    # Published at the same moment: the one created last first.
    expected = [same_time.pk, world.follow_up.pk, older.pk]
    assert [f.pk for f in data.published_follow_ups()] == expected
    assert [f.pk for f in data.promise_view(world.promise).follow_ups] == expected


def test_promises_that_start_the_same_day_are_listed_by_area(client, world):
    make_promise("Angered", starts_on=world.promise.starts_on, ends_on=world.promise.ends_on)
    body = client.get("/").content.decode()
    assert body.index(">Angered 2024-2025</a>") < body.index(">Backa 2024-2025</a>")
    body = client.get(reverse("public:municipality", args=[GOTEBORG])).content.decode()
    assert body.index(">Angered</h2>") < body.index(">Backa</h2>")


def test_an_approval_shows_on_the_cached_promise_page_at_once(client, world):
    url = reverse("public:promise", args=[world.promise.slug])
    assert "Värdar i tre trapphus." not in text_of(client.get(url))
    version = data.public_version(world.promise)
    approved(world.silent, world.autumn, "in_progress", "Värdar i tre trapphus.")
    assert data.public_version(world.promise) != version
    assert "Värdar i tre trapphus." in text_of(client.get(url))


# --- Nothing private leaves -------------------------------------------------------------


def public_urls(world) -> list[str]:
    """Every public output that can show this promise's data."""
    slug = world.promise.slug
    per_promise = [
        "public:promise",
        "document:follow_up",
        "document:follow_up_pdf",
        "public:promise_feed",
        "public:statuses_csv",
        "public:figures_csv",
        "public:csv_metadata",
        "public:api_promise",
        "public:widget",
        "public:subscribe",
    ]
    site = [
        "public:start",
        "public:promises",
        "public:feed",
        "public:dcat",
        "public:api_promises",
        "public:api_index",
        "public:api_openapi",
        "public:dcat_well_known",
        "public:accessibility",
        "public:personal_data",
    ]
    return [
        *(reverse(name) for name in site),
        reverse("public:municipality", args=[GOTEBORG]),
        *(reverse(name, args=[slug]) for name in per_promise),
    ]


def body_of(response) -> str:
    """What a citizen gets, as text: a PDF's text is extracted."""
    if response["Content-Type"] == "application/pdf":
        reader = pypdf.PdfReader(io.BytesIO(response.content))
        return " ".join(page.extract_text() for page in reader.pages)
    return response.content.decode()


@pytest.mark.parametrize("language", ["sv", "en"])
def test_no_private_field_reaches_any_public_output(client, world, language):
    seed_secrets(world)
    # The published follow-up quotes an approved report: its highlight is public, the
    # report's obstacles and review comment are not.
    world.follow_up.highlights.create(
        report=world.silent.reports.get(period=world.autumn), position=1, text="Trapphusvärdar."
    )
    call_command("freeze_follow_ups", verbosity=0)  # as publishing does: served, not rendered
    client.cookies["django_language"] = language
    for url in public_urls(world):
        response = client.get(url)
        assert response.status_code == 200, url
        body = body_of(response)
        assert MARKER.lower() not in body.lower(), url
    # The confirmation and unsubscribe pages of a subscription show its promise only.
    subscription = world.promise.subscriptions.create(
        email=f"invanare.{MARKER.lower()}@example.org", token=f"token{language}"
    )
    for name in ["public:confirm_subscription", "public:unsubscribe"]:
        body = client.get(reverse(name, args=[subscription.token])).content.decode()
        assert MARKER.lower() not in body.lower(), name
    # Nor does the follow-up's frozen PDF, rendered with the secrets in the database.
    pdf = client.get(reverse("document:follow_up_pdf", args=[world.promise.slug]))
    assert "Trapphusvärdar." in body_of(pdf)
    # The approved report of the stairwells is public; its comment and obstacles are not.
    text = text_of(client.get(reverse("public:promise", args=[world.promise.slug])))
    assert "Värdar i två trapphus." in text


# --- Only published follow-ups ----------------------------------------------------------

UNFINISHED = "OFÄRDIG9K"


def unfinished_follow_ups(world, state: str) -> Promise:
    """A follow-up of Backa in `state` (publishing or failed) beside its published one, and a
    second promise whose only follow-up is in that state. Returns the second promise."""
    fields = {
        "state": state,
        "covers_from": datetime.date(2026, 1, 1),
        "covers_to": datetime.date(2026, 12, 31),
        "publishing_since": timezone.now(),
        "publish_error": "OSError: trasig" if state == "failed" else "",
    }
    FollowUp.objects.create(
        promise=world.promise, title=f"Uppföljning Backa 2026 {UNFINISHED}", **fields
    )
    lonely = make_promise("Tynnered")
    FollowUp.objects.create(
        promise=lonely, title=f"Uppföljning Tynnered 2026 {UNFINISHED}", **fields
    )
    return lonely


UNFINISHED_OUTPUTS = [
    ("public:municipality", False),
    ("public:feed", False),
    ("public:api_promises", False),
    ("public:promise", True),
    ("public:promise_feed", True),
    ("public:api_promise", True),
    ("public:widget", True),
]


def site_url(name: str) -> str:
    return reverse(name, args=[GOTEBORG]) if name == "public:municipality" else reverse(name)


@pytest.mark.parametrize("state", ["publishing", "failed"])
@pytest.mark.parametrize(("name", "per_promise"), UNFINISHED_OUTPUTS)
def test_a_follow_up_still_publishing_or_failed_is_in_no_public_output(
    client, world, state, name, per_promise
):
    lonely = unfinished_follow_ups(world, state)
    for promise in [world.promise, lonely] if per_promise else [None]:
        url = reverse(name, args=[promise.slug]) if promise else site_url(name)
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert UNFINISHED not in body, url
        if promise != lonely:
            assert "Uppföljning medborgarlöfte Backa 2024-2025" in body, url


@pytest.mark.parametrize("state", ["publishing", "failed"])
def test_a_promise_whose_only_follow_up_is_publishing_or_failed_has_no_document(
    client, world, state
):
    lonely = unfinished_follow_ups(world, state)
    for name in ["document:follow_up", "document:follow_up_pdf"]:
        assert client.get(reverse(name, args=[lonely.slug])).status_code == 404, name
    call_command("freeze_follow_ups", verbosity=0)
    page = client.get(reverse("document:follow_up", args=[world.promise.slug]))
    assert "Uppföljning medborgarlöfte Backa 2024-2025" in page.content.decode()
    assert UNFINISHED not in page.content.decode()
    assert FollowUp.objects.filter(state=state, etag="").count() == 2


# --- Schema.org ----------------------------------------------------------------------------


def json_ld(response) -> dict:
    scripts = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S
    )
    assert len(scripts) == 1
    return json.loads(scripts[0])


def test_promise_page_describes_itself_in_schema_org(client, world):
    world.promise.organisers = "socialförvaltningen </script><script>alert(1)</script>"
    world.promise.save()
    graph = json_ld(client.get(reverse("public:promise", args=[world.promise.slug])))["@graph"]
    types = [node["@type"] for node in graph]
    assert types == ["WebPage", "Dataset", "Report"]
    report = graph[2]
    assert report["name"] == "Uppföljning medborgarlöfte Backa 2024-2025"
    assert report["author"] == {
        "@type": "GovernmentOrganization",
        "name": "socialförvaltningen </script><script>alert(1)</script>",
    }
    assert report["url"] == f"http://testserver/uppfoljning/{world.promise.slug}/"


def test_start_page_describes_the_site_in_schema_org(client, world):
    assert json_ld(client.get("/"))["@type"] == "WebSite"


# --- The widget ----------------------------------------------------------------------------


def test_widget_may_be_framed_by_any_site_and_shows_progress(client, world):
    url = reverse("public:widget", args=[world.promise.slug])
    for response in [client.get(url), client.get(url)]:  # the second from the cache
        assert "frame-ancestors *" in response["Content-Security-Policy"]
        assert "default-src 'self'" in response["Content-Security-Policy"]
        assert "X-Frame-Options" not in response
        text = text_of(response)
        assert "Genomfört: 1 Pågående: 1 Inte rapporterat än: 1" in text
        assert "Läs den senaste uppföljningen: Uppföljning medborgarlöfte Backa 2024-2025" in text
    # Every other page keeps refusing to be framed.
    page = client.get(reverse("public:promise", args=[world.promise.slug]))
    assert page["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    assert f"http://testserver{url}" in page.content.decode()


def test_widget_of_unknown_promise_is_404(client, world):
    assert client.get(reverse("public:widget", args=["finns-inte"])).status_code == 404


def test_widget_query_count_is_fixed(client, django_assert_max_num_queries, world):
    url = reverse("public:widget", args=[world.promise.slug])
    # The promise, its progress, its follow-ups and its publishers.
    with django_assert_max_num_queries(4):
        client.get(url)
    build_many(2, 30)
    cache.clear()
    with django_assert_max_num_queries(4):
        client.get(url)
