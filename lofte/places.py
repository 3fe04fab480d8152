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
from functools import cache
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


@cache
def _shipped() -> tuple[dict[str, Place], dict[str, Place]]:
    """The shipped municipalities by code and by name (any case), read once a process."""
    places = read_municipalities()
    return {p.code: p for p in places}, {p.name.casefold(): p for p in places}


def municipality_code(typed) -> str | None:
    """The code of the municipality that `typed` names, or None.

    A code is taken as a spreadsheet may have left it (1480, "0180", 180 or "180.0" for
    Stockholm's 0180); a name must be one of the list's exactly, in any case.
    """
    text = str(typed or "").strip()
    by_code, by_name = _shipped()
    digits = text.removesuffix(".0")
    if digits.isdigit() and len(digits) <= 4:
        code = digits.zfill(4)
        return code if code in by_code else None
    place = by_name.get(text.casefold())
    return place.code if place else None


def unknown_municipality(typed) -> str:
    """Why `typed` names no municipality, with the nearest names when it looks like one."""
    from django.utils.translation import gettext as _

    text = str(typed or "").strip()
    if text.removesuffix(".0").isdigit():
        return _("“%(code)s” is not one of Sweden's %(count)d municipality codes.") % {
            "code": text,
            "count": len(_shipped()[0]),
        }
    near = near_matches(text)
    if near:
        return _("No municipality is named “%(name)s”; did you mean %(near)s?") % {
            "name": text,
            "near": ", ".join(near),
        }
    return _("No municipality is named “%(name)s”.") % {"name": text}


def near_matches(typed: str, limit: int = 3) -> list[str]:
    """The municipalities whose names are closest to what someone typed, for an error."""
    by_name = _shipped()[1]
    found = get_close_matches(typed.strip().casefold(), list(by_name), n=limit, cutoff=0.6)
    return [f"{by_name[name].name} ({by_name[name].code})" for name in found]
