"""The follow-up as a PDF: the seed's text, tagged for accessibility, and a renderer that
fetches nothing but our own static files."""

import io
import re

import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone

from followup.document import pdf as pdf_module
from followup.document.data import render_document
from followup.document.pdf import (
    BASE_URL,
    RefusedURL,
    StaticFilesFetcher,
    render_pdf,
    static_prefix,
)
from followup.document.publishing import publish_follow_up
from followup.document.templatetags import css_string
from followup.models import FollowUp, Highlight

from .conftest import (
    make_coordinator,
    make_focus_area,
    make_partner,
    make_period,
    make_promise,
    make_report,
    make_sub_promise,
)
from .document_data import make_follow_up

pytestmark = pytest.mark.django_db

SLUG = "hisings-backa-2024-2025"
HOSTILE = [
    "<script>alert(1)</script>",
    '<img src="file:///etc/passwd">',
    '<a href="http://127.0.0.1:1/">x</a>',
]


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def outline_titles(outline) -> list[str]:
    titles = []
    for item in outline:
        titles.extend(outline_titles(item) if isinstance(item, list) else [item.title])
    return titles


@pytest.fixture
def published_pdf(client, published_hisings_backa) -> bytes:
    response = client.get(reverse("document:follow_up_pdf", args=[SLUG]))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    return response.content


def test_pdf_reads_like_the_seed(published_pdf):
    text = pdf_text(published_pdf)
    order = [
        "Uppföljning medborgarlöfte Hisings Backa 2024-2025",
        "Det här är en uppföljning av medborgarlöftet Hisings Backa",
        "Löftet: tillsammans för ett tryggare Hisings Backa",
        "Skola En lyckad skolgång",
        "För att nå dit kommer vi tillsammans att:",
        "Det här har genomförts inom fokusområdet:",
        "Lokalområde Det är en skyddsfaktor",
        "Fritid Att ha en meningsfull fritid",
        "Familj För att ge barn",
        "Slutord Utöver de dellöften",
        "Status per fokusområde",
        "Bilaga: samtliga dellöften",
    ]
    position = 0
    for part in order:
        assert part in text[position:], part
        position = text.index(part, position)
    assert "27 olika samverkansparter" in text
    assert "43 dellöften" in text
    assert "41 dellöften genomförts i olika utsträckning" in text
    assert "skola, lokalområde, fritid och familj" in text
    assert "cirka tusen frukostar har delats ut" in text
    assert "Sida 1 av" in text


def test_pdf_is_tagged_with_language_title_and_bookmarks(published_pdf):
    reader = pypdf.PdfReader(io.BytesIO(published_pdf))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"].value is True
    assert root["/Lang"] == "sv"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert reader.metadata.title == "Uppföljning medborgarlöfte Hisings Backa 2024-2025"
    assert reader.metadata.author == "socialförvaltningen Hisingen tillsammans med polisen"
    titles = outline_titles(reader.outline)
    for heading in ["Löftet: tillsammans för ett tryggare Hisings Backa", "Skola", "Familj"]:
        assert heading in titles
    assert "Innehåll" not in titles


def test_pdf_is_a4_with_a_table_of_contents_with_page_numbers(published_pdf):
    reader = pypdf.PdfReader(io.BytesIO(published_pdf))
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)
    contents = " ".join(reader.pages[1].extract_text().split())
    assert "Innehåll" in contents
    assert re.search(r"Slutord \d+", contents)
    total = len(reader.pages)
    assert f"Sida {total} av {total}" in " ".join(reader.pages[-1].extract_text().split())


def test_pdf_embeds_its_fonts(published_pdf):
    reader = pypdf.PdfReader(io.BytesIO(published_pdf))
    fonts = reader.pages[2]["/Resources"]["/Font"]
    for ref in fonts.values():
        font = ref.get_object()
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def test_published_pdf_is_never_rendered_per_request(client, published_hisings_backa, monkeypatch):
    url = reverse("document:follow_up_pdf", args=[SLUG])
    first = client.get(url).content

    def fail(html):
        raise AssertionError("rendered again")

    monkeypatch.setattr(pdf_module, "render_pdf", fail)
    monkeypatch.setattr("followup.document.publishing._frozen_copy", fail)
    assert client.get(url).content == first


def draft_pdf_via_the_queue(client, url) -> bytes:
    """Asks for a draft's PDF as the admin link does; the (inline) worker renders it."""
    response = client.get(url, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "PDF:en är klar." in page
    download = re.search(r'href="([^"]+/ladda-ner/)"', page).group(1)
    return client.get(download).content


def test_draft_pdf_is_rendered_on_demand_from_todays_data(client):
    promise = make_promise("Kortedala")
    make_sub_promise(make_focus_area(promise, "Skola"), make_partner())
    follow_up = make_follow_up(promise, intro="Första versionen.")
    client.force_login(make_coordinator(promise))
    url = reverse("document:draft_pdf", args=[promise.slug, follow_up.pk])
    first = pdf_text(draft_pdf_via_the_queue(client, url))
    assert "Första versionen." in first
    assert "Förhandsvisning – inte publicerad" in first
    follow_up.intro = "Andra versionen."
    follow_up.save()
    assert "Andra versionen." in pdf_text(draft_pdf_via_the_queue(client, url))


# --- The renderer's URL fetcher ---------------------------------------------------------


def test_fetcher_serves_our_stylesheet_and_data_urls():
    fetcher = StaticFilesFetcher()
    css = fetcher.fetch(static_prefix() + "css/document.css")
    assert b"@page" in css.read()
    assert css.content_type == "text/css"
    data = fetcher.fetch("data:text/plain;base64,aGVq")
    assert data.read() == b"hej"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:1/",
        "https://example.org/static/css/document.css",
        BASE_URL + "admin/",
        "static/css/document.css",
        "{static}../../lofte/settings.py",
        "{static}..%2f..%2flofte%2fsettings.py",
        "{static}%2e%2e/%2e%2e/lofte/settings.py",
        "{static}css/../../lofte/settings.py",
        "{static}/etc/passwd",
        "{static}%2fetc%2fpasswd",
        "{static}css\\..\\..\\lofte\\settings.py",
        "{static}css/missing.css",
    ],
)
def test_fetcher_refuses_everything_else(url):
    url = url.replace("{static}", static_prefix())
    with pytest.raises(RefusedURL):
        StaticFilesFetcher().fetch(url)


def test_hostile_text_is_printed_literally_and_never_fetched(monkeypatch):
    asked = []
    original = StaticFilesFetcher.fetch

    def recording(self, url, headers=None):
        asked.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(StaticFilesFetcher, "fetch", recording)
    promise = make_promise("Kortedala")
    sub = make_sub_promise(make_focus_area(promise, "Skola"), make_partner(), title=HOSTILE[1])
    now = timezone.now()
    report = make_report(
        sub,
        make_period(promise),
        achieved="\n".join(HOSTILE),
        status="done",
        state="approved",
        submitted_at=now,
        reviewed_at=now,
    )
    follow_up = make_follow_up(promise, closing_words=HOSTILE[2])
    Highlight.objects.create(
        follow_up=follow_up, report=report, position=1, text="\n\n".join(HOSTILE)
    )
    publish_follow_up(follow_up=follow_up, user=make_coordinator(promise))
    follow_up.refresh_from_db()

    assert asked, "the stylesheet goes through the fetcher"
    assert all(url.startswith(static_prefix()) for url in asked)
    text = pdf_text(bytes(follow_up.published_pdf))
    for hostile in HOSTILE:
        assert hostile in text


def test_one_template_renders_page_and_pdf_differing_only_in_a_few_things(hisings_backa):
    follow_up = FollowUp.objects.select_related("promise").get()
    page = render_document(follow_up, for_pdf=False)
    printed = render_document(follow_up, for_pdf=True)
    assert "Ladda ner som PDF" in page and "Ladda ner som PDF" not in printed
    assert "counter(pages)" in printed and "counter(pages)" not in page
    for html in (page, printed):
        assert 'id="appendix"' in html
    assert render_pdf(printed).startswith(b"%PDF-1.7")


def test_words_put_into_the_print_stylesheet_cannot_break_out_of_it():
    quoted = css_string('Sida"; } </style><script>')
    assert quoted.startswith('"') and quoted.endswith('"')
    assert '"' not in quoted[1:-1]
    assert "<" not in quoted and ">" not in quoted and "}" not in quoted
