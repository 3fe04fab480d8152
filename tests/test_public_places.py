"""Finding a promise by place: the start page's list by county and municipality and its
search, a municipality's page with its promises over the years, and both at national size."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lofte.models import Municipality, Promise, PromisePublisher
from parties.models import Publisher
from public import directory

from .conftest import (
    GOTEBORG,
    make_focus_area,
    make_partner,
    make_period,
    make_promise,
    make_sub_promise,
)
from .public_data import approved, build_world
from .test_public_pages import text_of

pytestmark = pytest.mark.django_db

MALMO, OREBRO, BORAS, ARE = "1280", "1880", "1490", "2321"
GOTEBORGS = [
    "Sjuhärad 2022-2024",
    "Hisings Backa 2024-2025",
    "Angered 2023",
    "Hisings Backa 2021-2022",
]


def publish(promise: Promise, *names: str) -> None:
    """The promise's publishers, in the order named, each saved before the one it follows
    (publisher and link alike), so that only their position puts them in that order."""
    for position, name in reversed(list(enumerate(names, start=1))):
        publisher = Publisher.objects.get_or_create(name=name)[0]
        PromisePublisher.objects.create(promise=promise, publisher=publisher, position=position)


def years(start: int, end: int) -> dict:
    return {"starts_on": datetime.date(start, 1, 1), "ends_on": datetime.date(end, 12, 31)}


@pytest.fixture
def places():
    """Promises in four municipalities of three counties, one of them joint."""
    backa = make_promise("Hisings Backa", name="tryggare Backa", **years(2024, 2025))
    publish(backa, "Göteborgs Stad", "Polisen, lokalpolisområde Hisingen")
    older = make_promise("Hisings Backa", name="tryggare Backa förr", **years(2021, 2022))
    angered = make_promise("Angered", name="ett lugnare Angered", **years(2023, 2023))
    rosengard = make_promise("Rosengård", municipalities=(MALMO,), **years(2024, 2026))
    # The police first: neither the order of creation nor the alphabet gives this order.
    publish(rosengard, "Polisen, lokalpolisområde Rosengård", "Malmö stad")
    vivalla = make_promise("Vivalla", municipalities=(OREBRO,), **years(2025, 2026))
    joint = make_promise("Sjuhärad", municipalities=(BORAS, GOTEBORG), **years(2022, 2024))
    return {
        "backa": backa,
        "older": older,
        "angered": angered,
        "rosengard": rosengard,
        "vivalla": vivalla,
        "joint": joint,
    }


def listed(response) -> list[str]:
    """The promises the start page links to, in order, by their link text."""
    body = response.content.decode()
    return re.findall(r'class="place-entry__link" href="[^"]+">([^<]+)</a>', body)


def headings(response, level: int) -> list[str]:
    body = response.content.decode()
    return [
        re.sub(r"<[^>]+>", "", text).strip()
        for text in re.findall(rf"<h{level}[^>]*>(.*?)</h{level}>", body, re.S)
    ]


# --- The start page ----------------------------------------------------------------------


def test_start_page_lists_promises_by_county_then_municipality_newest_first(client, places):
    response = client.get("/")
    # Counties and municipalities in Swedish alphabetical order (Ö after V).
    assert headings(response, 3) == ["Skåne län", "Västra Götalands län", "Örebro län"]
    assert headings(response, 4) == ["Malmö", "Borås", "Göteborg", "Örebro"]
    # Each municipality's promises newest first; the joint one under both of its places.
    assert listed(response) == [
        "Rosengård 2024-2026",
        "Sjuhärad 2022-2024",
        "Hisings Backa 2024-2025",
        "Angered 2023",
        "Sjuhärad 2022-2024",
        "Hisings Backa 2021-2022",
        "Vivalla 2025-2026",
    ]
    text = text_of(response)
    # Publishers by their position on the promise.
    assert (
        "Hisings Backa 2024-2025 tryggare Backa "
        "Utgivare: Göteborgs Stad · Polisen, lokalpolisområde Hisingen"
    ) in text
    assert "Utgivare: Polisen, lokalpolisområde Rosengård · Malmö stad" in text
    body = response.content.decode()
    goteborg = Municipality.objects.get(code=GOTEBORG)
    assert f'<a href="{goteborg.get_absolute_url()}">Göteborg</a>' in body
    assert goteborg.get_absolute_url() == "/kommun/1480/"
    assert f'href="{reverse("public:promise", args=[places["backa"].slug])}"' in body


@pytest.mark.parametrize(
    "search, expected",
    [
        # A municipality, in any case, with or without its accents.
        ("göteborg", GOTEBORGS),
        ("GÖTEBORG", GOTEBORGS),
        ("goteborg", GOTEBORGS),
        # SQLite's LIKE would miss these: Ö and ö differ outside ASCII.
        ("örebro", ["Vivalla 2025-2026"]),
        ("ÖREBRO LÄN", ["Vivalla 2025-2026"]),
        # A county: every promise of its municipalities.
        ("skåne", ["Rosengård 2024-2026"]),
        ("västra götaland", GOTEBORGS),
        # An area, or words of the promise's name.
        ("hisings", ["Hisings Backa 2024-2025", "Hisings Backa 2021-2022"]),
        ("lugnare", ["Angered 2023"]),
        # The municipality's code.
        ("1280", ["Rosengård 2024-2026"]),
        # Every word must match somewhere: area and municipality together.
        ("backa göteborg", ["Hisings Backa 2024-2025", "Hisings Backa 2021-2022"]),
        ("backa malmö", []),
    ],
)
def test_start_page_searches_municipality_area_county_and_name(client, places, search, expected):
    response = client.get("/", {"q": search})
    found = listed(response)
    # Göteborg's list shows its promises newest first; the older Backa is listed after
    # Angered there, so compare as sets where the order spans two municipalities.
    assert sorted(set(found)) == sorted(set(expected)), search
    text = text_of(response)
    assert f"Löften som matchar ”{search}”" in text
    if expected:
        assert re.search(rf"{len(set(expected))} löften? hittades", text), text
        assert "Visa alla löften" in text
    else:
        assert "Inget löfte matchar det." in text


def test_start_page_search_keeps_the_order_of_the_list(client, places):
    response = client.get("/", {"q": "västra götaland"})
    assert headings(response, 4) == ["Borås", "Göteborg"]
    assert listed(response) == [
        "Sjuhärad 2022-2024",
        "Hisings Backa 2024-2025",
        "Angered 2023",
        "Sjuhärad 2022-2024",
        "Hisings Backa 2021-2022",
    ]


@pytest.mark.parametrize(
    "query",
    [
        {"q": "x" * 5000},
        {"q": "\x00"},
        {"q": "Backa\x00Göteborg"},
        {"q": "%"},
        {"q": "_"},
        {"q": "' OR 1=1 --"},
        {"q": "ö" * 100 + " backa"},
        {"q": " ".join(["a"] * 500)},
        {"sida": "-1"},
    ],
)
def test_start_page_takes_hostile_searches_without_error(client, places, query):
    response = client.get("/", query)
    assert response.status_code == 200
    assert "Sök på kommun, område eller län" in text_of(response)


def test_start_page_search_that_is_not_utf8_is_answered(client, places):
    response = client.get("/?q=%FF%FE%C3")
    assert response.status_code == 200
    assert listed(response) == []


def test_start_page_keeps_the_search_typed_and_escapes_it(client, places):
    response = client.get("/", {"q": '<b>"Backa"</b>'})
    body = response.content.decode()
    assert "<b>" not in body
    assert 'value="&lt;b&gt;&quot;Backa&quot;&lt;/b&gt;"' in body


def test_start_page_escapes_names_of_places_promises_and_publishers(client, places):
    hostile = make_promise('<img src=x onerror="alert(1)">', name="<script>alert(2)</script>")
    publish(hostile, "<script>alert(3)</script>")
    body = client.get("/").content.decode()
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in body


def test_start_page_in_english(client, places):
    client.cookies["django_language"] = "en"
    text = text_of(client.get("/", {"q": "skåne"}))
    assert "Search by municipality, area or county" in text
    assert "Promises matching “skåne”" in text or 'Promises matching "skåne"' in text
    assert "1 promise found." in text
    assert "Publishers: Polisen, lokalpolisområde Rosengård · Malmö stad" in text


def test_a_promise_without_a_municipality_is_listed_last(client, places):
    make_promise("Hela landet", municipalities=(), **years(2026, 2026))
    response = client.get("/")
    assert headings(response, 3)[-1] == "Löften utan kommun"
    assert listed(response)[-1] == "Hela landet 2026"
    assert listed(client.get("/", {"q": "landet"})) == ["Hela landet 2026"]


def test_the_search_folds_case_and_accents_and_orders_as_swedish():
    assert directory.fold("GÖTEBORG Åre") == "goteborg are"
    names = ["Örebro", "Åre", "Älvsbyn", "Ale", "Vårgårda", "Zeta", "Östersund", "Eda"]
    assert sorted(names, key=directory.swedish_order) == [
        "Ale",
        "Eda",
        "Vårgårda",
        "Zeta",
        "Åre",
        "Älvsbyn",
        "Örebro",
        "Östersund",
    ]
    assert directory.clean_search("  a\x00b \t c " + "x" * 200) == ("ab c " + "x" * 200)[:100]


def test_empty_site_says_no_promise_is_published_yet(client):
    assert not Promise.objects.exists()
    response = client.get("/")
    text = text_of(response)
    assert "Inget löfte är publicerat här än" in text
    assert "python manage.py load_demo" in text
    assert "Backa" not in text and "Göteborg" not in text
    assert "Sök på kommun" not in text  # nothing to search


# --- At national size ------------------------------------------------------------------------


def promises_everywhere(count: int) -> list[Promise]:
    """`count` promises spread over all 290 municipalities, each with two publishers, made
    in bulk."""
    codes = list(Municipality.objects.order_by("code").values_list("code", flat=True))
    assert len(codes) == 290
    promises = Promise.objects.bulk_create(
        Promise(
            slug=f"riket-{n:03d}",
            area=f"Område {n:03d}",
            name="tryggare tillsammans",
            text="Löftets text.",
            organisers="kommunen tillsammans med polisen",
            starts_on=datetime.date(2020, 1, 1) + datetime.timedelta(days=n),
            ends_on=datetime.date(2026, 12, 31),
        )
        for n in range(count)
    )
    through = Promise.municipalities.through
    through.objects.bulk_create(
        through(promise_id=promise.pk, municipality_id=codes[n % len(codes)])
        for n, promise in enumerate(promises)
    )
    municipality, police = (
        Publisher.objects.create(name="Kommunen i riket"),
        Publisher.objects.create(name="Polisen i riket"),
    )
    PromisePublisher.objects.bulk_create(
        PromisePublisher(promise=promise, publisher=publisher, position=position)
        for promise in promises
        for position, publisher in enumerate([municipality, police], start=1)
    )
    return promises


def queries_of(client, url: str, params: dict | None = None) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_start_page_costs_the_same_queries_for_a_handful_and_for_300_promises(client, places):
    few, body = queries_of(client, "/")
    assert body.count('class="place-entry"') == 7
    searched, _body = queries_of(client, "/", {"q": "göteborg"})
    assert few == searched == 3

    promises_everywhere(300)
    many, body = queries_of(client, "/")
    assert many == few
    # 300 promises in 290 municipalities (and the handful's own), in all 21 counties.
    assert body.count('class="place-entry"') == 300 + 7
    assert body.count('class="place__name"') == 290
    assert len(headings(client.get("/"), 3)) == 21
    assert "Utgivare: Kommunen i riket · Polisen i riket" in text_of(client.get("/"))
    searched, body = queries_of(client, "/", {"q": "göteborg"})
    assert searched == few
    # Göteborg's own four (the joint one under Borås too) and the one of the 300 there.
    assert body.count('class="place-entry"') == 5 + 1


# --- A municipality's page -----------------------------------------------------------------


def test_municipality_page_lists_its_promises_with_renewals_in_a_chain(client):
    first = make_promise("Hisings Backa", **years(2020, 2021))
    second = make_promise("Hisings Backa", previous=first, **years(2022, 2023))
    third = make_promise(
        "Hisings Backa", name="tryggare Backa", previous=second, **years(2024, 2025)
    )
    publish(third, "Göteborgs Stad", "Polisen, lokalpolisområde Hisingen")
    angered = make_promise("Angered", **years(2023, 2024))
    # A promise of Göteborg renewing one of Malmö's: a chain of its own, naming what it renews.
    elsewhere = make_promise("Rosengård", municipalities=(MALMO,), **years(2019, 2020))
    moved = make_promise("Gamlestaden", previous=elsewhere, **years(2021, 2022))
    make_promise("Lindängen", municipalities=(MALMO,), **years(2025, 2025))

    response = client.get(reverse("public:municipality", args=[GOTEBORG]))
    text = text_of(response)
    assert headings(response, 1) == ["Medborgarlöften i Göteborg"]
    assert "Göteborg (Västra Götalands län, kommunkod 1480) har 5 medborgarlöften" in text
    # Chains by their newest promise, newest first; within a chain newest first.
    assert headings(response, 2) == ["Hisings Backa", "Angered", "Gamlestaden"]
    assert headings(response, 3) == [
        "Medborgarlöfte Hisings Backa 2024-2025",
        "Medborgarlöfte Hisings Backa 2022-2023",
        "Medborgarlöfte Hisings Backa 2020-2021",
        "Medborgarlöfte Angered 2023-2024",
        "Medborgarlöfte Gamlestaden 2021-2022",
    ]
    assert "3 löften, vart och ett förnyar det föregående, det senaste först." in text
    assert (
        "Medborgarlöfte Hisings Backa 2024-2025 tryggare Backa · 1 januari 2024 – "
        "31 december 2025 Utgivare: Göteborgs Stad · Polisen, lokalpolisområde Hisingen "
        "Förnyar: Medborgarlöfte Hisings Backa 2022-2023"
    ) in text
    assert "Förnyar: Medborgarlöfte Rosengård 2019-2020" in text
    assert "Lindängen" not in text
    body = response.content.decode()
    for promise in (first, second, third, angered, moved, elsewhere):
        assert f'href="{reverse("public:promise", args=[promise.slug])}"' in body


def test_municipality_page_shows_progress_and_published_follow_ups(client):
    world = build_world()
    text = text_of(client.get(reverse("public:municipality", args=[GOTEBORG])))
    # Latest approved reports: breakfasts done, walks in progress, stairwells not reported.
    assert "Genomfört: 1 Pågående: 1 Inte rapporterat än: 1" in text
    assert "Av 3 dellöften, enligt vart och etts senaste godkända rapport." in text
    assert "Publicerade uppföljningar: Uppföljning medborgarlöfte Backa 2024-2025" in text
    assert world.follow_up.title in text


def test_municipality_page_in_english(client):
    build_world()
    client.cookies["django_language"] = "en"
    text = text_of(client.get(reverse("public:municipality", args=[GOTEBORG])))
    assert "Citizen promises in Göteborg" in text
    assert "Göteborg (Västra Götalands län, municipality code 1480) has 1 citizen promise" in text
    assert "Done: 1 In progress: 1 Not reported yet: 1" in text


def test_municipality_without_promises_says_so(client, places):
    text = text_of(client.get(reverse("public:municipality", args=[ARE])))
    assert "Inget medborgarlöfte från Åre är publicerat här än." in text
    assert "Backa" not in text


@pytest.mark.parametrize(
    "code", ["9999", "0000", "148", "14800", "abcd", "１４８０", "1480x", "%00", "14%2080"]
)
def test_unknown_or_malformed_municipality_code_is_404(client, places, code):
    response = client.get(f"/kommun/{code}/")
    assert response.status_code == 404


def test_municipality_page_escapes_what_it_shows(client):
    promise = make_promise("<b>Område</b>", name="<script>alert(1)</script>")
    publish(promise, "<i>Utgivare</i>")
    body = client.get(reverse("public:municipality", args=[GOTEBORG])).content.decode()
    assert "<script>alert" not in body and "<b>Område" not in body and "<i>Utgivare" not in body
    assert "&lt;i&gt;Utgivare&lt;/i&gt;" in body


def test_municipality_page_costs_the_same_queries_for_one_promise_and_for_forty(client):
    world = build_world()
    publish(world.promise, "Göteborgs Stad", "Polisen")
    url = reverse("public:municipality", args=[GOTEBORG])
    few, _body = queries_of(client, url)
    assert few == 5
    previous = world.promise
    for n in range(40):  # renewals of renewals, each with a sub-promise, a report, publishers
        promise = make_promise(f"Område {n % 4}", previous=previous if n % 2 else None)
        publish(promise, "Göteborgs Stad", f"Polisen {n}")
        sub = make_sub_promise(make_focus_area(promise, "Skola"), make_partner())
        approved(sub, make_period(promise), "done")
        previous = promise
    many, body = queries_of(client, url)
    assert many == few
    assert body.count('class="promise-card"') == 41
    # Another municipality's page costs one query: it has no promise here.
    none, _body = queries_of(client, reverse("public:municipality", args=[ARE]))
    assert none == 2
