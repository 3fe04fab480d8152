"""The promise page and its API answer are kept in the cache per public version: an approval
or a publication shows at once, the header (user, CSRF token) is built per request, and a
cached hit costs two queries."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from followup.document.publishing import publish_follow_up
from followup.services import approve_report

from .conftest import make_coordinator, make_reporter
from .document_data import make_follow_up
from .public_data import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def text_of(response) -> str:
    assert response.status_code == 200
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def api_sub_promise(client, world, title: str) -> dict:
    body = client.get(reverse("public:api_promise", args=[world.promise.slug])).json()
    return next(sub for sub in body["sub_promises"] if sub["title"] == title)


def test_a_cached_promise_page_costs_two_queries(client, world, django_assert_num_queries):
    url = reverse("public:promise", args=[world.promise.slug])
    first = client.get(url)
    with django_assert_num_queries(2):  # the promise, and its public version
        again = client.get(url)
    assert text_of(again) == text_of(first)
    assert "Cirka 1000 frukostar delades ut." in text_of(again)


def test_an_approval_shows_at_once_on_the_page_and_in_the_api(client, world):
    page = reverse("public:promise", args=[world.promise.slug])
    submitted = world.silent.reports.create(
        period=world.autumn,
        status="done",
        achieved="Värdar i alla trapphus.",
        state="submitted",
        submitted_at=timezone.now(),
    )
    assert "Värdar i alla trapphus." not in text_of(client.get(page))
    assert api_sub_promise(client, world, "Trapphusvärdar")["statuses"] == []

    approve_report(report=submitted, reviewer=make_coordinator(world.promise))

    assert "Värdar i alla trapphus." in text_of(client.get(page))
    latest = api_sub_promise(client, world, "Trapphusvärdar")["statuses"][-1]
    assert (latest["status"], latest["achieved"]) == ("done", "Värdar i alla trapphus.")


def test_a_publication_shows_at_once_on_the_page_and_in_the_api(client, world):
    page = reverse("public:promise", args=[world.promise.slug])
    api = reverse("public:api_promise", args=[world.promise.slug])
    title = "Uppföljning medborgarlöfte Backa 2026"
    assert title not in text_of(client.get(page))
    assert title not in client.get(api).content.decode()

    draft = make_follow_up(
        world.promise,
        title=title,
        covers_from=datetime.date(2026, 1, 1),
        covers_to=datetime.date(2026, 12, 31),
    )
    publish_follow_up(follow_up=draft, user=make_coordinator(world.promise))  # runs inline
    draft.refresh_from_db()
    assert draft.state == "published"

    assert title in text_of(client.get(page))
    assert client.get(api).json()["follow_ups"][0]["title"] == title


def test_each_language_has_its_own_copy(client, world):
    url = reverse("public:promise", args=[world.promise.slug])
    assert "Genomfört" in text_of(client.get(url))
    client.cookies["django_language"] = "en"
    english = text_of(client.get(url))
    assert "Done" in english
    assert "Genomfört" not in english


def test_the_header_is_built_per_request_around_the_cached_content(client, world):
    url = reverse("public:promise", args=[world.promise.slug])
    anonymous = client.get(url).content.decode()
    assert "Logga ut" not in anonymous
    reporter = make_reporter(world.breakfasts.responsibilities.first().partner)
    client.force_login(reporter)
    logged_in = client.get(url).content.decode()
    assert "Logga ut" in logged_in
    assert reporter.username not in anonymous
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', logged_in)
    assert tokens and all(token not in anonymous for token in tokens)
