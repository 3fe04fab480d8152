"""Sweden's municipalities and counties: the shipped lists, the tables that follow them, and
the data that existed before a promise named its municipality."""

import csv
from collections import Counter

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from lofte.models import County, Municipality
from lofte.places import DATA, near_matches, read_counties, read_municipalities, sync
from parties.models import Partner

from .conftest import make_partner, make_promise

pytestmark = pytest.mark.django_db


def test_the_list_has_290_municipalities_in_21_counties_each_under_its_own_code():
    municipalities, counties = read_municipalities(), read_counties()
    assert len(municipalities) == 290
    assert len(counties) == 21
    assert len({m.code for m in municipalities}) == 290
    assert len({m.name for m in municipalities}) == 290
    assert len({m.geonames_id for m in municipalities}) == 290
    assert all(len(m.code) == 4 and m.code.isdigit() for m in municipalities)
    assert all(m.code[:2] == m.county_code for m in municipalities)
    assert {m.county_code for m in municipalities} == {c.code for c in counties}
    per_county = Counter(m.county_code for m in municipalities)
    assert (per_county["14"], per_county["12"], per_county["01"], per_county["09"]) == (
        49,
        33,
        26,
        1,
    )


@pytest.mark.parametrize(
    ("code", "name", "county"),
    [
        ("0180", "Stockholm", "Stockholms län"),
        ("1480", "Göteborg", "Västra Götalands län"),
        ("1280", "Malmö", "Skåne län"),
        ("2584", "Kiruna", "Norrbottens län"),
        ("0330", "Knivsta", "Uppsala län"),
        ("2023", "Malung-Sälen", "Dalarnas län"),
    ],
)
def test_the_tables_hold_the_official_codes_and_names(code, name, county):
    municipality = Municipality.objects.select_related("county").get(code=code)
    assert (municipality.name, municipality.county.name) == (name, county)


def test_each_place_is_a_geonames_iri():
    assert Municipality.objects.get(code="1480").spatial_iri == "http://sws.geonames.org/2711533"
    assert Municipality.objects.filter(geonames_id__isnull=True).count() == 0
    assert County.objects.get(code="14").spatial_iri.startswith("http://sws.geonames.org/")


def test_migrate_renames_and_adds_from_the_list_and_deletes_nothing():
    Municipality.objects.filter(code="1480").update(name="Gamla namnet")
    Municipality.objects.filter(code="2584").delete()
    promise = make_promise()  # in Göteborg
    assert sync(County, Municipality) == 2
    assert Municipality.objects.get(code="1480").name == "Göteborg"
    assert Municipality.objects.filter(code="2584").exists()
    assert list(promise.municipalities.values_list("code", flat=True)) == ["1480"]
    assert sync(County, Municipality) == 0


def test_the_files_are_read_as_written():
    with (DATA / "municipalities.csv").open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert rows[0] == {
        "code": "0114",
        "name": "Upplands Väsby",
        "county_code": "01",
        "geonames_id": "2666237",
    }


def test_a_misspelt_municipality_gets_the_names_it_is_closest_to():
    assert near_matches("Götebrog")[0] == "Göteborg (1480)"
    assert near_matches("Zzzz") == []


def test_two_municipalities_may_each_have_a_partner_of_the_same_name():
    make_partner("Polisen", municipality_id="1480")
    make_partner("Polisen", municipality_id="0180")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_partner("Polisen", municipality_id="1480")
    assert Partner.objects.filter(name="Polisen").count() == 2


@pytest.mark.django_db(transaction=True)
def test_partners_and_promises_from_before_places_migrate_to_goteborg():
    executor = MigrationExecutor(connection)
    before = [("lofte", "0008_jobs_one_shape"), ("parties", "0002_input_bounds")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    old.get_model("parties", "Partner").objects.create(name="Polisen", kind="police")
    old.get_model("lofte", "Promise").objects.create(
        slug="hisings-backa",
        area="Hisings Backa",
        name="n",
        text="t",
        organisers="o",
        starts_on="2024-01-01",
        ends_on="2025-12-31",
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    new = executor.loader.project_state(executor.loader.graph.leaf_nodes()).apps
    partner = new.get_model("parties", "Partner").objects.get()
    promise = new.get_model("lofte", "Promise").objects.get()
    assert partner.municipality_id == "1480"
    assert list(promise.municipalities.values_list("code", flat=True)) == ["1480"]
