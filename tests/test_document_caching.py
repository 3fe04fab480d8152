"""Published follow-ups may be kept by anyone, but always revalidated; a new publication
has new validators, so no browser or proxy keeps serving the old one."""

import pytest
from django.urls import reverse

from followup.document.publishing import publish_follow_up

from .conftest import make_coordinator, make_promise
from .document_data import make_follow_up

pytestmark = pytest.mark.django_db

URL_NAMES = ["document:follow_up", "document:follow_up_pdf"]


def cache_control(response) -> dict[str, str]:
    directives = {}
    for part in response.headers.get("Cache-Control", "").split(","):
        name, _, value = part.strip().partition("=")
        if name:
            directives[name.lower()] = value
    return directives


@pytest.fixture
def published(client):
    promise = make_promise("Bergsjön")
    coordinator = make_coordinator(promise)
    first = make_follow_up(promise, intro="Den första uppföljningen.")
    publish_follow_up(follow_up=first, user=coordinator)
    return promise, coordinator


@pytest.mark.parametrize("url_name", URL_NAMES)
def test_published_follow_up_is_public_but_always_revalidated(client, published, url_name):
    promise, _ = published
    response = client.get(reverse(url_name, args=[promise.slug]))
    assert response.status_code == 200
    directives = cache_control(response)
    assert "public" in directives
    assert "no-cache" in directives
    assert directives.get("max-age", "0") == "0"
    assert "s-maxage" not in directives
    assert "Expires" not in response.headers or "max-age" in directives
    assert response.headers["ETag"].startswith('"') and response.headers["ETag"].endswith('"')
    assert response.headers["Content-Language"] == "sv"


@pytest.mark.parametrize(("url_name", "kind"), zip(URL_NAMES, ["html", "pdf"], strict=True))
def test_a_new_publication_changes_the_etag(client, published, url_name, kind):
    promise, coordinator = published
    url = reverse(url_name, args=[promise.slug])
    before = client.get(url)
    second = make_follow_up(promise, intro="Den andra uppföljningen.")
    publish_follow_up(follow_up=second, user=coordinator)
    second.refresh_from_db()

    after = client.get(url, headers={"if-none-match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert after.headers["ETag"] == f'"{second.etag}-{kind}"'
    if kind == "html":
        assert "Den andra uppföljningen." in after.content.decode()
        assert "Den första uppföljningen." not in after.content.decode()
    # A copy of the new publication is current: 304 without a body.
    again = client.get(url, headers={"if-none-match": after.headers["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
