"""Follow and reuse: Atom feeds, CSV with CSVW metadata, the JSON API against its OpenAPI
description, and the DCAT-AP-SE catalogue."""

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

from .conftest import make_partner, make_promise, make_sub_promise
from .document_data import make_follow_up
from .public_data import build_many, build_world

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
DCAT = Namespace("http://www.w3.org/ns/dcat#")


@pytest.fixture
def world():
    return build_world()


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


# --- Query budgets -------------------------------------------------------------------------


BUDGETS = [
    ("public:feed", False, 1),
    ("public:promise_feed", True, 3),  # the promise, its follow-ups, its publishers
    ("public:statuses_csv", True, 12),
    ("public:figures_csv", True, 12),
    ("public:csv_metadata", True, 12),
    ("public:api_promises", False, 4),
    # 12, 2 for the problems and indicators, 1 for its version (the cache key)
    ("public:api_promise", True, 15),
    ("public:dcat", False, 1),
]


def test_open_data_query_counts_are_fixed(client, django_assert_max_num_queries, world):
    def fetch_all():
        for name, per_promise, budget in BUDGETS:
            url = reverse(name, args=[world.promise.slug] if per_promise else [])
            with django_assert_max_num_queries(budget):
                assert client.get(url).status_code == 200, name

    fetch_all()
    build_many(4, 40)
    for _ in range(15):
        make_sub_promise(world.walks.focus_area, make_partner(), make_partner())
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
