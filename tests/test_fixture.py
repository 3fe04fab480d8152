"""The Hisings Backa fixture holds the facts of the real follow-up document."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count, Q

from followup.models import FollowUp, Highlight, ReportFigure, ReportingPeriod, StatusReport
from lofte.models import Commitment, FocusArea, Responsibility, SubPromise
from parties.models import Partner

# The follow-up document's own text, kept beside the fixture built from it.
SEED = Path(__file__).resolve().parents[1] / "fixtures" / "hisings_backa_2024_2025_document.txt"

PARTNER_NAMES = {
    "Socialförvaltningen Hisingen",
    "Polisen",
    "Socialförvaltningen Centrum",
    "Made in Backa",
    "Backa bibliotek",
    "Ellen Keyskolan",
    "Västsvenska handelskammaren",
    "Brunnsboskolan",
    "Bostadsbolaget",
    "Stena Fastigheter",
    "Nextar",
    "Skälltorpsskolan",
    "Familjebostäder",
    "Backaskolan",
    "Mamma United",
    "Lights on",
    "Universeum",
    "Poseidon",
    "Störningsjouren",
    "Invånarguiderna",
    "Nattvandrarna",
    "Hisings Backa FC",
    "Backatorp IF",
    "Backa HK",
    "House of Possibilities",
    "Öppna förskolan",
    "Fritid Hisingen",
}


def test_promise_facts(hisings_backa):
    assert str(hisings_backa) == "Medborgarlöfte Hisings Backa 2024-2025"
    assert hisings_backa.starts_on.isoformat() == "2024-02-27"
    assert hisings_backa.ends_on.isoformat() == "2025-12-31"
    assert hisings_backa.organisers == "socialförvaltningen Hisingen tillsammans med polisen"
    assert hisings_backa.name == "tillsammans för ett tryggare Hisings Backa"
    assert hisings_backa.text.startswith("Mellanområde Hisings Backa är klassificerat")


def test_the_27_partners_by_name(hisings_backa):
    assert set(hisings_backa.partners.values_list("name", flat=True)) == PARTNER_NAMES
    assert Partner.objects.count() == 27
    assert Partner.objects.get(name="Polisen").kind == Partner.Kind.POLICE
    assert Partner.objects.filter(kind=Partner.Kind.HOUSING).count() == 4


def test_focus_areas_in_order_with_their_counts(hisings_backa):
    areas = FocusArea.objects.filter(promise=hisings_backa).annotate(
        commitment_count=Count("commitments", distinct=True),
        sub_count=Count("sub_promises", distinct=True),
    )
    assert [(a.name, a.commitment_count, a.sub_count) for a in areas] == [
        ("Skola", 3, 11),
        ("Lokalområde", 4, 11),
        ("Fritid", 6, 11),
        ("Familj", 3, 10),
    ]
    highlights = (
        Highlight.objects.filter(follow_up__promise=hisings_backa)
        .values_list("report__sub_promise__focus_area__name")
        .annotate(n=Count("pk"))
    )
    assert dict(highlights) == {"Skola": 7, "Lokalområde": 7, "Fritid": 5, "Familj": 10}


def test_every_sub_promise_has_exactly_one_lead_and_one_approved_report(hisings_backa):
    subs = SubPromise.objects.filter(focus_area__promise=hisings_backa).annotate(
        leads=Count("responsibilities", filter=Q(responsibilities__role="lead"))
    )
    assert subs.count() == 43
    assert {s.leads for s in subs} == {1}
    period = ReportingPeriod.objects.get(promise=hisings_backa)
    assert not period.is_open
    reports = StatusReport.objects.filter(period=period)
    assert reports.count() == 43
    assert set(reports.values_list("state", flat=True)) == {"approved"}
    implemented = reports.filter(status__in=StatusReport.IMPLEMENTED).count()
    assert implemented == 41  # two are under way: night walks and stairwell hosts


@pytest.mark.parametrize(
    ("sub_promise", "label", "value"),
    [
        ("Frukost för mellanstadieelever på Ellen Keyskolan", "Utdelade frukostar, cirka", 1000),
        ("Universeums Science club familj", "Familjer i Science club familj", 25),
        ("Mamma United basprogram", "Mammor som fullföljt programmet", 48),
        ("Mamma United basprogram", "Mammor som deltagit vid minst 2 träffar", 76),
        ("Mamma United basprogram", "Genomförda basprogram", 4),
        ("Mamma United Trygg", "Utdelade mellanmål, över", 4300),
        ("Mamma United Trygg", "Tillfällen", 132),
        ("Mamma United Trygg", "Kvinnor i insatsen", 8),
        ("Gängsnacket för mellanstadieklasser", "Mellanstadieklasser", 14),
        ("Trygghetsveckan i september 2025", "Aktiviteter, över", 60),
        ("Trygghetsveckan i september 2025", "Medverkande aktörer, över", 40),
        ("Volontärer på Ellen Keyskolan och Brunnsboskolan", "Volontärer i skolan", 7),
        ("Platser i Nextars mentorskapsprogram", "Elever i mentorskapsprogrammet", 5),
        ("Sommar i Backa och fler lovaktiviteter", "Veckor med Sommar i Backa", 9),
        ("Dörrknackning om våld i nära relation", "Dörrknackningar", 3),
        ("Mamma United Community", "Mammor per månadsträff, i snitt", 11),
    ],
)
def test_figures_from_the_document(hisings_backa, sub_promise, label, value):
    figure = ReportFigure.objects.get(
        report__sub_promise__title=sub_promise, report__state="approved", label=label
    )
    assert figure.value == Decimal(value)


def test_responsibilities_follow_the_document(hisings_backa):
    def partners(title):
        rows = Responsibility.objects.filter(sub_promise__title=title)
        return {r.partner.name: r.role for r in rows.select_related("partner")}

    assert partners("Mamma United basprogram") == {
        "Mamma United": "lead",
        "Socialförvaltningen Hisingen": "co",
        "Bostadsbolaget": "co",
        "Familjebostäder": "co",
        "Poseidon": "co",
        "Stena Fastigheter": "co",
    }
    assert partners("Pluggjobb på Skälltorpsskolan") == {
        "Familjebostäder": "lead",
        "Skälltorpsskolan": "co",
    }


def test_follow_up_is_published_with_closing_words(hisings_backa):
    follow_up = FollowUp.objects.published().get(promise=hisings_backa)
    assert follow_up.title == "Uppföljning medborgarlöfte Hisings Backa 2024-2025"
    assert "RE:BACKA" in follow_up.closing_words
    assert "förskola och sysselsättning" in follow_up.closing_words
    assert "över 60 aktiviteter" in follow_up.closing_words


def test_loading_twice_changes_nothing(hisings_backa):
    counts = [m.objects.count() for m in (Partner, SubPromise, StatusReport, Highlight, Commitment)]
    call_command("loaddata", "hisings_backa_2024_2025", verbosity=0)
    assert counts == [
        m.objects.count() for m in (Partner, SubPromise, StatusReport, Highlight, Commitment)
    ]


def _seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def test_every_sentence_of_the_document_is_in_the_fixture(hisings_backa):
    """Each paragraph and bullet of the seed is held verbatim somewhere in the fixture."""
    texts = [
        hisings_backa.text,
        *FocusArea.objects.values_list("rationale", flat=True),
        *Commitment.objects.values_list("text", flat=True),
        *Highlight.objects.values_list("text", flat=True),
        *FollowUp.objects.values_list("closing_words", flat=True),
    ]
    corpus = "\n".join(texts)
    computed = (
        "Uppföljning medborgarlöfte",  # the title, built from the promise
        "Det här är en uppföljning",  # the intro, computed from data
        "Medborgarlöftet är uppdelat",
        "Löftet:",
        "För att nå dit",
        "Det här har genomförts",
    )
    headings = {a.name for a in FocusArea.objects.all()} | {"Slutord"}
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n|\n(?=- )", _seed_text()) if p.strip()]
    missing = [
        p
        for p in paragraphs
        if p not in headings and not p.startswith(computed) and p.removeprefix("- ") not in corpus
    ]
    assert missing == []
