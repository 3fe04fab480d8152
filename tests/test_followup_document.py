"""The follow-up document as a web page: the seed's content, access, freezing, caching, speed."""

import html
import re
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from django_tasks_db.models import DBTaskResult

import followup.document.publishing
import followup.services
from followup.document.data import build_document, lower_first, render_document
from followup.document.publishing import publish_follow_up
from followup.document.views import FREEZE_REQUEUE_AFTER
from followup.models import DraftPdf, FollowUp, Highlight
from followup.services import WorkflowError

from .conftest import (
    make_coordinator,
    make_focus_area,
    make_partner,
    make_period,
    make_promise,
    make_report,
    make_reporter,
    make_sub_promise,
    make_user,
    run_queued_tasks,
)
from .document_data import build_promise, make_follow_up

pytestmark = pytest.mark.django_db

SLUG = "hisings-backa-2024-2025"
HOSTILE = [
    "<script>alert(1)</script>",
    '<img src="file:///etc/passwd">',
    '<a href="http://127.0.0.1:1/">x</a>',
]


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def headings(page: str, levels: str = "12") -> list[str]:
    return [text_of(h) for h in re.findall(rf"<h[{levels}][^>]*>(.*?)</h[{levels}]>", page, re.S)]


def section_text(page: str, start: str, end: str) -> str:
    """The page's text between two headings."""
    text = text_of(page)
    return text[text.index(start) : text.index(end, text.index(start) + len(start))]


@pytest.fixture
def page(client, published_hisings_backa) -> str:
    response = client.get(reverse("document:follow_up", args=[SLUG]))
    assert response.status_code == 200
    return response.content.decode()


def test_published_page_has_the_seed_sections_in_order(page):
    assert headings(page) == [
        "Uppföljning medborgarlöfte Hisings Backa 2024-2025",
        "Innehåll",
        "Löftet: tillsammans för ett tryggare Hisings Backa",
        "Skola",
        "Lokalområde",
        "Fritid",
        "Familj",
        "Slutord",
        "Status per fokusområde",
        "Resultat",
        "Bilaga: samtliga dellöften",
    ]
    assert '<html lang="sv">' in page
    assert "<title>Uppföljning medborgarlöfte Hisings Backa 2024-2025</title>" in page


def test_intro_figures_are_computed_from_the_data(page):
    text = text_of(page)
    assert (
        "Det här är en uppföljning av medborgarlöftet Hisings Backa för perioden "
        "2024-02-27 till 2025-12-31." in text
    )
    assert (
        "Medborgarlöftet är framtaget av socialförvaltningen Hisingen tillsammans med polisen."
        in text
    )
    assert (
        "Bakom löftet står 27 olika samverkansparter som tillsammans har bidragit med "
        "43 dellöften – alla med målet att göra Hisings Backa tryggare." in text
    )
    assert (
        "Medborgarlöftet är uppdelat i fyra fokusområden: skola, lokalområde, fritid och familj."
        in text
    )
    assert (
        "Utifrån vad samverkansparterna har rapporterat in har 41 dellöften genomförts "
        "i olika utsträckning." in text
    )
    assert "Nedan följer beskrivning av varje område" in text


def test_title_page_key_figures_are_labelled_in_words(page):
    figures = re.search(r'<ul class="key-figures".*?</ul>', page, re.S).group(0)
    assert text_of(figures) == (
        "27 samverkansparter 4 fokusområden 43 dellöften 41 genomförda i olika utsträckning"
    )


def test_focus_areas_carry_commitments_and_highlights_in_the_seed_words(page):
    assert page.count("För att nå dit kommer vi tillsammans att:") == 4
    assert page.count("Det här har genomförts inom fokusområdet:") == 4
    school = section_text(page, "Skola En lyckad skolgång", "Lokalområde Det är")
    assert "erbjuda studiebesök, praktik och feriearbete" in school
    assert "cirka tusen frukostar har delats ut" in school
    assert "mentorsskapsprogram" in school
    family = section_text(page, "Familj För att ge barn", "Slutord")
    assert "Totalt har 48 mammor fullföljt programmet" in family
    # A highlight of several paragraphs keeps them apart.
    assert "<p>Vi har genom dessa insatser nått över tusen hushåll" in page
    closing = section_text(page, "Slutord Utöver", "Status per fokusområde")
    assert "secondhand butiken RE:BACKA" in closing


def test_highlights_follow_the_coordinators_order(client, hisings_backa):
    follow_up = FollowUp.objects.get()
    first, second = Highlight.objects.filter(follow_up=follow_up).order_by("position")[:2]
    first.position = 900
    first.save()
    second.position = 1
    second.save()
    first.position = 2
    first.save()
    page = render_document(follow_up, for_pdf=False)
    assert page.index("cirka tusen frukostar") < page.index("läs- och skrivfrämjande")


def test_status_chart_and_table_give_the_same_figures(page):
    chart = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert 'role="img"' in chart
    assert "<title" in chart
    assert "Lokalområde: Genomfört 9, Pågående 2" in text_of(
        re.search(r"<desc.*?</desc>", chart, re.S).group(0)
    )
    table = re.search(r'<table class="data status-table">.*?</table>', page, re.S).group(0)
    rows = [text_of(r) for r in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
    assert "Lokalområde 9 0 2 0 0 0 11" in rows
    assert "Alla fokusområden 41 0 2 0 0 0 43" in rows


def test_indicator_results_without_targets_have_no_target_columns(page):
    table = re.search(r'<table class="data indicator-table">.*?</table>', page, re.S).group(0)
    rows = [text_of(r) for r in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
    assert (
        "1.4 Frukost för mellanstadieelever på Ellen Keyskolan Utdelade frukostar 1 000 st" in rows
    )
    assert "Andel av målet" not in table and ">Mål<" not in table


def test_indicator_rows_give_result_target_and_share_or_a_dash_for_each_missing_part():
    promise = make_promise()
    area = make_focus_area(promise, "Skola")
    partner = make_partner()
    indicator = {"indicator_label": "Utdelade frukostar", "indicator_unit": "st"}
    halfway, _no_report, no_figure, no_target = (
        make_sub_promise(area, partner, title=title, **indicator, **target)
        for title, target in [
            ("Frukost", {"indicator_target": 2000}),
            ("Ej rapporterat", {"indicator_target": 100}),
            ("Utan siffra", {"indicator_target": 100}),
            ("Utan mål", {}),
        ]
    )
    make_sub_promise(area, partner, title="Utan indikator")
    period = make_period(promise, is_open=False)
    now = timezone.now()
    for sub, figures in [(halfway, [("Utdelade frukostar, cirka", 1500)]), (no_figure, [])]:
        report = make_report(
            sub, period, status="done", state="approved", submitted_at=now, reviewed_at=now
        )
        for position, (label, value) in enumerate(figures, 1):
            report.figures.create(position=position, label=label, value=value, unit="st")
    report = make_report(
        no_target, period, status="done", state="approved", submitted_at=now, reviewed_at=now
    )
    report.figures.create(position=1, label="Utdelade frukostar", value=40, unit="st")

    document = build_document(make_follow_up(promise, covers_from="2024-01-01"))

    rows = [(r.number, r.title, r.label, r.result, r.target, r.share) for r in document.indicators]
    assert rows == [
        ("1.1", "Frukost", "Utdelade frukostar", "1\xa0500\xa0st", "2\xa0000\xa0st", "75\xa0%"),
        ("1.2", "Ej rapporterat", "Utdelade frukostar", "–", "100\xa0st", "–"),
        ("1.3", "Utan siffra", "Utdelade frukostar", "–", "100\xa0st", "–"),
        ("1.4", "Utan mål", "Utdelade frukostar", "40\xa0st", "–", "–"),
    ]


def test_appendix_lists_every_sub_promise_with_its_lead_first(page, hisings_backa):
    appendix = page[page.index('id="appendix"') :]
    rows = re.findall(r"<tr>\s*<td>\d+\.\d+</td>.*?</tr>", appendix, re.S)
    assert len(rows) == 43
    breakfast = next(text_of(r) for r in rows if "Frukost för mellanstadieelever" in r)
    assert breakfast.startswith("1.4 Frukost för mellanstadieelever på Ellen Keyskolan")
    assert "(ansvarig)" in breakfast
    assert breakfast.endswith("Genomfört")


def test_printed_appendix_is_a_list_of_every_sub_promise_with_its_lead_first(
    published_hisings_backa,
):
    follow_up = FollowUp.objects.get(promise=published_hisings_backa)
    printed = render_document(follow_up, for_pdf=True)
    appendix = printed[printed.index('id="appendix"') :]
    assert "<table" not in appendix
    items = [text_of(item) for item in re.findall(r"<li>(.*?)</li>", appendix, re.S)]
    assert len(items) == 43
    assert (
        "1.4 Frukost för mellanstadieelever på Ellen Keyskolan – Västsvenska handelskammaren "
        "(ansvarig), Ellen Keyskolan – Genomfört" in items
    )
    assert all(item.count("(ansvarig)") == 1 for item in items)
    assert printed.count('<ol class="appendix-list"') == 4


def test_focus_areas_are_never_counted_as_four():
    promise = make_promise("Angered")
    for name in ["Förskola", "Skola", "Sysselsättning", "Fritid", "Familj", "IT-stöd"]:
        make_focus_area(promise, name)
    page = render_document(make_follow_up(promise), for_pdf=False)
    assert (
        "uppdelat i sex fokusområden: förskola, skola, sysselsättning, fritid, familj och IT-stöd."
        in text_of(page)
    )


def test_a_single_focus_area_reads_in_the_singular():
    promise = make_promise("Biskopsgården")
    make_sub_promise(make_focus_area(promise, "Skola"), make_partner())
    text = text_of(render_document(make_follow_up(promise), for_pdf=False))
    assert "Medborgarlöftet har ett fokusområde: skola." in text
    assert "1 samverkanspart som" in text
    assert "har 0 dellöften genomförts" in text


def test_only_approved_reports_of_the_covered_rounds_count():
    promise = make_promise()
    area = make_focus_area(promise, "Skola")
    partner = make_partner()
    subs = [make_sub_promise(area, partner) for _ in range(3)]
    covered = make_period(promise, is_open=False)
    earlier = make_period(promise, starts_on="2020-01-01", deadline="2020-06-30")
    now = timezone.now()
    make_report(
        subs[0], covered, status="done", state="approved", submitted_at=now, reviewed_at=now
    )
    make_report(subs[1], covered, status="done", state="submitted", submitted_at=now)
    make_report(
        subs[2], earlier, status="done", state="approved", submitted_at=now, reviewed_at=now
    )
    document = build_document(make_follow_up(promise, covers_from="2024-01-01"))
    assert document.implemented_count == 1
    assert [row.status for row in document.sections[0].rows] == ["done", None, None]


# --- Who may see what -------------------------------------------------------------------


@pytest.fixture
def draft_setup():
    promise = make_promise("Angered")
    make_sub_promise(make_focus_area(promise, "Skola"), make_partner(), title="Läxhjälp")
    follow_up = make_follow_up(promise, intro="Utkastets inledning.")
    return promise, follow_up


def draft_urls(follow_up):
    args = [follow_up.promise.slug, follow_up.pk]
    return reverse("document:draft", args=args), reverse("document:draft_pdf", args=args)


def test_draft_is_404_to_the_public(client, draft_setup):
    promise, follow_up = draft_setup
    for url in [*draft_urls(follow_up), reverse("document:follow_up", args=[promise.slug])]:
        assert client.get(url).status_code == 404


def test_draft_is_404_to_another_promises_coordinator_and_to_reporters(client, draft_setup):
    _, follow_up = draft_setup
    other = make_coordinator(make_promise("Tynnered"))
    reporter = make_reporter(make_partner())
    for user in (other, reporter):
        client.force_login(user)
        for url in draft_urls(follow_up):
            assert client.get(url).status_code == 404


def test_own_coordinator_previews_the_draft_with_todays_data(client, draft_setup):
    promise, follow_up = draft_setup
    client.force_login(make_coordinator(promise))
    page_url, pdf_url = draft_urls(follow_up)
    response = client.get(page_url)
    assert response.status_code == 200
    assert "Utkastets inledning." in response.content.decode()
    assert "Förhandsvisning." in response.content.decode()
    assert "no-store" in response.headers["Cache-Control"]
    waiting = client.get(pdf_url, follow=True)
    assert "PDF:en är klar." in waiting.content.decode()
    preview = DraftPdf.objects.get()
    pdf = client.get(
        reverse("document:draft_pdf_download", args=[promise.slug, follow_up.pk, preview.pk])
    )
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"].startswith('attachment; filename="uppfoljning-')


def test_superuser_previews_any_draft(client, draft_setup):
    _, follow_up = draft_setup
    client.force_login(make_user(is_superuser=True, is_staff=True))
    assert client.get(draft_urls(follow_up)[0]).status_code == 200


def test_a_draft_is_found_under_its_own_promise_and_number_only(client, draft_setup):
    promise, first = draft_setup
    second = make_follow_up(promise, intro="Det andra utkastet.")
    other = make_promise("Tynnered")
    coordinator = make_coordinator(promise)
    other.coordinators.add(coordinator)
    client.force_login(coordinator)
    for follow_up, intro in [(first, "Utkastets inledning."), (second, "Det andra utkastet.")]:
        page = client.get(reverse("document:draft", args=[promise.slug, follow_up.pk]))
        assert intro in page.content.decode()
    # Another promise of the same coordinator does not lend its address to this draft.
    assert client.get(reverse("document:draft", args=[other.slug, first.pk])).status_code == 404


def test_the_draft_preview_never_loads_the_frozen_copies(client, draft_setup):
    promise, follow_up = draft_setup
    FollowUp.objects.filter(pk=follow_up.pk).update(
        state="published",
        published_at=timezone.now(),
        etag="abc",
        frozen_at=timezone.now(),
        published_html="<p>Fryst</p>",
        published_pdf=b"%PDF-fryst",
    )
    client.force_login(make_coordinator(promise))
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("document:draft", args=[promise.slug, follow_up.pk]))
    assert "Utkastets inledning." in page.content.decode()
    sql = " ".join(query["sql"] for query in queries)
    assert "published_html" not in sql and "published_pdf" not in sql


@pytest.fixture
def draft_pdfs(draft_setup):
    """Two PDFs of one draft, and one of another draft of the same promise."""
    promise, follow_up = draft_setup
    other = make_follow_up(promise, title="Ett annat utkast")
    pdfs = [
        DraftPdf.objects.create(follow_up=fu, state="ready", pdf=content)
        for fu, content in [
            (follow_up, b"%PDF-first"),
            (follow_up, b"%PDF-second"),
            (other, b"%PDF-other"),
        ]
    ]
    return promise, follow_up, other, pdfs


def test_a_draft_pdf_is_found_under_its_own_promise_draft_and_number_only(client, draft_pdfs):
    promise, follow_up, other, (first, second, _) = draft_pdfs
    client.force_login(make_coordinator(promise))
    for preview, content in [(first, b"%PDF-first"), (second, b"%PDF-second")]:
        args = [promise.slug, follow_up.pk, preview.pk]
        assert client.get(reverse("document:draft_pdf_download", args=args)).content == content
        status = client.get(reverse("document:draft_pdf_status", args=args)).content.decode()
        assert "PDF:en är klar." in status
    wrong = [
        [promise.slug, other.pk, first.pk],  # another draft's number
        [make_promise("Tynnered").slug, follow_up.pk, first.pk],  # another promise's slug
    ]
    for name in ("document:draft_pdf_status", "document:draft_pdf_download"):
        for args in wrong:
            assert client.get(reverse(name, args=args)).status_code == 404, (name, args)


def test_the_draft_pdf_pages_load_the_pdf_only_to_download_it(client, draft_pdfs):
    promise, follow_up, _, (first, *_) = draft_pdfs
    client.force_login(make_coordinator(promise))
    args = [promise.slug, follow_up.pk, first.pk]
    with CaptureQueriesContext(connection) as status:
        page = client.get(reverse("document:draft_pdf_status", args=args))
    assert follow_up.title in page.content.decode()
    # Session, user, the preview with its follow-up and promise.
    assert len(status) == 3
    frozen = ("published_html", "published_pdf")
    assert not any(column in q["sql"] for q in status for column in ('"pdf"', *frozen))
    with CaptureQueriesContext(connection) as download:
        client.get(reverse("document:draft_pdf_download", args=args))
    previews = [q["sql"] for q in download if "followup_draftpdf" in q["sql"]]
    assert len(previews) == 1 and '"pdf"' in previews[0]
    assert not any(column in q["sql"] for q in download for column in frozen)


def test_unknown_promise_or_one_without_published_follow_up_is_404(client, draft_setup):
    promise, _ = draft_setup
    assert client.get(reverse("document:follow_up", args=["finns-inte"])).status_code == 404
    assert client.get(reverse("document:follow_up_pdf", args=[promise.slug])).status_code == 404


def test_public_page_is_the_latest_published_follow_up(client, draft_setup):
    promise, older = draft_setup
    user = make_coordinator(promise)
    publish_follow_up(follow_up=older, user=user)
    newer = make_follow_up(promise, title="Uppföljning 2026", intro="Det nya året.")
    publish_follow_up(follow_up=newer, user=user)
    page = client.get(reverse("document:follow_up", args=[promise.slug])).content.decode()
    assert "<h1" in page and "Uppföljning 2026" in page
    assert "Det nya året." in page


# --- Publishing freezes -----------------------------------------------------------------


def test_publishing_freezes_page_and_pdf(client, hisings_backa):
    follow_up = FollowUp.objects.get()
    follow_up.state, follow_up.published_at = "draft", None
    follow_up.save()
    coordinator = make_coordinator(hisings_backa)
    publish_follow_up(follow_up=follow_up, user=coordinator)
    follow_up.refresh_from_db()
    assert follow_up.state == "published"
    assert follow_up.published_by == coordinator
    assert follow_up.etag and bytes(follow_up.published_pdf).startswith(b"%PDF")
    page_url = reverse("document:follow_up", args=[SLUG])
    pdf_url = reverse("document:follow_up_pdf", args=[SLUG])
    page_before = client.get(page_url).content
    pdf_before = client.get(pdf_url).content

    highlight = follow_up.highlights.get(position=2)
    highlight.text = "Ändrad efter publiceringen."
    highlight.save()
    hisings_backa.text = "Ny löftestext efter publiceringen."
    hisings_backa.save()

    assert client.get(page_url).content == page_before
    assert client.get(pdf_url).content == pdf_before
    assert b"cirka tusen frukostar" in page_before
    # The coordinators' preview shows today's data.
    client.force_login(coordinator)
    preview = client.get(reverse("document:draft", args=[SLUG, follow_up.pk])).content.decode()
    assert "Ändrad efter publiceringen." in preview
    assert "Ny löftestext efter publiceringen." in preview


def test_a_published_follow_up_cannot_be_published_again(hisings_backa):
    follow_up = FollowUp.objects.get()
    with pytest.raises(WorkflowError):
        publish_follow_up(follow_up=follow_up, user=make_coordinator(hisings_backa))
    follow_up.refresh_from_db()
    assert follow_up.etag == ""


def test_setup_freezes_the_fixture_follow_up_so_requests_only_serve_it(
    client, hisings_backa, django_assert_max_num_queries, monkeypatch
):
    follow_up = FollowUp.objects.get()
    assert not follow_up.is_frozen
    call_command("freeze_follow_ups", verbosity=0)  # as `load_demo` does after loading
    follow_up.refresh_from_db()
    assert follow_up.is_frozen and bytes(follow_up.published_pdf).startswith(b"%PDF")

    def no_render(*args, **kwargs):
        raise AssertionError("a public request rendered the document")

    monkeypatch.setattr(followup.document.publishing, "_frozen_copy", no_render)
    hisings_backa.text = "Ändrad."
    hisings_backa.save()
    with django_assert_max_num_queries(1):
        page = client.get(reverse("document:follow_up", args=[SLUG]))
    assert page.content.decode() == follow_up.published_html
    assert "Ändrad." not in page.content.decode()
    pdf = client.get(reverse("document:follow_up_pdf", args=[SLUG]))
    assert pdf.content == bytes(follow_up.published_pdf)
    # Run again, it renders nothing: everything published is frozen.
    call_command("freeze_follow_ups", verbosity=0)


def test_an_unfrozen_follow_up_answers_503_and_a_worker_freezes_it(
    client, hisings_backa, db_queue, monkeypatch
):
    real_render = followup.document.publishing._frozen_copy

    def no_render(*args, **kwargs):
        raise AssertionError("a public request rendered the document")

    monkeypatch.setattr(followup.document.publishing, "_frozen_copy", no_render)
    for url_name in ("document:follow_up", "document:follow_up_pdf"):
        response = client.get(reverse(url_name, args=[SLUG]))
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "60"
        assert "förbereds för publicering" in response.content.decode()
    # Asked twice, queued once.
    assert DBTaskResult.objects.filter(status="READY").count() == 1

    monkeypatch.setattr(followup.document.publishing, "_frozen_copy", real_render)
    assert run_queued_tasks() == 1
    follow_up = FollowUp.objects.get()
    assert follow_up.is_frozen
    page = client.get(reverse("document:follow_up", args=[SLUG]))
    assert page.status_code == 200
    assert page.content.decode() == follow_up.published_html


def test_each_unfrozen_follow_up_is_queued_and_queued_again_after_ten_minutes(
    client, db_queue, monkeypatch
):
    """The 503 page names its follow-up and its language switch leads back to it; each
    follow-up has its own turn in the queue, and one whose task was lost is asked for again
    once FREEZE_REQUEUE_AFTER has passed."""
    now = timezone.now()
    follow_ups = [
        make_follow_up(make_promise(area), state="published", published_at=now)
        for area in ("Angered", "Tynnered")
    ]
    for follow_up in follow_ups:
        url = reverse("document:follow_up", args=[follow_up.promise.slug])
        response = client.get(url)
        assert response.status_code == 503
        page = response.content.decode()
        assert f"<h1>{follow_up.title}</h1>" in page
        assert f'name="next" type="hidden" value="{url}"' in page
    assert DBTaskResult.objects.filter(status="READY").count() == 2
    client.get(url)
    assert DBTaskResult.objects.filter(status="READY").count() == 2

    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + FREEZE_REQUEUE_AFTER - 60)
    client.get(url)
    assert DBTaskResult.objects.filter(status="READY").count() == 2
    monkeypatch.setattr(time, "time", lambda: real_time() + FREEZE_REQUEUE_AFTER + 1)
    client.get(url)
    assert DBTaskResult.objects.filter(status="READY").count() == 3


# --- Conditional requests ---------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["document:follow_up", "document:follow_up_pdf"])
def test_etag_and_last_modified_answer_304(client, published_hisings_backa, url_name):
    url = reverse(url_name, args=[SLUG])
    response = client.get(url)
    assert response.status_code == 200
    etag, last_modified = response.headers["ETag"], response.headers["Last-Modified"]
    assert client.get(url, headers={"if-none-match": etag}).status_code == 304
    assert client.get(url, headers={"if-modified-since": last_modified}).status_code == 304
    earlier = http_date((timezone.now() - timedelta(days=3650)).timestamp())
    assert client.get(url, headers={"if-modified-since": earlier}).status_code == 200
    assert client.get(url, headers={"if-none-match": '"something-else"'}).status_code == 200


def test_page_and_pdf_have_different_etags(client, published_hisings_backa):
    page = client.get(reverse("document:follow_up", args=[SLUG]))
    pdf = client.get(reverse("document:follow_up_pdf", args=[SLUG]))
    assert page.headers["ETag"] != pdf.headers["ETag"]
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.headers["Content-Disposition"] == (
        'attachment; filename="uppfoljning-hisings-backa-2024-2025.pdf"'
    )


# --- Hostile text -----------------------------------------------------------------------


def test_user_text_is_escaped_on_the_page(client):
    promise = make_promise("Kortedala")
    area = make_focus_area(promise, HOSTILE[0], rationale=HOSTILE[1])
    sub = make_sub_promise(area, make_partner(HOSTILE[2]), title=HOSTILE[1])
    period = make_period(promise)
    now = timezone.now()
    report = make_report(
        sub,
        period,
        achieved=HOSTILE[0],
        status="done",
        state="approved",
        submitted_at=now,
        reviewed_at=now,
    )
    follow_up = make_follow_up(promise, intro=HOSTILE[2], closing_words=HOSTILE[0])
    Highlight.objects.create(
        follow_up=follow_up, report=report, position=1, text="\n\n".join(HOSTILE)
    )
    publish_follow_up(follow_up=follow_up, user=make_coordinator(promise))
    page = client.get(reverse("document:follow_up", args=[promise.slug])).content.decode()
    for hostile in HOSTILE:
        assert hostile not in page
        assert html.escape(hostile, quote=False) in page or html.escape(hostile) in page
    assert "<script" not in page
    assert 'src="file:' not in page
    assert 'href="http://127.0.0.1' not in page


# --- Speed ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [10, 1000])
def test_preview_costs_the_same_queries_whatever_the_size(
    client, size, django_assert_max_num_queries
):
    promise, follow_up = build_promise(size)
    client.force_login(make_coordinator(promise))
    url = reverse("document:draft", args=[promise.slug, follow_up.pk])
    # Session, user, the follow-up, and the document's nine (its publishers one of them) plus
    # two for its (absent) problems and indicators.
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('<th scope="row">Dellöfte ') >= size


def test_building_the_document_costs_eleven_queries_at_both_sizes():
    """Eight for the follow-up, one for its promise's publishers, and two that find no
    problems or indicators (with them, four: see tests/test_outcomes_document.py)."""
    counts = []
    for size in (10, 1000):
        _, follow_up = build_promise(size)
        follow_up = FollowUp.objects.select_related("promise").get(pk=follow_up.pk)
        with CaptureQueriesContext(connection) as queries:
            document = build_document(follow_up)
        assert document.sub_promise_count == size
        counts.append(len(queries))
    assert counts == [11, 11]


# --- Admin ------------------------------------------------------------------------------


def test_admin_links_to_preview_and_publishes_with_an_action(client, draft_setup):
    promise, follow_up = draft_setup
    client.force_login(make_coordinator(promise))
    changelist = reverse("admin:followup_followup_changelist")
    page = client.get(changelist).content.decode()
    assert reverse("document:draft", args=[promise.slug, follow_up.pk]) in page
    assert reverse("document:draft_pdf", args=[promise.slug, follow_up.pk]) in page
    assert "Ladda ner PDF" in page
    change = client.get(reverse("admin:followup_followup_change", args=[follow_up.pk]))
    assert reverse("document:draft", args=[promise.slug, follow_up.pk]) in change.content.decode()
    response = client.post(
        changelist, {"action": "publish", "_selected_action": [follow_up.pk]}, follow=True
    )
    assert "1 uppföljning publiceras" in response.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.state == "published" and follow_up.is_frozen
    page = client.get(changelist).content.decode()
    assert reverse("document:follow_up", args=[promise.slug]) in page


def test_admin_cannot_publish_another_promises_follow_up(client, draft_setup):
    _, follow_up = draft_setup
    client.force_login(make_coordinator(make_promise("Tynnered")))
    client.post(
        reverse("admin:followup_followup_changelist"),
        {"action": "publish", "_selected_action": [follow_up.pk]},
    )
    follow_up.refresh_from_db()
    assert follow_up.state == "draft"


# --- In a browser -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "mid_sentence"),
    [("Skola", "skola"), ("IT-stöd", "IT-stöd"), ("IT", "IT"), ("F", "f"), ("", "")],
)
def test_focus_area_names_read_mid_sentence_in_lower_case_except_abbreviations(name, mid_sentence):
    assert lower_first(name) == mid_sentence
