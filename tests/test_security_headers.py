"""Content-Security-Policy and Permissions-Policy on every response; no inline script, style
or event handler in our templates; the few that libraries' admin templates write are allowed
one by one; and pages in a real browser report no violation."""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from lofte.models import SubPromise
from lofte.settings import csp_hash

from .conftest import (
    assert_accessible,
    is_csp_violation,
    make_coordinator,
    make_report,
    make_user,
)
from .public_data import build_world

# Playwright's sync API keeps an event loop in this thread; the ORM calls here are ours.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent.parent


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


def assert_site_policy(response) -> None:
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"][0] == "'self'"
    assert policy["style-src"][0] == "'self'"
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    # Only 'self' and hashes of exact texts: no 'unsafe-inline', no other origin.
    for values in policy.values():
        for value in values:
            assert value in {"'self'", "'none'", "'unsafe-hashes'", "*"} or value.startswith(
                "'sha256-"
            ), value
    permissions = response["Permissions-Policy"]
    for feature in ["camera=()", "microphone=()", "geolocation=()"]:
        assert feature in permissions


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("get", "/", 200),
        ("get", "/loften/", 200),
        ("get", "/finns-inte/", 404),
        ("get", "/api/v1/", 200),
        ("get", "/flode/", 200),
        ("get", "/healthz", 200),
        ("get", "/accounts/login/", 200),
        ("get", "/admin/", 302),
        ("get", "/rapportering/", 302),
        ("post", "/accounts/inloggningslank/", 200),
        ("delete", "/", 405),
    ],
)
def test_every_response_carries_the_policies(client, method, url, status):
    response = getattr(client, method)(url)
    assert response.status_code == status
    assert_site_policy(response)
    assert directives(response)["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_widget_alone_may_be_framed_and_keeps_the_rest_of_the_policy(client):
    world = build_world()
    response = client.get(reverse("public:widget", args=[world.promise.slug]))
    assert response.status_code == 200
    assert_site_policy(response)
    assert directives(response)["frame-ancestors"] == ["*"]
    assert "X-Frame-Options" not in response
    assert 'class="progress-bar"' in response.content.decode()


# --- No inline script, style or handler in our templates -----------------------------------

INLINE = [
    ("an inline <script>", re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)")),
    ("a <style> element", re.compile(r"<style\b")),
    ("a style attribute", re.compile(r"<[a-zA-Z][^>]*\sstyle=")),
    ("an event handler", re.compile(r"<[a-zA-Z][^>]*\son[a-z]+=")),
    ("a javascript: URL", re.compile(r"javascript:", re.IGNORECASE)),
]
# The PDF's page footer: read by WeasyPrint only, never sent to a browser.
PDF_ONLY = {("followup/document/document.html", "a <style> element")}


def test_our_templates_hold_no_inline_script_style_or_handler():
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        name = path.relative_to(ROOT / "templates").as_posix()
        text = path.read_text(encoding="utf-8")
        # Escaped markup (the widget's embed code shown as text) is no markup.
        text = re.sub(r"&lt;.*?&gt;", "", text)
        for what, pattern in INLINE:
            if pattern.search(text) and (name, what) not in PDF_ONLY:
                found.append(f"{name}: {what}")
    assert found == []


def test_the_pdf_footer_style_is_only_in_the_pdf(client):
    document = (ROOT / "templates/followup/document/document.html").read_text(encoding="utf-8")
    assert re.search(r"{% if for_pdf %}\s*<style>", document)


def test_inline_texts_of_library_templates_are_exactly_the_ones_the_policy_allows():
    """The hashes in settings match what the installed Django, django-simple-history and
    django-import-export write; an upgrade that changes one fails here, not in a browser."""
    import django.contrib.admin
    import import_export
    import simple_history

    def template(package, name: str) -> str:
        return (Path(package.__file__).parent / "templates" / name).read_text(encoding="utf-8")

    change_list = template(django.contrib.admin, "admin/change_list.html")
    history = template(simple_history, "simple_history/object_history_list.html")
    export = template(import_export, "admin/import_export/export.html")
    styles = re.findall(r"<style>(.*?)</style>", change_list, re.S)
    attributes = re.findall(r'\sstyle="([^"]*)"', history + export)
    handlers = re.findall(r'\son[a-z]+="([^"]*)"', change_list + history + export)
    assert (len(styles), len(attributes), len(handlers)) == (1, 3, 1)

    policy = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    for text in styles + attributes:
        assert csp_hash(text) in policy["style-src"], text
    for text in handlers:
        assert csp_hash(text) in policy["script-src"], text


# --- In a real browser ---------------------------------------------------------------------


@pytest.mark.browser
def test_public_pages_and_admin_show_no_policy_violation(
    live_server, transactional_db, page, settings
):
    """The `page` fixture (conftest) fails the test on any violation the browser reports."""
    world = build_world()
    call_command("freeze_follow_ups", verbosity=0)  # as `load_demo` does: served, not rendered
    base = live_server.url
    for url in [
        "/",
        reverse("public:promise", args=[world.promise.slug]),
        reverse("public:widget", args=[world.promise.slug]),
        reverse("document:follow_up", args=[world.promise.slug]),
        reverse("login"),
    ]:
        response = page.goto(base + url)
        assert response.status == 200, url
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert "camera=()" in response.headers["permissions-policy"]
        expect(page.get_by_role("heading", level=1).first).to_be_visible()

    # A coordinator's admin pages, ours and the libraries'.
    submitted = make_report(
        world.silent,
        world.autumn,
        status="done",
        achieved="Trapphusvärdar i tre hus.",
        state="submitted",
        submitted_at=timezone.now(),
    )
    make_coordinator(world.promise, "samordnare")
    page.goto(base + reverse("admin:index"))
    page.get_by_label("Användarnamn").fill("samordnare")
    page.get_by_label("Lösenord").fill("test-password-1")
    page.get_by_role("button", name="Logga in").click()
    expect(
        page.get_by_role("link", name="Logga ut").or_(page.get_by_text("Logga ut"))
    ).to_be_visible()

    # Partners: a list without actions (admin's own inline <style>, allowed by its hash).
    page.goto(base + reverse("admin:parties_partner_changelist"))
    expect(page.locator("#result_list")).to_be_visible()
    page.goto(base + reverse("admin:followup_reportingperiod_overview", args=[world.autumn.pk]))
    expect(page.locator(".round-progress progress").first).to_be_visible()
    page.goto(base + reverse("admin:followup_statusreport_change", args=[submitted.pk]))
    expect(page.get_by_role("heading", name="Granskning")).to_be_visible()
    display = "getComputedStyle(document.querySelector('.review-panels')).display"
    assert page.evaluate(display) == "flex"  # the panels' styles come from admin.css
    # A change page with autocompletes (select2), opened.
    page.goto(base + reverse("admin:lofte_subpromise_change", args=[world.breakfasts.pk]))
    page.locator(".select2-selection").first.click()
    expect(page.locator(".select2-results__option").first).to_be_visible()
    page.keyboard.press("Escape")
    page.goto(base + reverse("admin:lofte_promise_history", args=[world.promise.pk]))
    expect(page.locator("#change-history")).to_be_visible()

    # django-import-export's export page: its "Select all" handler runs.
    page.goto(base + reverse("admin:lofte_subpromise_export"))
    toggle = page.locator("input.select-toggle")
    fields = page.locator('.selectable-field-export-row input[type="checkbox"]')
    expect(fields.first).to_be_checked()
    toggle.uncheck()
    expect(fields.first).not_to_be_checked()
    assert SubPromise.objects.count() == 3


@pytest.mark.browser
def test_the_browser_refuses_inline_script_and_style_and_reports_it(
    live_server, transactional_db, context
):
    """The policy is really enforced, and a violation really shows in the console (which is
    what the `page` fixture watches for)."""
    page = context.new_page()
    messages = []
    page.on("console", lambda message: messages.append(message))
    page.goto(live_server.url + "/loften/")
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
            const styled = '<p id="styled" style="color: red">x</p>';
            document.body.insertAdjacentHTML("beforeend", styled);
        }"""
    )
    expect(page.locator("#styled")).to_be_attached()
    assert page.evaluate("window.injected") is None
    color = page.evaluate("getComputedStyle(document.getElementById('styled')).color")
    assert color != "rgb(255, 0, 0)"
    violations = [message.text for message in messages if is_csp_violation(message)]
    assert any("inline script" in text for text in violations), violations
    assert any("inline style" in text for text in violations), violations


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_throttled_page_is_swedish_and_accessible(
    live_server, transactional_db, page, settings, width
):
    settings.MAIL_THROTTLE_PER_ADDRESS = 1
    make_user("anna")
    page.set_viewport_size({"width": width, "height": 900})
    for _ in range(2):
        page.goto(live_server.url + reverse("login_link_request"))
        page.get_by_label("E-postadress").fill("anna@example.org")
        page.get_by_role("button", name="Skicka en länk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("För många förfrågningar")
    expect(page.get_by_role("alert")).to_contain_text("Vänta 15 minuter och försök igen.")
    assert_accessible(page)
