"""The site's owner (organisation, logo, contact) from settings: on every public page's header
and footer, the error pages, the widget, the follow-up's page and its PDF's cover; escaped
everywhere; a logo only among our static files."""

import html
import io
import json
import re

import pypdf
import pytest
from django.core import checks
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from rdflib import Graph, Literal, URIRef

from followup.document.data import render_document
from followup.document.pdf import render_pdf
from lofte.owner import check_owner, get_owner

from .public_data import build_world
from .test_settings import PRODUCTION, manage

pytestmark = pytest.mark.django_db

HOSTILE_NAME = 'Backa <script>alert("ägare")</script> & Co'


@pytest.fixture(autouse=True)
def demo_owner(settings):
    """The owner `make run` names (the Makefile's demo): a real site names its own, and the
    settings' defaults name none (tests/test_production_start.py)."""
    settings.OWNER_NAME = "Göteborgs Stad och Polisen"
    settings.OWNER_URL = "https://goteborg.se"
    settings.OWNER_ADDRESS = "Göteborgs Stad, 404 82 Göteborg"


HOSTILE_ADDRESS = "Box 1 <img src=x onerror=alert(1)>"


@pytest.fixture
def world():
    return build_world()


def freeze():
    """As `load_demo` and publishing do: the published follow-up is served as frozen, with
    the owner it was published under."""
    call_command("freeze_follow_ups", verbosity=0)


def html_pages(world) -> list[str]:
    """Every public HTML page that shows one promise's data or the site's basics."""
    slug = world.promise.slug
    return [
        reverse("public:start"),
        reverse("public:promises"),
        reverse("public:promise", args=[slug]),
        reverse("public:subscribe", args=[slug]),
        reverse("public:accessibility"),
        reverse("public:personal_data"),
        reverse("document:follow_up", args=[slug]),
    ]


def text_of(body: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_demo_owner_is_in_the_header_and_footer_of_every_public_page(client, world):
    freeze()
    for url in html_pages(world):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        header = body[body.index('<header class="site-header">') : body.index("</header>")]
        assert (
            '<img class="owner-logo" src="/static/img/owner-logo.svg" '
            'alt="Göteborgs Stad och Polisen">' in header
        ), url
        footer = text_of(body[body.index('<footer class="site-footer">') :])
        assert "Utgiven av Göteborgs Stad och Polisen" in footer, url
        assert "Göteborgs Stad, 404 82 Göteborg" in footer, url
        assert 'href="https://goteborg.se">goteborg.se</a>' in body, url


def test_owner_is_in_english_too(client, world):
    client.cookies["django_language"] = "en"
    footer = text_of(client.get("/").content.decode().split('<footer class="site-footer">')[1])
    assert "Published by Göteborgs Stad och Polisen" in footer
    assert "Website: goteborg.se" in footer


def test_owner_comes_from_settings(client, world, settings):
    settings.OWNER_NAME = "Malmö stad"
    settings.OWNER_URL = "https://malmo.se/"
    settings.OWNER_EMAIL = "trygghet@malmo.example"
    settings.OWNER_ADDRESS = ""
    settings.OWNER_LOGO = ""
    body = client.get("/").content.decode()
    assert "owner-logo" not in body
    text = text_of(body)
    assert "Utgiven av Malmö stad" in text
    assert "E-post: trygghet@malmo.example Webbplats: malmo.se" in text
    assert "Göteborgs Stad" not in text and "goteborg.se" not in text


def test_widget_names_the_owner(client, world):
    response = client.get(reverse("public:widget", args=[world.promise.slug]))
    assert "Utgiven av Göteborgs Stad och Polisen" in text_of(response.content.decode())


@pytest.mark.urls("tests.test_error_pages")
@pytest.mark.parametrize(("url", "status"), [("/finns-inte/", 404), ("/test/broken/", 500)])
def test_error_pages_show_the_owner_without_the_database(url, status, django_assert_num_queries):
    with override_settings(DEBUG=False):
        client = Client(raise_request_exception=False)
        with django_assert_num_queries(0):
            response = client.get(url)
    assert response.status_code == status
    body = response.content.decode()
    assert 'alt="Göteborgs Stad och Polisen"' in body
    assert "Utgiven av Göteborgs Stad och Polisen" in text_of(body)


def test_hostile_owner_settings_are_escaped_on_every_public_output(client, world, settings):
    settings.OWNER_NAME = HOSTILE_NAME
    settings.OWNER_ADDRESS = HOSTILE_ADDRESS
    settings.OWNER_LOGO_ALT = 'Logo" onload="alert(1)'
    freeze()
    slug = world.promise.slug
    for url in html_pages(world):
        body = client.get(url).content.decode()
        assert "<script>alert" not in body, url
        assert "<img src=x" not in body, url
        assert 'onload="alert' not in body, url
        assert "Backa &lt;script&gt;alert(&quot;ägare&quot;)&lt;/script&gt; &amp; Co" in body, url
    # JSON-LD in the pages: the name is data, it cannot close the <script> element.
    start = client.get("/").content.decode()
    (payload,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', start, re.S)
    assert json.loads(payload)["publisher"]["name"] == HOSTILE_NAME
    widget = client.get(reverse("public:widget", args=[slug])).content.decode()
    assert "<script>" not in widget
    # The DCAT catalogue names the owner as publisher, as data.
    graph = Graph().parse(data=client.get(reverse("public:dcat")).content, format="json-ld")
    publisher = URIRef("http://testserver/#utgivare")
    assert (
        publisher,
        URIRef("http://xmlns.com/foaf/0.1/name"),
        Literal(HOSTILE_NAME, lang="sv"),
    ) in graph


def test_schema_org_names_the_owner_as_publisher_with_its_logo(client, world):
    body = client.get(reverse("public:promise", args=[world.promise.slug])).content.decode()
    (payload,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', body, re.S)
    page = json.loads(payload)["@graph"][0]
    assert page["publisher"] == {
        "@type": "GovernmentOrganization",
        "name": "Göteborgs Stad och Polisen",
        "url": "https://goteborg.se",
        "email": get_owner().email,
        "address": "Göteborgs Stad, 404 82 Göteborg",
        "logo": "http://testserver/static/img/owner-logo.svg",
    }


def test_pdf_cover_shows_the_owner_and_its_logo_fetched_from_our_static_files(world, caplog):
    html_text = render_document(world.follow_up, for_pdf=True)
    assert 'src="/static/img/owner-logo.svg"' in html_text
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(html_text)))
    cover = " ".join(reader.pages[0].extract_text().split())
    assert "utgivare göteborgs stad och polisen" in cover.lower()  # the PDF's labels are capitals
    assert "goteborg.se" in cover
    assert "Göteborgs Stad, 404 82 Göteborg" in cover
    # The logo was drawn (an image or a form on the cover), not refused.
    resources = reader.pages[0]["/Resources"]
    assert "/XObject" in resources
    assert "Refused to fetch" not in caplog.text


def test_published_html_follow_up_shows_the_owner(client, world):
    freeze()
    body = client.get(reverse("document:follow_up", args=[world.promise.slug])).content.decode()
    cover = text_of(body[body.index('<header class="title-page"') : body.index('<nav class="toc"')])
    assert "utgivare göteborgs stad och polisen" in cover.lower()  # the PDF's labels are capitals
    assert 'alt="Göteborgs Stad och Polisen"' in body


@pytest.mark.parametrize(
    ("logo", "error"),
    [
        ("/etc/passwd.png", "lofte.E001"),
        ("../lofte/settings.py", "lofte.E001"),
        ("css/site.css", "lofte.E001"),
        ("img/finns-inte.svg", "lofte.E002"),
    ],
)
def test_a_logo_that_is_not_one_of_our_static_images_is_refused_at_start(settings, logo, error):
    settings.OWNER_LOGO = logo
    assert [message.id for message in check_owner()] == [error]


def test_the_demo_logo_passes_the_check():
    assert check_owner() == []
    assert not [m for m in checks.run_checks() if m.id.startswith("lofte.")]


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DJANGO_OWNER_URL", "javascript:alert(1)", "DJANGO_OWNER_URL must be an http(s) address"),
        ("DJANGO_OWNER_EMAIL", "ingen adress", "DJANGO_OWNER_EMAIL must be an email address"),
        ("DJANGO_OWNER_NAME", " ", "DJANGO_OWNER_NAME must not be empty"),
    ],
)
def test_bad_owner_settings_stop_the_start(variable, value, message):
    result = manage("check", **{**PRODUCTION, variable: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_the_fixture_follow_up_frozen_on_first_request_carries_its_publishers(client):
    """The demo promise names its own two publishers; the site's owner is in the header (and
    in the footer of the page that asks to wait while the follow-up is frozen)."""
    call_command("loaddata", "hisings_backa_2024_2025", verbosity=0)
    waiting = client.get("/uppfoljning/hisings-backa-2024-2025/")
    assert waiting.status_code == 503
    assert "Utgiven av Göteborgs Stad och Polisen" in text_of(waiting.content.decode())
    body = client.get("/uppfoljning/hisings-backa-2024-2025/").content.decode()
    footer = text_of(body[body.index('<footer class="site-footer">') :])
    assert "Utgiven av Göteborgs Stad och Polisen, lokalpolisområde Hisingen" in footer
    assert 'alt="Göteborgs Stad och Polisen"' in body
