"""Publishers per promise: each promise's outputs name its own publishers, in its order, and
never another promise's; a logo is re-encoded on upload and served from a versioned address;
a superuser keeps the list, a coordinator chooses from it for their own promises only."""

import base64
import datetime
import html
import io
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pypdf
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from followup.document.data import build_document, render_document
from followup.document.publishing import publish_follow_up
from followup.models import FollowUp
from lofte.accounts.roles import ensure_coordinator_group
from lofte.models import Promise, PromisePublisher
from parties.logos import clean_logo
from parties.models import Partner, Publisher
from parties.publishers import publishers_for

from .conftest import (
    make_coordinator,
    make_focus_area,
    make_partner,
    make_period,
    make_promise,
    make_sub_promise,
    make_user,
)
from .document_data import make_follow_up
from .public_data import approved

pytestmark = pytest.mark.django_db

GOTEBORG, STOCKHOLM = "1480", "0180"
ATOM = "{http://www.w3.org/2005/Atom}"


def png(width: int = 1600, height: int = 400, colour=(0, 82, 136, 255)) -> bytes:
    """A PNG with a text chunk and trailing bytes, neither of which may survive."""
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    out = io.BytesIO()
    Image.new("RGBA", (width, height), colour).save(out, format="PNG", pnginfo=info)
    return out.getvalue() + b"<?php echo 1; ?>"


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 0, 0)).save(out, format="GIF")
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def make_publisher(name: str, municipality: str | None, *, slug: str, **fields) -> Publisher:
    """A publisher with contact details and a logo (as admin stores it)."""
    # Each its own colour: the PDF would draw two equal images as one.
    shade = sum(slug.encode()) % 256
    logo = clean_logo(upload(f"{slug}.png", png(colour=(shade, 82, 255 - shade, 255))))
    return Publisher.objects.create(
        name=name,
        municipality_id=municipality,
        address=f"{name}, Box 1, 100 00 {slug.title()}",
        email=f"info@{slug}.example",
        url=f"https://www.{slug}.example/trygghet/",
        logo=logo.png,
        logo_width=logo.width,
        logo_height=logo.height,
        logo_version=logo.version,
        **fields,
    )


@dataclass
class Place:
    code: str
    promise: Promise
    police: Partner
    publishers: list[Publisher]
    follow_up: FollowUp

    @property
    def names(self) -> list[str]:
        return [publisher.name for publisher in self.publishers]


def build_place(code: str, area: str, municipality: str, police_area: str) -> Place:
    promise = make_promise(
        area,
        municipalities=(code,),
        slug=f"loftet-{code}",
        starts_on=datetime.date(2024, 1, 1),
        ends_on=datetime.date(2025, 12, 31),
    )
    police = make_partner("Polisen", municipality_id=code)
    focus = make_focus_area(promise, "Trygghet")
    sub = make_sub_promise(focus, police, title=f"Trygghetsvandringar i {area}")
    period = make_period(
        promise,
        starts_on=datetime.date(2024, 1, 1),
        deadline=datetime.date(2024, 6, 30),
        is_open=False,
    )
    approved(sub, period, "done", "Vi har vandrat.")
    city = make_publisher(municipality, code, slug=f"kommun{code}")
    polis = make_publisher(f"Polisen lokalpolisområde {police_area}", None, slug=f"polis{code}")
    PromisePublisher.objects.create(promise=promise, publisher=city, position=1)
    PromisePublisher.objects.create(promise=promise, publisher=polis, position=2)
    follow_up = make_follow_up(promise, title=f"Uppföljning medborgarlöfte {area} 2024-2025")
    return Place(code, promise, police, [city, polis], follow_up)


@pytest.fixture
def places(settings) -> dict[str, Place]:
    """Göteborg's promise and Stockholm's, each with a partner named exactly "Polisen" and
    its own two publishers with logos; the site's owner is a third organisation."""
    settings.OWNER_NAME = "Exempelmyndigheten"
    settings.OWNER_URL = "https://exempelmyndigheten.example"
    settings.OWNER_EMAIL = "info@exempelmyndigheten.example"
    settings.OWNER_ADDRESS = "Exempelmyndigheten, 100 00 Exempelstad"
    built = {
        GOTEBORG: build_place(GOTEBORG, "Backa", "Göteborgs Stad", "Hisingen"),
        STOCKHOLM: build_place(STOCKHOLM, "Rinkeby", "Stockholms stad", "Rinkeby"),
    }
    assert {place.police.name for place in built.values()} == {"Polisen"}
    return built


@pytest.fixture
def published(places) -> dict[str, Place]:
    """Both follow-ups published (rendered and frozen by the immediate task queue)."""
    for place in places.values():
        publish_follow_up(follow_up=place.follow_up, user=make_coordinator(place.promise))
        place.follow_up.refresh_from_db()
        assert place.follow_up.state == FollowUp.State.PUBLISHED
    return places


def other(places, code: str) -> Place:
    return next(place for place in places.values() if place.code != code)


def text_of(body: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def pdf_cover(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join((reader.pages[0].extract_text() or "").split())


def assert_names_only(text: str, own: Place, foreign: Place, where: str) -> None:
    """`text` names each of `own`'s publishers and nothing of `foreign`'s."""
    for name in own.names:
        assert name in text, where
    for publisher in foreign.publishers:
        for value in [publisher.name, publisher.email, publisher.url_label, publisher.address]:
            assert value not in text, (where, value)
    assert "Exempelmyndigheten" not in text, where


def json_ld(body: str) -> dict:
    (payload,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', body, re.S)
    return json.loads(payload)


# --- Every output of a promise names its own publishers ------------------------------------


@pytest.mark.parametrize("code", [GOTEBORG, STOCKHOLM])
def test_promise_page_names_its_own_publishers_with_their_logos(client, places, code):
    place, foreign = places[code], other(places, code)
    body = client.get(reverse("public:promise", args=[place.promise.slug])).content.decode()
    main = body[body.index('<main id="main"') : body.index("</main>")]
    footer = body[body.index('<footer class="site-footer">') :]
    publishers = main[main.index('<ul class="publishers"') :]
    publishers = publishers[: publishers.index("</ul>")]
    assert text_of(publishers) == " ".join(place.names)
    for publisher in place.publishers:
        assert f'src="{publisher.logo_url}"' in publishers
    assert f"Utgiven av {place.names[0]} och {place.names[1]}" in text_of(footer)
    for publisher in place.publishers:
        assert publisher.address in text_of(footer)
        assert f'href="mailto:{publisher.email}"' in footer
        assert f'href="{publisher.url}"' in footer
    assert_names_only(text_of(main + footer), place, foreign, "promise page")
    for publisher in foreign.publishers:
        assert publisher.logo_url not in body


@pytest.mark.parametrize("code", [GOTEBORG, STOCKHOLM])
def test_follow_up_page_names_its_own_publishers_on_cover_and_footer(client, published, code):
    place, foreign = published[code], other(published, code)
    body = client.get(reverse("document:follow_up", args=[place.promise.slug])).content.decode()
    cover = body[body.index('<header class="title-page"') : body.index('<nav class="toc"')]
    footer = body[body.index('<footer class="site-footer">') :]
    entries = re.findall(r'<dd class="title-page__publisher">(.*?)</dd>', cover, re.S)
    assert [text_of(entry) for entry in entries] == [
        f"{p.name} {p.email} {p.url_label} {p.address}" for p in place.publishers
    ]
    for publisher in place.publishers:
        assert f'src="{publisher.logo_url}" alt="{publisher.name}"' in cover
    assert f"Utgiven av {place.names[0]} och {place.names[1]}" in text_of(footer)
    assert_names_only(text_of(cover + footer), place, foreign, "follow-up page")
    for publisher in foreign.publishers:
        assert publisher.logo_url not in body


@pytest.mark.parametrize("code", [GOTEBORG, STOCKHOLM])
def test_pdf_cover_names_its_own_publishers_with_their_logos_embedded(client, published, code):
    place, foreign = published[code], other(published, code)
    response = client.get(reverse("document:follow_up_pdf", args=[place.promise.slug]))
    cover = pdf_cover(response.content)
    assert_names_only(cover, place, foreign, "PDF cover")
    for publisher in place.publishers:
        assert publisher.url_label in cover
        assert publisher.address in cover
    # Both logos are drawn on the cover, from data: URLs (the renderer fetches no page).
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    assert len(reader.pages[0].images) >= 2
    printed = render_document(place.follow_up, for_pdf=True)
    for publisher in place.publishers:
        data = base64.b64encode(bytes(publisher.logo)).decode()
        assert f'src="data:image/png;base64,{data}"' in printed
    assert "/utgivare/" not in printed


@pytest.mark.parametrize("code", [GOTEBORG, STOCKHOLM])
def test_feed_is_authored_by_its_own_publishers_in_order(client, published, code):
    place, foreign = published[code], other(published, code)
    response = client.get(reverse("public:promise_feed", args=[place.promise.slug]))
    feed = ET.fromstring(response.content)  # noqa: S314 (our own feed)
    authors = [
        {child.tag.removeprefix(ATOM): child.text for child in author}
        for author in feed.findall(f"{ATOM}author")
    ]
    assert authors == [
        {"name": publisher.name, "email": publisher.email, "uri": publisher.url}
        for publisher in place.publishers
    ]
    assert_names_only(response.content.decode(), place, foreign, "feed")


@pytest.mark.parametrize("code", [GOTEBORG, STOCKHOLM])
def test_json_ld_names_its_own_publishers_as_organisations(client, published, code):
    place, foreign = published[code], other(published, code)
    body = client.get(reverse("public:promise", args=[place.promise.slug])).content.decode()
    graph = json_ld(body)["@graph"]
    expected = [
        {
            "@type": "GovernmentOrganization",
            "name": publisher.name,
            "url": publisher.url,
            "email": publisher.email,
            "address": publisher.address,
            "logo": f"http://testserver{publisher.logo_url}",
        }
        for publisher in place.publishers
    ]
    page, dataset, report = graph
    assert page["publisher"] == dataset["publisher"] == report["publisher"] == expected
    assert_names_only(json.dumps(graph, ensure_ascii=False), place, foreign, "JSON-LD")


@pytest.mark.parametrize("code", [GOTEBORG, STOCKHOLM])
def test_widget_names_its_own_publishers(client, published, code):
    place, foreign = published[code], other(published, code)
    body = client.get(reverse("public:widget", args=[place.promise.slug])).content.decode()
    assert f"Utgiven av {place.names[0]} och {place.names[1]}" in text_of(body)
    assert_names_only(text_of(body), place, foreign, "widget")


def test_outputs_follow_the_promises_order(client, places):
    place = places[GOTEBORG]
    PromisePublisher.objects.filter(promise=place.promise, publisher=place.publishers[1]).update(
        position=0
    )
    cache.clear()
    body = client.get(reverse("public:promise", args=[place.promise.slug])).content.decode()
    assert f"Utgiven av {place.names[1]} och {place.names[0]}" in text_of(body)
    names = [node["name"] for node in json_ld(body)["@graph"][0]["publisher"]]
    assert names == [place.names[1], place.names[0]]
    document = build_document(place.follow_up)
    assert [byline.name for byline in document.publishers] == [place.names[1], place.names[0]]


def test_a_publisher_shared_by_two_promises_is_named_by_each_in_its_own_place(client, places):
    """A police region that publishes promises in both municipalities: each promise names it
    where it put it, with its own other publishers only."""
    region = make_publisher("Polisregion Mitt och Väst", None, slug="polisregion")
    for place, position in [(places[GOTEBORG], 0), (places[STOCKHOLM], 9)]:
        PromisePublisher.objects.create(promise=place.promise, publisher=region, position=position)
    for place, expected in [
        (places[GOTEBORG], [region.name, *places[GOTEBORG].names]),
        (places[STOCKHOLM], [*places[STOCKHOLM].names, region.name]),
    ]:
        assert [byline.name for byline in publishers_for(place.promise)] == expected
        body = client.get(reverse("public:promise", args=[place.promise.slug])).content.decode()
        names = [node["name"] for node in json_ld(body)["@graph"][0]["publisher"]]
        assert names == expected
        assert_names_only(text_of(body), place, other(places, place.code), "promise page")


def test_a_promise_without_publishers_names_the_site_owner(client, places):
    place = places[STOCKHOLM]
    PromisePublisher.objects.filter(promise=place.promise).delete()
    body = client.get(reverse("public:promise", args=[place.promise.slug])).content.decode()
    assert '<ul class="publishers"' not in body
    assert "Utgiven av Exempelmyndigheten" in text_of(body)
    assert json_ld(body)["@graph"][0]["publisher"]["name"] == "Exempelmyndigheten"
    response = client.get(reverse("public:promise_feed", args=[place.promise.slug]))
    feed = ET.fromstring(response.content)  # noqa: S314 (our own feed)
    assert [a.find(f"{ATOM}name").text for a in feed.findall(f"{ATOM}author")] == [
        "Exempelmyndigheten"
    ]
    cover = render_document(place.follow_up, for_pdf=True)
    assert "Exempelmyndigheten" in text_of(cover)
    assert "Stockholms stad" not in cover


def test_site_wide_pages_keep_the_site_owner(client, places):
    for url in [reverse("public:start"), reverse("public:accessibility")]:
        body = client.get(url).content.decode()
        footer = text_of(body[body.index('<footer class="site-footer">') :])
        assert "Utgiven av Exempelmyndigheten" in footer, url
        assert "Göteborgs Stad" not in footer and "Stockholms stad" not in footer, url


def test_the_published_follow_up_keeps_the_publishers_of_the_day(client, published):
    place = published[GOTEBORG]
    city = place.publishers[0]
    city.name = "Nya Göteborgs Stad"
    city.address = "Nytt torg 1, 400 00 Göteborg"
    city.save()
    slug = place.promise.slug
    page = client.get(reverse("document:follow_up", args=[slug])).content.decode()
    assert "Göteborgs Stad, Box 1" in text_of(page)
    assert "Nya Göteborgs Stad" not in page and "Nytt torg" not in page
    pdf = pdf_cover(client.get(reverse("document:follow_up_pdf", args=[slug])).content)
    assert "Göteborgs Stad, Box 1" in pdf
    assert "Nya Göteborgs Stad" not in pdf
    # The promise page (live) and a new draft name the publisher as it is now.
    cache.clear()
    live = client.get(reverse("public:promise", args=[slug])).content.decode()
    assert "Nya Göteborgs Stad" in text_of(live)
    draft = make_follow_up(place.promise, title="Nästa uppföljning")
    assert "Nya Göteborgs Stad" in text_of(render_document(draft, for_pdf=False))


def test_publishers_are_read_in_one_query_whatever_their_number(client, places):
    """Two publishers or eight: the promise page, its feed, its widget and its document cost
    the same number of queries."""
    place = places[GOTEBORG]
    slug = place.promise.slug

    def counts() -> list[int]:
        cache.clear()
        result = []
        for url in [
            reverse("public:promise", args=[slug]),
            reverse("public:promise_feed", args=[slug]),
            reverse("public:widget", args=[slug]),
        ]:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries))
        follow_up = FollowUp.objects.select_related("promise").get(pk=place.follow_up.pk)
        with CaptureQueriesContext(connection) as queries:
            build_document(follow_up, embed_logos=True)
        return [*result, len(queries)]

    few = counts()
    for n in range(6):
        publisher = make_publisher(f"Förening {n}", GOTEBORG, slug=f"forening{n}")
        PromisePublisher.objects.create(promise=place.promise, publisher=publisher, position=3 + n)
    assert len(publishers_for(place.promise)) == 8
    assert counts() == few


# --- Logos ---------------------------------------------------------------------------------


@pytest.fixture
def superuser_client(client):
    client.force_login(make_user("admin", is_staff=True, is_superuser=True))
    return client


def publisher_form(publisher: Publisher, **extra) -> dict:
    return {
        "name": publisher.name,
        "municipality": publisher.municipality_id or "",
        "address": publisher.address,
        "email": publisher.email,
        "url": publisher.url,
        **extra,
    }


def test_a_png_logo_is_re_encoded_within_its_bounds(superuser_client, places):
    publisher = places[GOTEBORG].publishers[0]
    old_version = publisher.logo_version
    sent = png(2000, 300, (200, 30, 30, 255))
    url = reverse("admin:parties_publisher_change", args=[publisher.pk])
    response = superuser_client.post(
        url, publisher_form(publisher, logo_upload=upload("logo.png", sent))
    )
    assert response.status_code == 302
    publisher.refresh_from_db()
    stored = bytes(publisher.logo)
    assert stored != sent
    assert stored.startswith(b"\x89PNG\r\n\x1a\n")
    assert b"<script>" not in stored and b"<?php" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "PNG"
        assert image.size == (800, 120) == (publisher.logo_width, publisher.logo_height)
    assert publisher.logo_version not in {"", old_version}
    # The form shows the new logo.
    page = superuser_client.get(url).content.decode()
    assert f'<img class="publisher-logo" src="{publisher.logo_url}"' in page


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "Logotyper i SVG tas inte emot (en SVG kan bära ett skript)",
        ),
        (
            "logo.png",
            "Det här är ingen bild, bara text.\n".encode() * 10,
            "Filen är inte en bild i PNG",
        ),
        ("logo.png", b"\x89PNG" + b"0" * (3 * 1024 * 1024), "Logotypen är 3.0 MB; högst 2 MB"),
        ("logo.gif", gif(), "En bild i GIF tas inte emot"),
    ],
    ids=["svg", "text-named-png", "3-mb", "gif"],
)
def test_a_logo_that_is_not_a_small_raster_image_is_refused_and_nothing_is_stored(
    superuser_client, places, name, content, message
):
    publisher = places[GOTEBORG].publishers[0]
    before = (bytes(publisher.logo), publisher.logo_version, publisher.name)
    url = reverse("admin:parties_publisher_change", args=[publisher.pk])
    response = superuser_client.post(
        url, publisher_form(publisher, name="Nytt namn", logo_upload=upload(name, content))
    )
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.errors["logo_upload"])
    assert message in errors
    assert message in html.unescape(response.content.decode())
    publisher.refresh_from_db()
    assert (bytes(publisher.logo), publisher.logo_version, publisher.name) == before


def test_a_new_publisher_gets_its_logo_and_a_logo_can_be_removed(superuser_client, places):
    response = superuser_client.post(
        reverse("admin:parties_publisher_add"),
        {
            "name": "Region Exempel",
            "municipality": "",
            "address": "",
            "email": "",
            "url": "region.example",
            "logo_upload": upload("logo.webp", png(100, 50)),
        },
    )
    assert response.status_code == 302
    publisher = Publisher.objects.get(name="Region Exempel")
    assert publisher.url == "https://region.example"
    assert (publisher.logo_width, publisher.logo_height) == (100, 50)
    url = reverse("admin:parties_publisher_change", args=[publisher.pk])
    both = publisher_form(publisher, remove_logo="on", logo_upload=upload("a.png", png()))
    assert superuser_client.post(url, both).status_code == 200
    assert (
        superuser_client.post(url, publisher_form(publisher, remove_logo="on")).status_code == 302
    )
    publisher.refresh_from_db()
    assert publisher.logo is None and publisher.logo_version == "" and publisher.logo_url == ""
    assert "Ingen logotyp" in superuser_client.get(url).content.decode()


def test_the_served_logo_is_the_stored_png_with_safe_headers(client, places):
    publisher = places[GOTEBORG].publishers[0]
    response = client.get(publisher.logo_url)
    assert response.status_code == 200
    assert response.content == bytes(publisher.logo)
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"


def test_a_logo_at_another_version_or_of_a_publisher_without_one_is_404(client, places):
    publisher = places[GOTEBORG].publishers[0]
    old = publisher.logo_url
    logo = clean_logo(upload("ny.png", png(300, 100, (0, 0, 0, 255))))
    publisher.logo, publisher.logo_version = logo.png, logo.version
    publisher.save()
    assert client.get(old).status_code == 404
    assert client.get(publisher.logo_url).status_code == 200
    bare = Publisher.objects.create(name="Utan logotyp")
    for version in ["", "abc", "0" * 12, "ZZZ", "x" * 40]:
        url = f"/utgivare/{bare.pk}/logo-{version}.png"
        assert client.get(url).status_code == 404, url
    assert client.get(f"/utgivare/{2**40}/logo-{publisher.logo_version}.png").status_code == 404


# --- Who may do what in admin --------------------------------------------------------------


def promise_form(promise: Promise, publications: list[tuple[int | str, int, int]]) -> dict:
    """The promise's change form with the publishers inline (id, publisher, position)."""
    data = {
        "area": promise.area,
        "municipalities": [m.pk for m in promise.municipalities.all()],
        "slug": promise.slug,
        "name": promise.name,
        "text": promise.text,
        "organisers": promise.organisers,
        "starts_on": promise.starts_on.isoformat(),
        "ends_on": promise.ends_on.isoformat(),
        "previous": "",
        "partners": [p.pk for p in promise.partners.all()],
        "publications-TOTAL_FORMS": str(len(publications)),
        "publications-INITIAL_FORMS": str(sum(1 for pk, *_ in publications if pk)),
        "focus_areas-TOTAL_FORMS": "0",
        "focus_areas-INITIAL_FORMS": "0",
    }
    for index, (pk, publisher, position) in enumerate(publications):
        data.update(
            {
                f"publications-{index}-id": pk,
                f"publications-{index}-promise": promise.pk,
                f"publications-{index}-publisher": publisher,
                f"publications-{index}-position": position,
            }
        )
    return data


def test_a_coordinator_reads_publishers_but_cannot_add_change_or_delete_them(client, places):
    place = places[GOTEBORG]
    publisher = place.publishers[0]
    client.force_login(make_coordinator(place.promise))
    listing = client.get(reverse("admin:parties_publisher_changelist"))
    assert listing.status_code == 200
    assert "Stockholms stad" in listing.content.decode()  # a shared list, to choose from
    change = reverse("admin:parties_publisher_change", args=[publisher.pk])
    page = client.get(change).content.decode()
    assert 'name="logo_upload"' not in page and 'name="name"' not in page
    assert f'src="{publisher.logo_url}"' in page
    add = reverse("admin:parties_publisher_add")
    assert client.get(add).status_code == 403
    assert client.post(add, {"name": "Falsk utgivare"}).status_code == 403
    assert not Publisher.objects.filter(name="Falsk utgivare").exists()
    response = client.post(
        change, publisher_form(publisher, name="Kapad", logo_upload=upload("x.png", png()))
    )
    assert response.status_code == 403
    delete = reverse("admin:parties_publisher_delete", args=[publisher.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    publisher.refresh_from_db()
    assert publisher.name == "Göteborgs Stad"
    # The role grants reading only, so no other admin page could offer more.
    codenames = set(ensure_coordinator_group().permissions.values_list("codename", flat=True))
    assert {c for c in codenames if c.endswith("_publisher")} == {"view_publisher"}


def test_a_coordinator_chooses_and_orders_their_own_promises_publishers(client, places):
    place = places[GOTEBORG]
    client.force_login(make_coordinator(place.promise))
    city, police = place.publishers
    rows = {row.publisher_id: row.pk for row in place.promise.publications.all()}
    region = Publisher.objects.create(name="Västra Götalandsregionen")
    url = reverse("admin:lofte_promise_change", args=[place.promise.pk])
    page = client.get(url).content.decode()
    assert 'name="publications-0-publisher"' in page
    # The publisher choice is an autocomplete over the list.
    found = client.get(
        reverse("admin:autocomplete"),
        {
            "term": "Västra",
            "app_label": "lofte",
            "model_name": "promisepublisher",
            "field_name": "publisher",
        },
    )
    assert [r["text"] for r in found.json()["results"]] == ["Västra Götalandsregionen"]
    data = promise_form(
        place.promise,
        [(rows[city.pk], city.pk, 3), (rows[police.pk], police.pk, 1), ("", region.pk, 2)],
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert [p.publisher.name for p in place.promise.publications.all()] == [
        police.name,
        "Västra Götalandsregionen",
        city.name,
    ]
    assert places[STOCKHOLM].promise.publications.count() == 2


def test_a_coordinator_cannot_attach_or_change_another_promises_publishers(client, places):
    mine, theirs = places[GOTEBORG], places[STOCKHOLM]
    client.force_login(make_coordinator(mine.promise))
    their_rows = list(theirs.promise.publications.values_list("pk", "publisher_id", "position"))
    # Their promise's change page, where its publishers are chosen, is a missing object
    # (back to the index, as for any other promise's page), and their rows have no page.
    their_url = reverse("admin:lofte_promise_change", args=[theirs.promise.pk])
    assert client.get(their_url)["Location"] == reverse("admin:index")
    row_url = f"/admin/lofte/promisepublisher/{their_rows[0][0]}/change/"
    assert client.get(row_url).status_code == 404
    # A POST that attaches my publisher to their promise saves nothing.
    response = client.post(
        their_url, promise_form(theirs.promise, [("", mine.publishers[0].pk, 3)])
    )
    assert response["Location"] == reverse("admin:index")
    # Nor does naming their row in my promise's form.
    my_url = reverse("admin:lofte_promise_change", args=[mine.promise.pk])
    mine_rows = [
        (row.pk, row.publisher_id, row.position) for row in mine.promise.publications.all()
    ]
    their_pk, _, _ = their_rows[0]
    data = promise_form(mine.promise, [*mine_rows, (their_pk, mine.publishers[0].pk, 9)])
    data["publications-INITIAL_FORMS"] = str(len(mine_rows) + 1)
    response = client.post(my_url, data)
    assert response.status_code == 200
    assert (
        list(theirs.promise.publications.values_list("pk", "publisher_id", "position"))
        == their_rows
    )
    assert [p.publisher for p in mine.promise.publications.all()] == mine.publishers


def test_a_coordinator_sees_the_publisher_rows_of_their_own_promises_only(places):
    mine, theirs = places[GOTEBORG], places[STOCKHOLM]
    # A publisher of both promises does not open the other promise's rows.
    shared = make_publisher("Polisregion Mitt och Väst", None, slug="polisregion")
    for place in (mine, theirs):
        PromisePublisher.objects.create(promise=place.promise, publisher=shared, position=3)
    coordinator = make_coordinator(mine.promise)
    rows = PromisePublisher.objects.coordinated_by(coordinator)
    assert sorted(row.promise_id for row in rows) == [mine.promise.pk] * 3
    superuser = make_user(is_superuser=True)
    assert PromisePublisher.objects.coordinated_by(superuser).count() == 6
    assert not PromisePublisher.objects.coordinated_by(make_user(is_staff=True)).exists()
    assert not PromisePublisher.objects.coordinated_by(make_coordinator(theirs.promise)).filter(
        promise=mine.promise
    )
