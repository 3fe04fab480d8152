"""The public side in a real browser, as an anonymous citizen: WCAG 2.1 A/AA at 1280 and
390 px, and the way from the start page to the follow-up's PDF."""

import os
import re
import sys

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from followup.document.publishing import publish_follow_up

from .conftest import (
    assert_accessible,
    make_coordinator,
    make_focus_area,
    make_partner,
    make_promise,
    make_sub_promise,
)
from .document_data import make_follow_up

# Playwright's sync API keeps an event loop in this thread; the ORM calls here are ours.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser

WIDTHS = [1280, 390]


def check_page(page) -> None:
    """No axe violation and no sideways scrolling, wide and narrow."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{page.url} scrolls sideways at {width} px"


def test_citizen_goes_from_start_page_to_promise_to_follow_up_to_pdf(
    live_server, transactional_db, page
):
    call_command("loaddata", "hisings_backa_2024_2025", verbosity=0)
    call_command("freeze_follow_ups", verbosity=0)  # as `load_demo` does
    page.goto(live_server.url + "/")
    expect(page).to_have_title(re.compile("^Medborgarlöften: vad som lovades"))
    expect(page.get_by_role("heading", name="Västra Götalands län")).to_be_visible()
    check_page(page)

    page.get_by_label("Sök på kommun, område eller län").fill("goteborg")
    page.get_by_role("button", name="Sök", exact=True).click()
    expect(page.get_by_role("heading", name="Löften som matchar ”goteborg”")).to_be_visible()
    expect(
        page.get_by_text("Utgivare: Göteborgs Stad · Polisen, lokalpolisområde Hisingen")
    ).to_be_visible()
    check_page(page)

    page.get_by_role("link", name="Göteborg", exact=True).click()
    expect(page).to_have_url(re.compile(r"/kommun/1480/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Medborgarlöften i Göteborg")
    expect(page.get_by_text("Genomfört: 41")).to_be_visible()
    check_page(page)

    page.get_by_role("link", name="Medborgarlöfte Hisings Backa 2024-2025", exact=True).click()
    expect(page).to_have_url(re.compile(r"/loften/hisings-backa-2024-2025/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("Medborgarlöfte Hisings Backa 2024-2025$")
    )
    expect(page.get_by_role("heading", name="1. Skola")).to_be_visible()
    check_page(page)

    page.get_by_role("link", name="Uppföljning medborgarlöfte Hisings Backa 2024-2025").click()
    expect(page).to_have_title("Uppföljning medborgarlöfte Hisings Backa 2024-2025")
    check_page(page)

    page.go_back()
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF").click()
    path = download.value.path()
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


@pytest.mark.parametrize("path", ["/tillganglighet/", "/personuppgifter/"])
def test_site_basics_pass_axe(live_server, transactional_db, page, path):
    page.goto(live_server.url + path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page)


def test_widget_passes_axe_framed_in_another_page(live_server, transactional_db, page):
    call_command("loaddata", "hisings_backa_2024_2025", verbosity=0)
    page.goto(live_server.url + "/loften/hisings-backa-2024-2025/widget/")
    expect(page.get_by_text("Genomfört: 41")).to_be_visible()
    check_page(page)
    # Framed by a page of another origin (about:blank with a srcdoc), it still shows.
    widget_url = live_server.url + "/loften/hisings-backa-2024-2025/widget/"
    page.set_content(f'<iframe title="Medborgarlöfte" src="{widget_url}"></iframe>')
    frame = page.frame_locator("iframe")
    expect(frame.get_by_text("Genomfört: 41")).to_be_visible()


def test_empty_site_and_a_municipality_without_promises_pass_axe(
    live_server, transactional_db, page
):
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name="Inget löfte är publicerat här än")).to_be_visible()
    check_page(page)
    page.goto(live_server.url + "/kommun/2321/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Medborgarlöften i Åre")
    check_page(page)


def test_municipality_page_in_english_passes_axe(live_server, transactional_db, page):
    call_command("loaddata", "hisings_backa_2024_2025", verbosity=0)
    page.goto(live_server.url + "/kommun/1480/")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Citizen promises in Göteborg")
    expect(page.get_by_text("Done: 41")).to_be_visible()
    check_page(page)


def test_promise_list_in_english_passes_axe(live_server, transactional_db, page):
    call_command("loaddata", "hisings_backa_2024_2025", verbosity=0)
    page.goto(live_server.url + "/loften/")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Citizen promises: what was promised and what was done"
    )
    check_page(page)


def test_citizen_subscribes_confirms_gets_the_next_follow_up_and_unsubscribes(
    live_server, transactional_db, page, mailoutbox
):
    call_command("loaddata", "hisings_backa_2024_2025", verbosity=0)
    base = live_server.url
    page.goto(base + "/loften/hisings-backa-2024-2025/")
    page.get_by_role("link", name="Följ löftet via e-post").click()
    expect(page.get_by_label("Din e-postadress")).to_be_visible()
    check_page(page)
    page.get_by_label("Din e-postadress").fill("invanare@example.org")
    page.get_by_role("button", name="Följ").click()
    expect(page.get_by_role("heading", name="Titta i din e-post")).to_be_visible()

    (confirmation,) = mailoutbox
    link = re.search(r"https?://\S+(/prenumeration/\S+/bekrafta/)", confirmation.body).group(1)
    page.goto(base + link)
    check_page(page)
    page.get_by_role("button", name="Bekräfta").click()
    expect(page.get_by_role("heading", name="Du följer löftet")).to_be_visible()

    promise = apps.get_model("lofte", "Promise").objects.get(slug="hisings-backa-2024-2025")
    draft = make_follow_up(promise, title="Uppföljning medborgarlöfte Hisings Backa 2026")
    publish_follow_up(follow_up=draft, user=make_coordinator(promise))
    call_command("send_follow_up_notices", stdout=sys.stderr)
    notice = mailoutbox[-1]
    assert notice.subject == "Ny uppföljning: Uppföljning medborgarlöfte Hisings Backa 2026"
    one_click = re.search(
        r"<https?://[^/]+(/\S+/avsluta/)>", notice.extra_headers["List-Unsubscribe"]
    )

    # What a mail client does with List-Unsubscribe-Post: one POST, no form, no cookie.
    response = page.request.post(base + one_click.group(1), form={"List-Unsubscribe": "One-Click"})
    assert response.ok
    assert not apps.get_model("public", "Subscription").objects.exists()
    assert page.goto(base + one_click.group(1)).status == 404


def test_owner_shows_in_header_and_footer_wide_and_narrow(
    live_server, transactional_db, page, settings
):
    """The site's owner in every header and the start page's footer; the promise's own
    publishers in its pages' footers."""
    # The owner `make run` names (the Makefile's demo).
    settings.OWNER_NAME = "Göteborgs Stad och Polisen"
    settings.OWNER_URL = "https://goteborg.se"
    call_command("loaddata", "hisings_backa_2024_2025", verbosity=0)
    call_command("freeze_follow_ups", verbosity=0)  # as `load_demo` does
    publishers = "Utgiven av Göteborgs Stad och Polisen, lokalpolisområde Hisingen"
    for path, published_by in [
        ("/", "Utgiven av Göteborgs Stad och Polisen"),
        ("/loften/hisings-backa-2024-2025/", publishers),
        ("/uppfoljning/hisings-backa-2024-2025/", publishers),
    ]:
        page.goto(live_server.url + path)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            banner = page.get_by_role("banner").first
            expect(banner.get_by_role("img", name="Göteborgs Stad och Polisen")).to_be_visible()
            footer = page.get_by_role("contentinfo")
            expect(footer).to_contain_text(published_by)
            expect(footer.get_by_role("link", name="goteborg.se")).to_have_attribute(
                "href", "https://goteborg.se"
            )
        check_page(page)


def test_a_promises_publishers_and_their_logos_show_wide_and_narrow(
    live_server, transactional_db, page
):
    """Two publishers with logos: both logos load (from their versioned address) on the
    promise page and on the follow-up's cover, which pass axe at both widths."""
    from lofte.models import PromisePublisher

    from .test_publishers import make_publisher

    promise = make_promise("Angered")
    make_sub_promise(make_focus_area(promise, "Skola"), make_partner(), title="Läxhjälp")
    for position, (name, slug) in enumerate(
        [("Göteborgs Stad", "goteborg"), ("Polisen lokalpolisområde Nordost", "nordost")]
    ):
        publisher = make_publisher(name, None, slug=slug)
        PromisePublisher.objects.create(promise=promise, publisher=publisher, position=position)
    publish_follow_up(follow_up=make_follow_up(promise), user=make_coordinator(promise))
    for path, logos in [
        (reverse("public:promise", args=[promise.slug]), ".publishers__logo"),
        (reverse("document:follow_up", args=[promise.slug]), ".title-page__owner img"),
    ]:
        page.goto(live_server.url + path)
        images = page.locator(logos)
        expect(images).to_have_count(2)
        loaded = images.evaluate_all("imgs => imgs.map(img => img.complete && img.naturalWidth)")
        assert loaded == [800, 800], path
        footer = page.get_by_role("contentinfo")
        expect(footer).to_contain_text(
            "Utgiven av Göteborgs Stad och Polisen lokalpolisområde Nordost"
        )
        check_page(page)


def skip_link_page(live_server, which: str) -> str:
    """A page built on the site's base template, or a published follow-up (its own page)."""
    if which == "start page":
        return live_server.url + "/"
    promise = make_promise("Angered")
    make_sub_promise(make_focus_area(promise, "Skola"), make_partner(), title="Läxhjälp")
    publish_follow_up(follow_up=make_follow_up(promise), user=make_coordinator(promise))
    return live_server.url + reverse("document:follow_up", args=[promise.slug])


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("which", ["start page", "follow-up"])
def test_the_skip_link_comes_into_view_when_focused_and_leads_to_the_content(
    live_server, transactional_db, page, which, width
):
    url = skip_link_page(live_server, which)
    page.set_viewport_size({"width": width, "height": 700})
    page.goto(url)
    page.keyboard.press("Tab")
    link = page.locator(".skip-link")
    expect(link).to_be_focused()
    expect(link).to_have_text("Hoppa till innehållet")
    expect(link).to_be_visible()
    box = link.bounding_box()
    assert box["width"] > 0 and box["height"] > 0
    assert box["x"] >= 0 and box["y"] >= 0, box
    assert box["x"] + box["width"] <= width and box["y"] + box["height"] <= 700, box
    # Nothing covers it: the element at its centre is the link itself.
    on_top = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y)?.closest('.skip-link') !== null",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert on_top
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
