"""Sweden's counties and municipalities, from the lists shipped in lofte/data/.

`municipalities.csv` and `counties.csv` hold the official codes and names (SCB's codes, which
Kolada uses as its ids) and each place's GeoNames id (the open data's `dct:spatial`); see
lofte/data/SOURCES.md. Every `migrate` brings the tables in line with the files (rows are
added and renamed, never deleted: a promise keeps its municipality), so updating the list is:
replace the file, run migrate. `tests/test_places.py` holds the files to their shape.
"""

import csv
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
GEONAMES = "http://sws.geonames.org/"


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    geonames_id: int
    county_code: str = ""


def read_counties(path: Path = DATA / "counties.csv") -> list[Place]:
    with path.open(encoding="utf-8", newline="") as file:
        return [Place(r["code"], r["name"], int(r["geonames_id"])) for r in csv.DictReader(file)]


def read_municipalities(path: Path = DATA / "municipalities.csv") -> list[Place]:
    with path.open(encoding="utf-8", newline="") as file:
        return [
            Place(r["code"], r["name"], int(r["geonames_id"]), r["county_code"])
            for r in csv.DictReader(file)
        ]


def _upsert(model, rows: list, fields: list[str]) -> int:
    known = {row[0]: tuple(row[1:]) for row in model.objects.values_list("code", *fields)}
    changed = [row for row in rows if known.get(row.code) != tuple(getattr(row, f) for f in fields)]
    model.objects.bulk_create(
        changed, update_conflicts=True, unique_fields=["code"], update_fields=fields
    )
    return len(changed)


def sync(county_model, municipality_model) -> int:
    """Adds and renames counties and municipalities to match the lists; returns how many rows
    were written. Takes the models so that a migration can pass its own."""
    counties = [
        county_model(code=p.code, name=p.name, geonames_id=p.geonames_id) for p in read_counties()
    ]
    municipalities = [
        municipality_model(
            code=p.code, name=p.name, county_id=p.county_code, geonames_id=p.geonames_id
        )
        for p in read_municipalities()
    ]
    return _upsert(county_model, counties, ["name", "geonames_id"]) + _upsert(
        municipality_model, municipalities, ["name", "county_id", "geonames_id"]
    )


def sync_after_migrate(sender, app_config=None, **kwargs) -> None:
    """post_migrate: the tables follow the shipped lists (also after a test's flush)."""
    from .models import County, Municipality

    sync(County, Municipality)


def near_matches(typed: str, limit: int = 3) -> list[str]:
    """The municipalities whose names are closest to what someone typed, for an error."""
    by_name = {p.name.casefold(): p for p in read_municipalities()}
    found = get_close_matches(typed.strip().casefold(), list(by_name), n=limit, cutoff=0.6)
    return [f"{by_name[name].name} ({by_name[name].code})" for name in found]
