"""Finding a promise by place: the start page's list by county and municipality, with its
search, and a municipality's page with its promises over the years.

Both read through `public.data` (public fields only) in a fixed number of queries, whatever
the number of promises, municipalities and publishers.
"""

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from django.http import Http404
from django.urls import reverse

from lofte.models import County, Municipality, Promise
from parties.models import Publisher

from . import data

SEARCH_MAX_LENGTH = 100
SEARCH_MAX_WORDS = 10
# What a list shows of a promise (a subset of `data.public_promises`' public fields).
LIST_FIELDS = ("pk", "slug", "area", "name", "starts_on", "ends_on", "previous_id")
MUNICIPALITY_CODE = re.compile(r"[0-9]{4}")


# --- Words and order --------------------------------------------------------------------------

# Swedish alphabetical order puts å, ä and ö after z (and reads æ, ø as ä, ö): the characters
# after "z" in ASCII keep that order in a plain string comparison.
_AFTER_Z = str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}"})


def fold(text: str) -> str:
    """Lower case without accents, so that “goteborg”, “Göteborg” and “GÖTEBORG” match.
    Done in Python rather than by the database: SQLite's LIKE folds the case of ASCII
    letters only, so “örebro” would miss Örebro there."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def swedish_order(text: str) -> str:
    """A sort key in Swedish alphabetical order (Älvsbyn and Örebro after Vårgårda)."""
    return fold(unicodedata.normalize("NFC", text).casefold().translate(_AFTER_Z))


def clean_search(typed: str) -> str:
    """What was typed, bounded: no NUL (PostgreSQL refuses it in text), at most
    SEARCH_MAX_LENGTH characters."""
    return " ".join(typed.replace("\x00", "").split())[:SEARCH_MAX_LENGTH]


def search_words(search: str) -> list[str]:
    return fold(search).split()[:SEARCH_MAX_WORDS]


# --- Promises as the lists show them -----------------------------------------------------------


@dataclass
class Entry:
    """One promise in a list, with its publishers in the promise's order."""

    promise: Promise
    publishers: list[Publisher]
    url: str = ""


def url_maker(name: str):
    """A function from a slug or code to the page's address: one `reverse` for a whole list
    (a list of 300 promises spent a fifth of its time reversing one pattern)."""
    marker = "0000-marker"
    pattern = reverse(name, args=[marker])
    return lambda value: pattern.replace(marker, value)


# --- The start page ----------------------------------------------------------------------------


@dataclass
class MunicipalityGroup:
    municipality: Municipality | None  # None: promises that name no municipality
    entries: list[Entry] = field(default_factory=list)
    url: str = ""


@dataclass
class CountyGroup:
    county: County | None  # None: the group of promises that name no municipality, last
    municipalities: list[MunicipalityGroup] = field(default_factory=list)


@dataclass
class Directory:
    counties: list[CountyGroup]
    matches: int  # how many promises are listed (each once, whatever its municipalities)
    site_is_empty: bool  # no promise at all, search or not


def start_page(*, search: str) -> Directory:
    """Every promise, or those matching every word of `search` in its area, its name or the
    name or code of one of its municipalities or their counties: grouped by county (in
    Swedish alphabetical order), then municipality, then newest first. Three queries."""
    promises = list(data.public_promises().only(*LIST_FIELDS))
    # Every link at once, as plain values (not `data.municipalities_of`'s objects of each
    # promise's places): a list of 300 promises builds one object a place, not three a link.
    links = (
        Promise.municipalities.through.objects.order_by("pk")
        .values_list(
            "promise_id",
            "municipality__code",
            "municipality__name",
            "municipality__county__code",
            "municipality__county__name",
        )
        .iterator()
    )
    # One object a municipality and a county, however many promises share them.
    counties_by_code: dict[str, County] = {}
    municipalities_by_code: dict[str, Municipality] = {}
    places = defaultdict(list)
    for promise_id, code, name, county_code, county_name in links:
        if code not in municipalities_by_code:
            if county_code not in counties_by_code:
                counties_by_code[county_code] = County(code=county_code, name=county_name)
            county = counties_by_code[county_code]
            municipalities_by_code[code] = Municipality(code=code, name=name, county=county)
        places[promise_id].append(municipalities_by_code[code])

    words = search_words(search)
    if words:

        def matches(promise: Promise) -> bool:
            text = [promise.area, promise.name]
            for municipality in places[promise.pk]:
                text += [municipality.name, municipality.code, municipality.county.name]
            haystack = fold(" ".join(text))
            return all(word in haystack for word in words)

        listed = [promise for promise in promises if matches(promise)]
    else:
        listed = promises
    publishers = data.publishers_of([promise.pk for promise in listed])

    promise_url = url_maker("public:promise")
    municipality_url = url_maker("public:municipality")
    counties: dict[str, CountyGroup] = {}
    municipalities: dict[str, MunicipalityGroup] = {}
    elsewhere = MunicipalityGroup(None)
    # `public_promises` comes newest first (then by area), and so does every group.
    for promise in listed:
        entry = Entry(promise, publishers[promise.pk], promise_url(promise.slug))
        if not places[promise.pk]:
            elsewhere.entries.append(entry)
        for municipality in places[promise.pk]:
            county = municipality.county
            if county.code not in counties:
                counties[county.code] = CountyGroup(county)
            if municipality.code not in municipalities:
                group = MunicipalityGroup(municipality, url=municipality_url(municipality.code))
                municipalities[municipality.code] = group
                counties[county.code].municipalities.append(group)
            municipalities[municipality.code].entries.append(entry)
    groups = sorted(counties.values(), key=lambda group: swedish_order(group.county.name))
    for group in groups:
        group.municipalities.sort(key=lambda m: swedish_order(m.municipality.name))
    if elsewhere.entries:
        groups.append(CountyGroup(None, [elsewhere]))
    return Directory(counties=groups, matches=len(listed), site_is_empty=not promises)


# --- A municipality's page ---------------------------------------------------------------------


@dataclass
class Card:
    """A promise on its municipality's page: what it is, who publishes it, how far it has
    come, its published follow-ups and the promise it renews."""

    promise: Promise
    publishers: list[Publisher]
    progress: data.Progress
    follow_ups: list
    renews: Promise | None


@dataclass
class Chain:
    """A promise and its renewals (and theirs), newest first."""

    cards: list[Card]

    @property
    def latest(self) -> Promise:
        return self.cards[0].promise


@dataclass
class MunicipalityPage:
    municipality: Municipality
    chains: list[Chain]

    @property
    def promise_count(self) -> int:
        return sum(len(chain.cards) for chain in self.chains)


def get_municipality(code: str) -> Municipality:
    """The municipality with this four-digit code, or 404 (anything else is not a code)."""
    if not MUNICIPALITY_CODE.fullmatch(code):
        raise Http404
    municipality = Municipality.objects.select_related("county").filter(code=code).first()
    if municipality is None:
        raise Http404
    return municipality


def municipality_page(municipality: Municipality) -> MunicipalityPage:
    """The municipality's promises over the years, each renewal chain together, newest
    chain first: four queries (one without promises)."""
    previous = ("previous__slug", "previous__area", "previous__starts_on", "previous__ends_on")
    promises = list(
        data.public_promises()
        .filter(municipalities=municipality)
        .select_related("previous")
        .only(*LIST_FIELDS, *previous)
    )
    ids = [promise.pk for promise in promises]
    publishers = data.publishers_of(ids)
    progress = data.progress_of(ids) if ids else {}
    follow_ups = data.follow_ups_of(ids)

    # A chain is the promises linked by renewal here; one renewing a promise of another
    # municipality starts a chain of its own and names the promise it renews.
    here = {promise.pk: promise for promise in promises}

    def first_of_chain(promise: Promise) -> int:
        seen = set()  # a loop of renewals (bad data) ends where it closes
        while promise.previous_id in here and promise.pk not in seen:
            seen.add(promise.pk)
            promise = here[promise.previous_id]
        return promise.pk

    cards = defaultdict(list)
    for promise in promises:  # newest first
        cards[first_of_chain(promise)].append(
            Card(
                promise=promise,
                publishers=publishers[promise.pk],
                progress=progress.get(promise.pk, data.Progress()),
                follow_ups=follow_ups[promise.pk],
                renews=promise.previous,
            )
        )
    # Dicts keep insertion order: chains come in the order of their newest promise.
    return MunicipalityPage(municipality, [Chain(chain) for chain in cards.values()])
