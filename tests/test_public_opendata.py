"""Follow and reuse: Atom feeds, CSV with CSVW metadata, the JSON API against its OpenAPI
description, and the DCAT-AP-SE catalogue."""

import csv
import datetime
import io
import json
import xml.etree.ElementTree as ET

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, SKOS

from lofte.models import Promise
from public import api

from .conftest import GOTEBORG, make_partner, make_promise, make_sub_promise
from .document_data import make_follow_up
from .public_data import build_many, build_world, make_publisher

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
DCAT = Namespace("http://www.w3.org/ns/dcat#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
STOCKHOLM = "0180"
GEONAMES_GOTEBORG = URIRef("http://sws.geonames.org/2711533")
GEONAMES_STOCKHOLM = URIRef("http://sws.geonames.org/2673723")


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def two_places(world) -> tuple[Promise, Promise]:
    """Backa in Göteborg, published by the city and the police (added in the other order);
    Järva in Stockholm, published by Stockholms stad alone, which gives an email address."""
    make_publisher("Polisen, lokalpolisområde Hisingen", world.promise, position=2)
    make_publisher(
        "Göteborgs Stad",
        world.promise,
        position=1,
        municipality_id=GOTEBORG,
        url="https://goteborg.se",
    )
    jarva = make_promise("Järva", municipalities=(STOCKHOLM,), starts_on=datetime.date(2025, 1, 1))
    make_publisher(
        "Stockholms stad",
        jarva,
        municipality_id=STOCKHOLM,
        url="https://start.stockholm",
        email="info@stockholm.se",
    )
    return world.promise, jarva


def rows_of(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


# --- Atom feeds ----------------------------------------------------------------------------


def test_site_feed_lists_published_follow_ups_newest_first(client, world):
    other = make_promise("Angered")
    make_follow_up(
        other, title="Uppföljning Angered", state="published", published_at=timezone.now()
    )
    make_follow_up(world.promise, title="Ett utkast som ingen ser")
    response = client.get(reverse("public:feed"))
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314 (our own feed)
    titles = [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")]
    assert titles == ["Uppföljning Angered", "Uppföljning medborgarlöfte Backa 2024-2025"]
    assert feed.findtext(f"{ATOM}title") == "Medborgarlöften: nya uppföljningar"
    link = next(feed.iter(f"{ATOM}entry")).find(f"{ATOM}link").get("href")
    assert link.startswith("http://testserver/loften/")


def test_promise_feed_has_only_its_own_follow_ups(client, world):
    make_follow_up(make_promise("Angered"), state="published", published_at=timezone.now())
    response = client.get(reverse("public:promise_feed", args=[world.promise.slug]))
    feed = ET.fromstring(response.content)  # noqa: S314 (our own feed)
    titles = [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")]
    assert titles == ["Uppföljning medborgarlöfte Backa 2024-2025"]
    assert client.get(reverse("public:promise_feed", args=["finns-inte"])).status_code == 404


# --- CSV and CSVW --------------------------------------------------------------------------


def test_status_csv_has_every_sub_promise_in_every_round(client, world):
    rows = rows_of(client.get(reverse("public:statuses_csv", args=[world.promise.slug])))
    assert len(rows) == 3 * 2
    breakfasts = [r for r in rows if r["title"] == "Frukost före skolan"]
    assert [(r["round"], r["status"]) for r in breakfasts] == [
        ("Våren 2024", "in_progress"),
        ("Hösten 2025", "done"),
    ]
    assert breakfasts[0]["lead_partner"] == "Biblioteket"
    assert breakfasts[0]["partners"] == "Biblioteket; Bostadsbolaget"
    silent = [r for r in rows if r["title"] == "Trapphusvärdar"]
    assert [r["status"] for r in silent] == ["", ""]


def test_figures_csv_has_the_approved_figures(client, world):
    rows = rows_of(client.get(reverse("public:figures_csv", args=[world.promise.slug])))
    assert rows == [
        {
            "promise": world.promise.slug,
            "sub_promise_id": str(world.breakfasts.pk),
            "number": "1.1",
            "round_id": str(world.autumn.pk),
            "round": "Hösten 2025",
            "label": "Utdelade frukostar",
            "value": "1000",
            "unit": "st",
        }
    ]


def test_csv_cells_that_look_like_formulas_are_defused(client, world):
    world.breakfasts.title = '=HYPERLINK("http://example.org")'
    world.breakfasts.save()
    rows = rows_of(client.get(reverse("public:statuses_csv", args=[world.promise.slug])))
    assert rows[0]["title"] == '\'=HYPERLINK("http://example.org")'


def test_csvw_metadata_describes_both_files_column_by_column(client, world):
    slug = world.promise.slug
    response = client.get(reverse("public:csv_metadata", args=[slug]))
    assert response["Content-Type"] == "application/csvm+json"
    metadata = json.loads(response.content)
    assert metadata["@context"][0] == "http://www.w3.org/ns/csvw"
    tables = {table["url"]: table for table in metadata["tables"]}
    for name in ["public:statuses_csv", "public:figures_csv"]:
        url = "http://testserver" + reverse(name, args=[slug])
        header = next(csv.reader(io.StringIO(client.get(url).content.decode())))
        columns = tables[url]["tableSchema"]["columns"]
        assert [column["name"] for column in columns] == header
        assert all(column["datatype"] for column in columns)


# --- JSON API ------------------------------------------------------------------------------


@pytest.fixture
def openapi(client) -> dict:
    description = client.get(reverse("public:api_openapi")).json()
    validate_openapi(description)
    return description


def assert_matches(openapi: dict, schema: str, body: dict) -> None:
    """The body validates against the named schema of the OpenAPI description."""
    root = {"$ref": f"#/components/schemas/{schema}", "components": openapi["components"]}
    Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(body)


def test_openapi_description_is_valid_and_strict(openapi):
    assert openapi["openapi"] == "3.1.0"
    assert openapi["components"]["schemas"]["SubPromise"]["additionalProperties"] is False


def test_api_responses_validate_against_the_openapi_description(client, world, openapi):
    index = client.get(reverse("public:api_index"))
    assert_matches(openapi, "Index", index.json())
    listing = client.get(index.json()["promises"]).json()
    assert_matches(openapi, "PromiseList", listing)
    assert [p["slug"] for p in listing["results"]] == [world.promise.slug]
    assert listing["results"][0]["progress"] == {
        "done": 1,
        "in_progress": 1,
        "not_started": 0,
        "not_done": 0,
        "not_reported": 1,
    }
    detail = client.get(listing["results"][0]["url"])
    assert detail["Access-Control-Allow-Origin"] == "*"
    body = detail.json()
    assert_matches(openapi, "Promise", body)
    breakfasts = next(s for s in body["sub_promises"] if s["title"] == "Frukost före skolan")
    assert [(s["round_id"], s["status"]) for s in breakfasts["statuses"]] == [
        (world.spring.pk, "in_progress"),
        (world.autumn.pk, "done"),
    ]
    assert breakfasts["statuses"][1]["figures"] == [
        {"label": "Utdelade frukostar", "value": 1000.0, "unit": "st"}
    ]
    assert breakfasts["partners"] == [
        {"name": "Biblioteket", "role": "lead"},
        {"name": "Bostadsbolaget", "role": "co"},
    ]
    assert [r["name"] for r in body["rounds"]] == ["Våren 2024", "Hösten 2025"]
    assert body["follow_ups"][0]["html_url"].endswith(f"/uppfoljning/{world.promise.slug}/")


def test_api_unknown_promise_is_a_json_404(client, world, openapi):
    response = client.get(reverse("public:api_promise", args=["finns-inte"]))
    assert response.status_code == 404
    assert_matches(openapi, "Error", response.json())


@pytest.mark.parametrize("page", ["abc", "-3", "0", "9999"])
def test_api_takes_any_page_number(client, world, openapi, page):
    response = client.get(reverse("public:api_promises"), {"page": page})
    assert response.status_code == 200
    assert_matches(openapi, "PromiseList", response.json())


def test_api_ids_are_stable_across_renewal(client, world):
    later = make_promise("Backa", slug="backa-2026", previous=world.promise)
    body = client.get(reverse("public:api_promise", args=[world.promise.slug])).json()
    assert body["next_ids"] == [later.pk]
    body = client.get(reverse("public:api_promise", args=[later.slug])).json()
    assert body["previous_id"] == world.promise.pk


def test_api_promise_names_its_own_municipalities_and_publishers(client, two_places, openapi):
    backa, jarva = two_places
    listing = client.get(reverse("public:api_promises")).json()
    assert_matches(openapi, "PromiseList", listing)
    summaries = {promise["slug"]: promise for promise in listing["results"]}
    goteborg = {
        "code": "1480",
        "name": "Göteborg",
        "county": {"code": "14", "name": "Västra Götalands län"},
    }
    stockholm = {
        "code": "0180",
        "name": "Stockholm",
        "county": {"code": "01", "name": "Stockholms län"},
    }
    backa_publishers = [
        {"name": "Göteborgs Stad", "url": "https://goteborg.se"},
        {"name": "Polisen, lokalpolisområde Hisingen", "url": None},
    ]
    jarva_publishers = [{"name": "Stockholms stad", "url": "https://start.stockholm"}]
    assert summaries[backa.slug]["municipalities"] == [goteborg]
    assert summaries[backa.slug]["publishers"] == backa_publishers
    assert summaries[jarva.slug]["municipalities"] == [stockholm]
    assert summaries[jarva.slug]["publishers"] == jarva_publishers
    for promise, municipality, publishers in [
        (backa, goteborg, backa_publishers),
        (jarva, stockholm, jarva_publishers),
    ]:
        body = client.get(reverse("public:api_promise", args=[promise.slug])).json()
        assert_matches(openapi, "Promise", body)
        assert body["municipalities"] == [municipality]
        assert body["publishers"] == publishers


def test_api_lists_a_joint_promises_municipalities_by_name(client, world):
    # Partille's code (1402) comes before Göteborg's (1480), its name after.
    joint = make_promise("Gränsen", municipalities=("1402", GOTEBORG))
    body = client.get(reverse("public:api_promise", args=[joint.slug])).json()
    assert [m["name"] for m in body["municipalities"]] == ["Göteborg", "Partille"]
    assert body["publishers"] == []


def test_api_lists_the_promises_of_one_municipality(client, two_places, openapi, monkeypatch):
    backa, jarva = two_places
    url = reverse("public:api_promises")
    for code, slugs in [(STOCKHOLM, [jarva.slug]), (GOTEBORG, [backa.slug]), ("2584", [])]:
        listing = client.get(url, {"municipality": code}).json()
        assert_matches(openapi, "PromiseList", listing)
        assert [promise["slug"] for promise in listing["results"]] == slugs, code
        assert listing["count"] == len(slugs)
    # Its pages keep to the municipality.
    later = make_promise(
        "Backa",
        slug="backa-2026",
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2027, 12, 31),
    )
    monkeypatch.setattr(api, "PAGE_SIZE", 1)
    cache.clear()
    first = client.get(url, {"municipality": GOTEBORG}).json()
    assert [promise["slug"] for promise in first["results"]] == [later.slug]
    assert first["count"] == 2
    assert first["next"] == f"http://testserver{url}?municipality={GOTEBORG}&page=2"
    second = client.get(first["next"]).json()
    assert [promise["slug"] for promise in second["results"]] == [backa.slug]
    assert second["previous"] == f"http://testserver{url}?municipality={GOTEBORG}&page=1"
    assert second["next"] is None


@pytest.mark.parametrize(
    ("code", "detail"),
    [
        ("9999", "No municipality has the code 9999."),
        ("0000", "No municipality has the code 0000."),
        ("148", "municipality must be a municipality's four-digit code, e.g. 1480."),
        ("14800", "municipality must be a municipality's four-digit code, e.g. 1480."),
        ("Göteborg", "municipality must be a municipality's four-digit code, e.g. 1480."),
        ("", "municipality must be a municipality's four-digit code, e.g. 1480."),
        ("1480\x00", "municipality must be a municipality's four-digit code, e.g. 1480."),
        ("١٤٨٠", "municipality must be a municipality's four-digit code, e.g. 1480."),
        ("1480' OR 1=1", "municipality must be a municipality's four-digit code, e.g. 1480."),
    ],
)
def test_api_refuses_a_municipality_that_is_not_a_code_with_400(
    client, world, openapi, code, detail
):
    response = client.get(reverse("public:api_promises"), {"municipality": code})
    assert response.status_code == 400
    assert response.json() == {"detail": detail}
    assert_matches(openapi, "Error", response.json())


# --- DCAT-AP-SE ----------------------------------------------------------------------------


def test_dcat_catalogue_parses_as_json_ld_with_a_dataset_per_promise(client, world):
    make_promise("Angered")
    response = client.get(reverse("public:dcat"))
    assert response["Content-Type"] == "application/ld+json"
    graph = Graph().parse(data=response.content, format="json-ld")
    catalogs = list(graph.subjects(RDF.type, DCAT.Catalog))
    assert catalogs == [URIRef("http://testserver/datasets/dcat")]
    datasets = list(graph.objects(catalogs[0], DCAT.dataset))
    assert len(datasets) == 2
    page = "http://testserver" + reverse("public:promise", args=[world.promise.slug])
    dataset = URIRef(page + "#dataset")
    urls = {
        str(graph.value(distribution, DCAT.accessURL))
        for distribution in graph.objects(dataset, DCAT.distribution)
    }
    assert "http://testserver" + reverse("public:statuses_csv", args=[world.promise.slug]) in urls
    assert client.get("/.well-known/dcat").content == response.content


def dcat_graph(client) -> Graph:
    return Graph().parse(data=client.get(reverse("public:dcat")).content, format="json-ld")


def dataset_of(promise: Promise) -> URIRef:
    return URIRef("http://testserver" + reverse("public:promise", args=[promise.slug]) + "#dataset")


def names(graph: Graph, agents) -> set[str]:
    return {str(graph.value(agent, FOAF.name)) for agent in agents}


def test_dcat_dataset_names_its_own_publishers_places_and_contact(client, two_places, settings):
    backa, jarva = two_places
    graph = dcat_graph(client)
    for promise, publisher, creators, place, name, code, email in [
        (
            backa,
            "Göteborgs Stad",
            {"Göteborgs Stad", "Polisen, lokalpolisområde Hisingen"},
            GEONAMES_GOTEBORG,
            "Göteborg",
            "1480",
            # No publisher of Backa gives an address: the site's owner is the contact.
            settings.OWNER_EMAIL,
        ),
        (
            jarva,
            "Stockholms stad",
            {"Stockholms stad"},
            GEONAMES_STOCKHOLM,
            "Stockholm",
            "0180",
            "info@stockholm.se",
        ),
    ]:
        dataset = dataset_of(promise)
        assert names(graph, graph.objects(dataset, DCTERMS.publisher)) == {publisher}
        assert names(graph, graph.objects(dataset, DCTERMS.creator)) == creators
        assert set(graph.objects(dataset, DCTERMS.spatial)) == {place}
        assert (place, RDF.type, DCTERMS.Location) in graph
        assert graph.value(place, SKOS.prefLabel) == Literal(name, lang="sv")
        assert graph.value(place, DCTERMS.identifier) == Literal(code)
        emails = {
            str(graph.value(contact, VCARD.hasEmail))
            for contact in graph.objects(dataset, DCAT.contactPoint)
        }
        assert emails == {f"mailto:{email}"}
        title = f"Uppföljning av medborgarlöfte {promise.area} {promise.years}"
        assert graph.value(dataset, DCTERMS.title) == Literal(title, lang="sv")
        description = str(graph.value(dataset, DCTERMS.description))
        assert f"för medborgarlöftet {promise.area} ({promise.name}) i {name}." in description
    homepage = graph.value(graph.value(dataset_of(backa), DCTERMS.publisher), FOAF.homepage)
    assert homepage == URIRef("https://goteborg.se")
    # The catalogue itself is published by the site's owner, its operator.
    catalog = URIRef("http://testserver/datasets/dcat")
    assert names(graph, graph.objects(catalog, DCTERMS.publisher)) == {settings.OWNER_NAME}


def test_dcat_joint_promise_covers_each_municipality_and_one_without_publishers_is_the_owners(
    client, world, settings
):
    joint = make_promise("Gränsen", municipalities=(GOTEBORG, "1481"))
    graph = dcat_graph(client)
    dataset = dataset_of(joint)
    places = set(graph.objects(dataset, DCTERMS.spatial))
    assert places == {GEONAMES_GOTEBORG, URIRef("http://sws.geonames.org/2691457")}
    assert {str(graph.value(place, SKOS.prefLabel)) for place in places} == {"Göteborg", "Mölndal"}
    assert "i Göteborg och Mölndal." in str(graph.value(dataset, DCTERMS.description))
    # No publisher named: the site's owner publishes it, and nobody is named its creator.
    assert list(graph.objects(dataset, DCTERMS.publisher)) == [
        URIRef("http://testserver/#utgivare")
    ]
    assert names(graph, graph.objects(dataset, DCTERMS.publisher)) == {settings.OWNER_NAME}
    assert list(graph.objects(dataset, DCTERMS.creator)) == []
    # No place is a bare name any more.
    assert all(isinstance(place, URIRef) for place in graph.objects(None, DCTERMS.spatial))


# --- Query budgets -------------------------------------------------------------------------


BUDGETS = [
    ("public:feed", False, 1),
    ("public:promise_feed", True, 2),
    ("public:statuses_csv", True, 12),
    ("public:figures_csv", True, 12),
    ("public:csv_metadata", True, 12),
    # 4, 2 for the municipalities and publishers
    ("public:api_promises", False, 6),
    # 12, 2 for the problems and indicators, 2 for the municipalities and publishers, 1 for
    # its version (the cache key)
    ("public:api_promise", True, 17),
    # The promises, their municipalities, their publishers
    ("public:dcat", False, 3),
]


def test_open_data_query_counts_are_fixed(client, django_assert_max_num_queries, two_places):
    world_promise = two_places[0]

    def fetch_all():
        for name, per_promise, budget in BUDGETS:
            url = reverse(name, args=[world_promise.slug] if per_promise else [])
            with django_assert_max_num_queries(budget):
                assert client.get(url).status_code == 200, name
        # One more to look the municipality up.
        with django_assert_max_num_queries(7):
            response = client.get(reverse("public:api_promises"), {"municipality": GOTEBORG})
            assert response.status_code == 200

    fetch_all()
    build_many(4, 40)
    for number, promise in enumerate(Promise.objects.all()):
        promise.municipalities.add("1481", STOCKHOLM)
        make_publisher(f"Utgivare {number}", promise, email=f"utgivare{number}@example.org")
        make_publisher(f"Polisen {number}", promise)
    walks = world_promise.focus_areas.get(name="Lokalområde")
    for _ in range(15):
        make_sub_promise(walks, make_partner(), make_partner())
    cache.clear()
    fetch_all()


def test_open_data_is_served_from_the_cache_for_a_minute(client, django_assert_num_queries, world):
    url = reverse("public:statuses_csv", args=[world.promise.slug])
    first = client.get(url)
    assert "max-age=60" in first["Cache-Control"]
    with django_assert_num_queries(0):
        again = client.get(url)
    assert again.content == first.content


def test_api_promise_is_served_from_the_cache_with_two_queries(
    client, django_assert_num_queries, world
):
    url = reverse("public:api_promise", args=[world.promise.slug])
    first = client.get(url)
    # Two queries: the promise and its public version, which an approval or a publication
    # changes (tests/test_public_cache.py).
    with django_assert_num_queries(2):
        again = client.get(url)
    assert again.json() == first.json()
    assert again["Content-Type"] == "application/json"
    assert again["Access-Control-Allow-Origin"] == "*"
    assert "max-age" not in again.get("Cache-Control", "")
