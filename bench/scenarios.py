"""The views `make bench` measures, and how its table and ratios are made.

Each scenario's `prepare(workdir)` looks up what it needs on the promise being measured
(`PROMISE`: the synthetic promise number 1 at S and L, the big ones at M and XL) and returns
a zero-argument callable that makes one request (and checks its answer).
"""

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

PROMISE = "syntetisk-001"  # set by bench.run for each size
IMPORT_PROMISE = "syntetisk-import"  # imports write here, so they change no measured promise
IMPORT_ROWS = 1000


@dataclass(frozen=True)
class Scenario:
    name: str
    prepare: Callable[[Path], Callable[[], None]]
    per_promise: bool = True
    runs: int = 30


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _get(client: Client, url: str, status: int = 200) -> Callable[[], None]:
    def request() -> None:
        response = client.get(url)
        assert response.status_code == status, (url, response.status_code)

    return request


def _superuser():
    User = get_user_model()
    user, _created = User.objects.get_or_create(
        username="syntetisk-superuser", defaults={"is_staff": True, "is_superuser": True}
    )
    return user


def _reporter_and_report():
    """A reporter of promise 1 and the open round's report on a sub-promise they lead."""
    from followup.models import StatusReport

    report = (
        StatusReport.objects.filter(
            period__promise__slug=PROMISE, period__is_open=True, state="draft"
        )
        .select_related("period", "sub_promise")
        .order_by("pk")
        .first()
    )
    lead = report.sub_promise.responsibilities.get(role="lead").partner
    return lead.memberships.select_related("user").first().user, report


def trivial(workdir: Path):
    return _get(Client(), reverse("healthz"))


def dashboard(workdir: Path):
    user, _report = _reporter_and_report()
    return _get(_client(user), reverse("portal:dashboard"))


def report_form(workdir: Path):
    user, report = _reporter_and_report()
    url = reverse("portal:report", args=[report.period_id, report.sub_promise_id])
    return _get(_client(user), url)


def coordinator_report_list(workdir: Path):
    # Every round (the list opens on the open rounds), the reports waiting for review.
    url = reverse("admin:followup_statusreport_changelist")
    return _get(_client(_coordinator()), url + "?period__id__exact=all&state__exact=submitted")


def admin_report_list(workdir: Path):
    """Every report in the database, its first page, with the filter sidebar (the list opens
    on the open rounds' reports waiting for review: "all" lifts both)."""
    url = reverse("admin:followup_statusreport_changelist")
    return _get(_client(_superuser()), url + "?period__id__exact=all&state__exact=all")


def coordinator_start_page(workdir: Path):
    return _get(_client(_coordinator()), reverse("admin:index"))


def admin_start_page(workdir: Path):
    return _get(_client(_superuser()), reverse("admin:index"))


def _coordinator(slug: str | None = None, role: str = "samordnare"):
    """The coordinator of one promise (the measured one unless named), and of no other
    (others may add their own `role`'s to more promises)."""
    from lofte.accounts.roles import ensure_coordinator_group
    from lofte.models import Promise

    slug = slug or PROMISE
    User = get_user_model()
    user, _created = User.objects.get_or_create(
        username=f"syntetisk-{role}-{slug.removeprefix('syntetisk-')}",
        defaults={"is_staff": True},
    )
    user.groups.add(ensure_coordinator_group())
    Promise.objects.get(slug=slug).coordinators.add(user)
    return user


def _published_follow_up():
    """Promise 1's follow-up, published once (rendered and frozen) if it is not yet."""
    from followup.document.publishing import publish_follow_up, render_publication
    from followup.models import FollowUp

    follow_up = FollowUp.objects.filter(promise__slug=PROMISE).order_by("pk").first()
    if follow_up.state != FollowUp.State.PUBLISHED:
        publish_follow_up(follow_up=follow_up, user=_coordinator())
        # Rendered here, as a worker would: the benchmark measures serving the frozen copy.
        render_publication.call(follow_up.pk)
        follow_up.refresh_from_db()
    return follow_up


def _draft_follow_up():
    """A draft copy of promise 1's follow-up with the same highlights."""
    from followup.models import FollowUp, Highlight

    published = _published_follow_up()
    draft, created = FollowUp.objects.get_or_create(
        promise=published.promise,
        state=FollowUp.State.DRAFT,
        defaults={
            "title": published.title,
            "covers_from": published.covers_from,
            "covers_to": published.covers_to,
            "intro": published.intro,
            "closing_words": published.closing_words,
        },
    )
    if created:
        Highlight.objects.bulk_create(
            Highlight(follow_up=draft, report_id=h.report_id, position=h.position, text=h.text)
            for h in published.highlights.all()
        )
    return draft


def follow_up_page(workdir: Path):
    follow_up = _published_follow_up()
    return _get(Client(), reverse("document:follow_up", args=[follow_up.promise.slug]))


def draft_page(workdir: Path):
    """The follow-up rendered from today's data, with its problems and indicators' charts."""
    draft = _draft_follow_up()
    url = reverse("document:draft", args=[PROMISE, draft.pk])
    return _get(_client(_coordinator()), url)


def _big_draft():
    """A draft follow-up of a promise of 1,000 sub-promises (M), built once."""
    from followup.models import FollowUp
    from loadtest.run import build_follow_up
    from lofte.models import Promise

    big = "syntetisk-publicering"
    if not Promise.objects.filter(slug=big).exists():
        build_follow_up(1000)
    draft = FollowUp.objects.filter(promise__slug=big).order_by("pk").first()
    Promise.objects.get(slug=big).coordinators.add(_coordinator())
    return draft


def _ask_for_draft_pdf(draft) -> Callable[[], None]:
    """The request behind "Download PDF": it queues the render and answers at once. Each run
    asks anew (the render an earlier run queued is dropped, so no run merely joins it)."""
    from followup.models import DraftPdf

    client = _client(_coordinator())
    url = reverse("document:draft_pdf", args=[draft.promise.slug, draft.pk])

    def request() -> None:
        DraftPdf.objects.filter(follow_up=draft, state="pending").delete()
        response = client.get(url)
        assert response.status_code == 302, (url, response.status_code)

    return request


def draft_pdf_request(workdir: Path):
    return _ask_for_draft_pdf(_draft_follow_up())


def draft_pdf_request_big(workdir: Path):
    return _ask_for_draft_pdf(_big_draft())


def draft_page_big(workdir: Path):
    """The draft page of a promise of 1,000 sub-promises, still rendered in the request."""
    draft = _big_draft()
    return _get(
        _client(_coordinator()), reverse("document:draft", args=[draft.promise.slug, draft.pk])
    )


def _worker_render(reuse: bool) -> Callable[[], None]:
    """What the worker does for a draft PDF: render it, or reuse an identical earlier one."""
    from followup.document.previews import render_draft_pdf
    from followup.models import DraftPdf

    draft = _draft_follow_up()
    user = _coordinator()

    def render() -> None:
        if not reuse:
            DraftPdf.objects.filter(follow_up=draft).delete()
        preview = DraftPdf.objects.create(follow_up=draft, requested_by=user)
        assert render_draft_pdf.call(preview.pk) == ("reused" if reuse else "rendered")

    if reuse:
        DraftPdf.objects.filter(follow_up=draft).delete()
        render_draft_pdf.call(DraftPdf.objects.create(follow_up=draft, requested_by=user).pk)
    return render


def draft_pdf(workdir: Path):
    return _worker_render(reuse=False)


def draft_pdf_reuse(workdir: Path):
    return _worker_render(reuse=True)


def published_pdf(workdir: Path):
    _published_follow_up()
    return _get(Client(), reverse("document:follow_up_pdf", args=[PROMISE]))


def bare_weasyprint(workdir: Path):
    """WeasyPrint alone on the same HTML, read from a file: the floor of any PDF path."""
    from django.conf import settings
    from weasyprint import HTML

    from followup.document.data import render_document
    from followup.document.pdf import PDF_VARIANT

    # The same HTML as the draft's render (preview: its footer says so on every page).
    html = render_document(_draft_follow_up(), for_pdf=True, preview=True)
    static_dir = Path(settings.STATICFILES_DIRS[0]).as_uri() + "/"
    path = workdir / "follow-up.html"
    path.write_text(
        html.replace('"' + settings.STATIC_URL, '"' + static_dir).replace(
            '"/' + settings.STATIC_URL, '"' + static_dir
        )
    )

    def render() -> None:
        HTML(filename=str(path)).write_pdf(pdf_variant=PDF_VARIANT)

    return render


def _import_promise():
    """A promise of its own for the imports, with a focus area, three partners and a closed
    round; what an import adds there no other scenario reads."""
    import datetime

    from followup.models import ReportingPeriod
    from lofte.models import FocusArea, Promise
    from parties.models import Partner

    promise, _created = Promise.objects.get_or_create(
        slug=IMPORT_PROMISE,
        defaults={
            "area": "Syntetiskt importområde",
            "name": "syntetiskt löfte för importmätning",
            "text": "Syntetisk text.",
            "organisers": "syntetisk förvaltning",
            "starts_on": datetime.date(2024, 1, 1),
            "ends_on": datetime.date(2025, 12, 31),
        },
    )
    promise.municipalities.add("1480")  # the synthetic partners' municipality
    FocusArea.objects.get_or_create(promise=promise, position=1, defaults={"name": "Import"})
    promise.partners.add(*Partner.objects.filter(name__startswith="Syntetisk").order_by("name")[:3])
    ReportingPeriod.objects.get_or_create(
        promise=promise,
        name="Syntetisk importomgång",
        defaults={
            "starts_on": datetime.date(2024, 1, 1),
            "deadline": datetime.date(2024, 6, 30),
            "is_open": False,
        },
    )
    return promise


def _admin_import(client: Client, model: str, content: bytes) -> None:
    """Admin's two steps, as a coordinator takes them: the preview, then the confirmation."""
    import html
    import re

    url = reverse(f"admin:{model}_import")
    page = client.get(url).content.decode()
    fmt = re.search(r'<option value="(\d+)"[^>]*>\s*xlsx\s*<', page).group(1)
    upload = SimpleUploadedFile("import.xlsx", content)
    preview = client.post(url, {"format": fmt, "import_file": upload}).content.decode()
    process = reverse(f"admin:{model}_process_import")
    assert f'action="{process}"' in preview, preview[-3000:]
    confirm = preview.split(f'action="{process}"', 1)[1].split("</form>", 1)[0]
    data = {
        name: html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', confirm)
    }
    done = client.post(process, data)
    assert done.status_code == 302, done.status_code


def import_sub_promises(workdir: Path):
    """1,000 new sub-promises in an xlsx file, through admin's preview and confirm."""
    import tablib

    promise = _import_promise()
    partners = list(promise.partners.order_by("name").values_list("name", flat=True))
    client = _client(_coordinator(IMPORT_PROMISE))
    start = itertools.count(promise.focus_areas.get().sub_promises.count() + 1, IMPORT_ROWS)

    def request() -> None:
        first = next(start)
        rows = tablib.Dataset(
            headers=[
                "löfte",
                "fokusområde",
                "nummer",
                "rubrik",
                "ansvarig part",
                "medverkande parter",
            ]
        )
        for n in range(first, first + IMPORT_ROWS):
            rows.append(
                [IMPORT_PROMISE, "Import", n, f"Importerat dellöfte {n}", partners[0], partners[1]]
            )
        _admin_import(client, "lofte_subpromise", rows.export("xlsx"))

    return request


def import_status_reports(workdir: Path):
    """1,000 status reports in an xlsx file, through admin's preview and confirm: new the
    first time, each later time the same reports with new text (drafts no partner saved)."""
    import tablib

    from followup.models import ReportingPeriod

    promise = _import_promise()
    area = promise.focus_areas.get()
    if area.sub_promises.count() < IMPORT_ROWS:
        import_sub_promises(workdir)()
    subs = list(area.sub_promises.order_by("pk").values_list("pk", flat=True)[:IMPORT_ROWS])
    period = ReportingPeriod.objects.get(promise=promise)
    client = _client(_coordinator(IMPORT_PROMISE))
    version = itertools.count(1)

    def request() -> None:
        text = f"Importerad text, version {next(version)}"
        rows = tablib.Dataset(
            headers=["löfte", "omgång", "dellöfte-id", "status", "vad som gjorts"]
        )
        for pk in subs:
            rows.append([IMPORT_PROMISE, period.name, pk, "Genomfört", text])
        _admin_import(client, "followup_statusreport", rows.export("xlsx"))

    return request


def _export_reports(fmt: str) -> Callable[[Path], Callable[[], None]]:
    """Every status report of the promise, exported in admin by its coordinator with every
    column, answered in the request however many rows (the worker writes the same way)."""

    def prepare(workdir: Path) -> Callable[[], None]:
        from django.contrib import admin
        from django.test import override_settings

        from bench.export_cost import form_data
        from followup.models import StatusReport

        # Not `_coordinator()`: the big draft's scenario makes that one coordinate a second
        # promise too.
        user = _coordinator(role="exportor")
        client = _client(user)
        url = reverse("admin:followup_statusreport_export")
        data = form_data(admin.site._registry[StatusReport], fmt)
        rows = StatusReport.objects.coordinated_by(user).count()

        def request() -> None:
            with override_settings(EXPORT_INLINE_MAX_ROWS=rows):
                response = client.post(url, data)
                assert response.status_code == 200 and response.streaming, response
                size = sum(len(piece) for piece in response.streaming_content)
                response.close()
            assert size > rows * 30, (size, rows)

        return request

    return prepare


def public_start_page(workdir: Path):
    return _get(Client(), reverse("public:start"))


def public_start_page_search(workdir: Path):
    return _get(Client(), reverse("public:start") + "?q=v%C3%A4stra+g%C3%B6taland")


def public_municipality_page(workdir: Path):
    from lofte.models import Promise

    municipality = Promise.objects.get(slug=PROMISE).municipalities.get()
    return _get(Client(), municipality.get_absolute_url())


def public_promise_page(workdir: Path):
    return _uncached(reverse("public:promise", args=[PROMISE]))


def public_promise_page_cached(workdir: Path):
    return _get(Client(), reverse("public:promise", args=[PROMISE]))


def public_api_promise_cached(workdir: Path):
    return _get(Client(), reverse("public:api_promise", args=[PROMISE]))


def public_widget(workdir: Path):
    return _uncached(reverse("public:widget", args=[PROMISE]))


def _uncached(url: str) -> Callable[[], None]:
    """The public side keeps the promise page's content, feeds, open data, the API and the
    widget in the cache; this measures a build."""
    from django.core.cache import cache

    get = _get(Client(), url)

    def request() -> None:
        cache.clear()
        get()

    return request


def public_api_promise(workdir: Path):
    return _uncached(reverse("public:api_promise", args=[PROMISE]))


def public_statuses_csv(workdir: Path):
    return _uncached(reverse("public:statuses_csv", args=[PROMISE]))


def public_feed(workdir: Path):
    _published_follow_up()
    return _uncached(reverse("public:promise_feed", args=[PROMISE]))


def _password_reset(known: bool):
    """Asking for a password reset: the same work whether or not the address has an account
    (the throttle is lifted, so that every run does the whole of it)."""
    from django.conf import settings

    settings.MAIL_THROTTLE_PER_ADDRESS = settings.MAIL_THROTTLE_PER_CLIENT = 10**9
    email = "syntetisk-okand@example.org"
    if known:
        user, _report = _reporter_and_report()
        user.email = user.email or f"{user.username}@example.org"
        user.set_password("syntetisk-losen-1")
        user.save()
        email = user.email
    client = Client()

    def request() -> None:
        response = client.post(reverse("password_reset"), {"email": email})
        assert response.status_code == 302, response.status_code

    return request


def password_reset_known(workdir: Path):
    return _password_reset(known=True)


def password_reset_unknown(workdir: Path):
    return _password_reset(known=False)


TRIVIAL = Scenario("trivial view (floor)", trivial, per_promise=False, runs=100)
EXPORTS = {
    "admin export of a promise's reports, xlsx (rows: all)": "xlsx",
    "admin export of a promise's reports, csv (rows: all)": "csv",
}
SUB_PROMISE_IMPORT = "sub-promise import, 1,000 new rows (xlsx, admin preview + confirm)"
REPORT_IMPORT = "status-report import, 1,000 rows (xlsx, admin preview + confirm)"
ALL = [
    TRIVIAL,
    Scenario("partner dashboard", dashboard),
    Scenario("report form", report_form),
    Scenario("admin report list, coordinator (submitted)", coordinator_report_list),
    Scenario(
        "admin report list, superuser (all reports, page 1)", admin_report_list, per_promise=False
    ),
    Scenario("admin start page, coordinator", coordinator_start_page),
    Scenario(
        "admin start page, superuser (10 promises a page)", admin_start_page, per_promise=False
    ),
    Scenario("follow-up page (published)", follow_up_page),
    Scenario("draft page with indicators", draft_page),
    Scenario("draft page, 1,000 sub-promises", draft_page_big, runs=5),
    Scenario("draft PDF request (queues it)", draft_pdf_request),
    Scenario("draft PDF request, 1,000 sub-promises", draft_pdf_request_big),
    Scenario("draft PDF render", draft_pdf, runs=3),
    Scenario("draft PDF, unchanged draft (reused)", draft_pdf_reuse, runs=3),
    Scenario("bare WeasyPrint (PDF floor)", bare_weasyprint, runs=3),
    Scenario("published PDF download", published_pdf),
    Scenario("public start page (every promise, by county)", public_start_page, per_promise=False),
    Scenario("public start page, a county's promises", public_start_page_search, per_promise=False),
    Scenario("public municipality page", public_municipality_page, per_promise=False),
    Scenario("public promise page", public_promise_page),
    Scenario("public promise page, cached", public_promise_page_cached),
    Scenario("public API, one promise (built)", public_api_promise),
    Scenario("public API, one promise, cached", public_api_promise_cached),
    Scenario("public widget", public_widget),
    Scenario("public CSV of statuses (built)", public_statuses_csv),
    Scenario("public Atom feed, one promise", public_feed),
    *(Scenario(name, _export_reports(fmt), runs=5) for name, fmt in EXPORTS.items()),
    Scenario(SUB_PROMISE_IMPORT, import_sub_promises, per_promise=False, runs=3),
    Scenario(REPORT_IMPORT, import_status_reports, per_promise=False, runs=3),
    Scenario("password reset, known address", password_reset_known, per_promise=False),
    Scenario("password reset, unknown address", password_reset_unknown, per_promise=False),
]
# Views over the whole database, or over the import's own promise: measured at S and L only.
PER_DATABASE = [scenario for scenario in ALL if not scenario.per_promise]


def growth_exponent(small: dict, big: dict, n_small: int, n_big: int) -> float:
    """k in time ∝ n^k between two sizes of a promise (0: flat, 1: linear)."""
    return round(math.log(big["median_ms"] / small["median_ms"]) / math.log(n_big / n_small), 2)


def ratios(sizes: dict, sub_promises: dict[str, int]) -> dict:
    """L/S per view, growth exponents from S to M and XL, and the comparisons the targets
    are set on."""
    out: dict = {}
    if "S" in sizes and "L" in sizes:
        s, big = sizes["S"]["views"], sizes["L"]["views"]
        out["L/S median"] = {
            name: round(big[name]["median_ms"] / s[name]["median_ms"], 2) for name in s
        }
        out["queries equal at S and L"] = {
            name: s[name]["queries"] == big[name]["queries"] for name in s
        }
    for size in ("M", "XL"):
        if "S" in sizes and size in sizes:
            s, big = sizes["S"]["views"], sizes[size]["views"]
            out[f"growth exponent k, S→{size} (time ∝ sub-promises^k)"] = {
                name: growth_exponent(s[name], big[name], sub_promises["S"], sub_promises[size])
                for name in big
                if name in s
            }
    views = (sizes.get("L") or sizes.get("S"))["views"]

    def ratio(a: str, b: str, views=views) -> float:
        return round(views[a]["median_ms"] / views[b]["median_ms"], 2)

    pairs = {
        "follow-up page / trivial view": ("follow-up page (published)", TRIVIAL.name),
        "draft PDF render / bare WeasyPrint": ("draft PDF render", "bare WeasyPrint (PDF floor)"),
        "draft PDF render / published PDF download": (
            "draft PDF render",
            "published PDF download",
        ),
        "public promise page, built / cached": (
            "public promise page",
            "public promise page, cached",
        ),
        # Near 1: the answer's time says nothing about whether the address has an account.
        "password reset known / unknown address": (
            "password reset, known address",
            "password reset, unknown address",
        ),
    }
    # Only the pairs measured (`--only` measures some views).
    out["comparisons"] = {
        title: ratio(a, b) for title, (a, b) in pairs.items() if a in views and b in views
    }
    for size in ("M", "XL"):
        if size in sizes and "draft PDF render" in sizes[size]["views"]:
            out["comparisons"][f"draft PDF render / bare WeasyPrint at {size}"] = ratio(
                "draft PDF render", "bare WeasyPrint (PDF floor)", sizes[size]["views"]
            )
    # The draft page is the follow-up's HTML built from today's data (target: under 0.5 ms a
    # sub-promise at XL).
    for size, data in sizes.items():
        row = data["views"].get("draft page with indicators")
        if row:
            for measure, key in (("ms", "median_ms"), ("CPU ms", "cpu_ms")):
                out["comparisons"][f"draft page, at {size}: {measure} a sub-promise"] = round(
                    row[key] / sub_promises[size], 3
                )
    # How much memory a render takes: the process's peak over its size before the render.
    for size, data in sizes.items():
        for name in ("draft PDF render", "bare WeasyPrint (PDF floor)"):
            row = data["views"].get(name, {})
            if "rss_peak_mb" in row:
                out["comparisons"][f"{name}, at {size}: resident MB before → peak"] = (
                    f"{row['rss_before_mb']} → {row['rss_peak_mb']}"
                )
    # Two rounds: a promise has twice as many reports as sub-promises.
    for size, data in sizes.items():
        for name, fmt in EXPORTS.items():
            if name in data["views"]:
                for measure, key in (("ms", "median_ms"), ("CPU ms", "cpu_ms")):
                    out["comparisons"][f"admin export, {fmt}, at {size}: {measure} a row"] = round(
                        data["views"][name][key] / (2 * sub_promises[size]), 3
                    )
    for name in (SUB_PROMISE_IMPORT, REPORT_IMPORT):
        if name in views:
            out["comparisons"][f"{name.split(',')[0]}: queries a row"] = round(
                views[name]["queries"] / IMPORT_ROWS, 3
            )
    return out


def table(results: dict) -> str:
    sizes = results["sizes"]
    names = list(next(iter(sizes.values()))["views"])
    width = max(len(name) for name in names) + 2
    header = f"{'view':<{width}}" + "".join(
        f"{size + ' q':>8}{size + ' ms':>10}{size + ' cpu':>10}" for size in sizes
    )
    exponent = next(
        (v for k, v in results["ratios"].items() if k.startswith("growth exponent k, S→XL")), {}
    )
    header += f"{'k S→XL':>8}"
    lines = [f"database: {results['database']}", header, "-" * len(header)]
    for name in names:
        row = f"{name:<{width}}"
        for size in sizes.values():
            v = size["views"].get(name)
            row += (
                f"{v['queries']:>8}{v['median_ms']:>10.1f}{v['cpu_ms']:>10.1f}"
                if v
                else f"{'–':>8}{'–':>10}{'–':>10}"
            )
        row += f"{exponent[name]:>8.2f}" if name in exponent else f"{'–':>8}"
        lines.append(row)
    lines.append("")
    for size, data in sizes.items():
        lines.append(
            f"{size}: {data['measured']}; built in {data['build_s']} s; "
            f"load average {data['load_before']} before, {data['load_after']} after"
        )
    for title, values in results["ratios"].items():
        lines.append(f"\n{title}:")
        lines.extend(f"  {name:<{width}} {value}" for name, value in values.items())
    return "\n".join(lines)


def markdown_table(results: dict) -> str:
    """bench/README.md's table: queries per size, then median wall time (CPU time) per size in ms,
    and the growth exponent from S to XL."""
    sizes = results["sizes"]
    names = list(next(iter(sizes.values()))["views"])
    exponent = next(
        (v for k, v in results["ratios"].items() if k.startswith("growth exponent k, S→XL")), {}
    )

    def ms(value: float) -> str:
        return f"{value:,.0f}" if value >= 1000 else f"{value:.1f}"

    head = ["view", *(f"q {size}" for size in sizes), *sizes, "k S→XL"]
    lines = ["| " + " | ".join(head) + " |", "| --- |" + " ---: |" * (len(head) - 1)]
    for name in names:
        cells = [name]
        cells += [
            str(sizes[size]["views"][name]["queries"]) if name in sizes[size]["views"] else "–"
            for size in sizes
        ]
        for size in sizes:
            row = sizes[size]["views"].get(name)
            cells.append(f"{ms(row['median_ms'])} ({ms(row['cpu_ms'])})" if row else "–")
        cells.append(f"{exponent[name]:.2f}" if name in exponent else "–")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
