"""Every figure the Hisings Backa follow-up states, with its number, unit and label, is in
the fixture and on the public promise page; the fixture holds no figure the document does
not state."""

import html
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from followup.models import ReportFigure

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "hisings_backa_2024_2025_document.txt"
SLUG = "hisings-backa-2024-2025"

# (sub-promise, label, value, unit) as the document states them, and where it says so.
FIGURES = {
    (
        "Sommarlovsbok till årskurs 1 och 3 på Ellen Keyskolan",
        "Årskurser som fått sommarlovsbok",
        2,
        "årskurser",
    ),  # "sommarlovsbok till årskurs 1 och 3"
    (
        "Frukost för mellanstadieelever på Ellen Keyskolan",
        "Utdelade frukostar, cirka",
        1000,
        "st",
    ),  # "cirka tusen frukostar"
    (
        "Frukost för mellanstadieelever på Ellen Keyskolan",
        "Frukostdagar per vecka",
        3,
        "dagar",
    ),  # "frukost tre dagar i veckan"
    (
        "Platser i Nextars mentorskapsprogram",
        "Elever i mentorskapsprogrammet",
        5,
        "elever",
    ),  # "fem elever"
    (
        "Volontärer på Ellen Keyskolan och Brunnsboskolan",
        "Volontärer i skolan",
        7,
        "volontärer",
    ),  # "sju volontärer"
    ("Gemensamma skoljoggar", "Gemensamma skoljoggar", 2, "st"),  # "två gemensamma skoljoggar"
    (
        "Universeums Science club familj",
        "Familjer i Science club familj",
        25,
        "familjer",
    ),  # "25 familjer"
    ("Dörrknackning om våld i nära relation", "Dörrknackningar", 3, "st"),  # "tre dörrknackningar"
    (
        "Dörrknackning om våld i nära relation",
        "Hushåll som nåtts, över",
        1000,
        "hushåll",
    ),  # "över tusen hushåll"
    (
        "Trygghetsveckan i september 2025",
        "Aktiviteter, över",
        60,
        "aktiviteter",
    ),  # "över 60 aktiviteter"
    (
        "Trygghetsveckan i september 2025",
        "Medverkande aktörer, över",
        40,
        "aktörer",
    ),  # "över 40 olika aktörer"
    (
        "Sommar i Backa och fler lovaktiviteter",
        "Veckor med Sommar i Backa",
        9,
        "veckor",
    ),  # "under nio veckor"
    (
        "Fotbollsgrupper för killar och tjejer",
        "Skolor med fotbollsgrupper",
        2,
        "skolor",
    ),  # "på två skolor"
    (
        "Lights on på Ellen Keyskolan",
        "Dagar i veckan med aktiviteter",
        5,
        "dagar",
    ),  # "fem dagar i veckan"
    (
        "Gängsnacket för mellanstadieklasser",
        "Mellanstadieklasser",
        14,
        "klasser",
    ),  # "14 mellanstadieklaser"
    ("Öppet hus på fritidsgården i Brunnsbo", "Öppet hus", 1, "st"),  # "ett öppet hus"
    (
        "Mamma United basprogram",
        "Genomförda basprogram",
        4,
        "program",
    ),  # "fyra Mamma United basprogram"
    ("Mamma United basprogram", "Veckor per program", 12, "veckor"),  # "under 12 veckor"
    (
        "Mamma United basprogram",
        "Mammor som fullföljt programmet",
        48,
        "mammor",
    ),  # "48 mammor fullföljt"
    (
        "Mamma United basprogram",
        "Mammor som deltagit vid minst 2 träffar",
        76,
        "mammor",
    ),  # "76 mammor som deltagit"
    ("Mamma United Trygg", "Kvinnor i insatsen", 8, "kvinnor"),  # "åtta kvinnor"
    ("Mamma United Trygg", "Utdelade mellanmål, över", 4300, "st"),  # "över 4300 mellanmål"
    ("Mamma United Trygg", "Tillfällen", 132, "tillfällen"),  # "vid 132 tillfällen"
    (
        "Mamma United Community",
        "Mammor per månadsträff, i snitt",
        11,
        "mammor",
    ),  # "i snitt har 11 mammor"
}
# Numbers in the document's digits that are no figure of a sub-promise, and what they are.
NOT_FIGURES = {
    "2024",
    "2025",
    "2026",
    "2028",  # years of the promise, the follow-up and the next promise
    "27",  # partners behind the promise, and 27 February: counted from the data
    "02",
    "12",
    "31",  # the period's dates (12 is also the basprogram's weeks, a figure)
    "90",  # "ungefär 90 dellöften genomförts": computed from the reports
    "1",
    "3",  # "årskurs 1 och 3": which classes got the book (the figure counts them: 2)
    "2",  # "minst 2 träffar": part of a label
}

pytestmark = pytest.mark.django_db


def test_the_fixture_holds_every_figure_of_the_document_and_no_other(hisings_backa):
    held = {
        (f.report.sub_promise.title, f.label, int(f.value), f.unit)
        for f in ReportFigure.objects.filter(report__state="approved").select_related(
            "report__sub_promise"
        )
    }
    assert held - FIGURES == set(), "figures the document does not state"
    assert FIGURES - held == set(), "figures of the document missing or changed"
    assert all(f.value == Decimal(int(f.value)) for f in ReportFigure.objects.all()), (
        "the document states whole numbers"
    )


def test_every_number_the_document_writes_in_digits_is_accounted_for():
    numbers = set(re.findall(r"\d+", SEED.read_text(encoding="utf-8")))
    figures = {str(value) for _, _, value, _ in FIGURES}
    assert numbers - figures - NOT_FIGURES == set()


def test_the_promise_page_shows_each_figure_with_its_label_and_unit(client, hisings_backa):
    page = html.unescape(
        client.get(reverse("public:promise", args=[SLUG])).content.decode()
    ).replace("\xa0", " ")
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    for _, label, value, unit in sorted(FIGURES):
        number = f"{value:,}".replace(",", " ")
        assert f"{label}: {number} {unit}" in text, label
