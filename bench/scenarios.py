"""The views `make bench` measures, and how its table and ratios are made.

Each scenario's `prepare(workdir)` looks up what it needs on the synthetic promise number 1
and returns a zero-argument callable that makes one request (and checks its answer).
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

PROMISE = "syntetisk-001"


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
    url = reverse("admin:followup_statusreport_changelist") + "?state__exact=submitted"
    return _get(_client(_coordinator()), url)


def admin_report_list(workdir: Path):
    url = reverse("admin:followup_statusreport_changelist") + "?state__exact=submitted"
    return _get(_client(_superuser()), url)


def coordinator_start_page(workdir: Path):
    return _get(_client(_coordinator()), reverse("admin:index"))


def admin_start_page(workdir: Path):
    return _get(_client(_superuser()), reverse("admin:index"))


def _coordinator():
    from lofte.models import Promise
    from lofte.roles import ensure_coordinator_group

    User = get_user_model()
    user, _created = User.objects.get_or_create(
        username="syntetisk-samordnare-001", defaults={"is_staff": True}
    )
    user.groups.add(ensure_coordinator_group())
    Promise.objects.get(slug=PROMISE).coordinators.add(user)
    return user


def _published_follow_up():
    """Promise 1's follow-up, published once (rendered and frozen) if it is not yet."""
    from followup.models import FollowUp
    from followup.services import publish_follow_up, render_publication

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


def draft_pdf(workdir: Path):
    draft = _draft_follow_up()
    url = reverse("document:draft_pdf", args=[PROMISE, draft.pk])
    return _get(_client(_coordinator()), url)


def published_pdf(workdir: Path):
    _published_follow_up()
    return _get(Client(), reverse("document:follow_up_pdf", args=[PROMISE]))


def bare_weasyprint(workdir: Path):
    """WeasyPrint alone on the same HTML, read from a file: the floor of any PDF path."""
    from django.conf import settings
    from weasyprint import HTML

    from followup.document.data import render_document
    from followup.document.pdf import PDF_VARIANT

    html = render_document(_draft_follow_up(), for_pdf=True)
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


def import_sub_promises(workdir: Path):
    """Preview (dry run) of an xlsx file with 1,000 new sub-promises for promise 1."""
    import tablib

    from lofte.models import FocusArea
    from lofte.resources import SubPromiseResource

    user = _coordinator()
    area = FocusArea.objects.filter(promise__slug=PROMISE).order_by("position").first()
    partners = list(area.promise.partners.order_by("name").values_list("name", flat=True)[:3])
    rows = tablib.Dataset(
        headers=["löfte", "fokusområde", "nummer", "rubrik", "ansvarig part", "medverkande parter"]
    )
    for n in range(1000):
        rows.append(
            [PROMISE, area.name, 1000 + n, f"Importerat dellöfte {n}", partners[0], partners[1]]
        )
    xlsx = rows.export("xlsx")

    def request() -> None:
        dataset = tablib.Dataset().load(xlsx, format="xlsx")
        result = SubPromiseResource(user=user).import_data(dataset, dry_run=True)
        assert not result.has_errors() and not result.has_validation_errors(), result

    return request


def public_start_page(workdir: Path):
    return _get(Client(), reverse("public:start"))


def public_promise_page(workdir: Path):
    return _get(Client(), reverse("public:promise", args=[PROMISE]))


def _uncached(url: str) -> Callable[[], None]:
    """The public side keeps feeds, open data and the API a minute; this measures a build."""
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


TRIVIAL = Scenario("trivial view (floor)", trivial, per_promise=False, runs=100)
ALL = [
    TRIVIAL,
    Scenario("partner dashboard", dashboard),
    Scenario("report form", report_form),
    Scenario("admin report list, coordinator", coordinator_report_list),
    Scenario("admin report list, superuser", admin_report_list, per_promise=False),
    Scenario("admin start page, coordinator", coordinator_start_page),
    Scenario("admin start page, superuser", admin_start_page, per_promise=False),
    Scenario("follow-up page", follow_up_page),
    Scenario("draft page with indicators", draft_page),
    Scenario("draft PDF render", draft_pdf, runs=5),
    Scenario("bare WeasyPrint (PDF floor)", bare_weasyprint, runs=5),
    Scenario("published PDF download", published_pdf),
    Scenario("public start page", public_start_page, per_promise=False),
    Scenario("public promise page", public_promise_page),
    Scenario("public API, one promise", public_api_promise),
    Scenario("public CSV of statuses", public_statuses_csv),
    Scenario("public Atom feed, one promise", public_feed),
    Scenario("xlsx import preview, 1,000 rows", import_sub_promises, per_promise=False, runs=3),
]


def ratios(sizes: dict) -> dict:
    """L/S per view, and the comparisons the targets are set on."""
    out: dict = {}
    if "S" in sizes and "L" in sizes:
        s, big = sizes["S"]["views"], sizes["L"]["views"]
        out["L/S median"] = {
            name: round(big[name]["median_ms"] / s[name]["median_ms"], 2) for name in s
        }
        out["queries equal at S and L"] = {
            name: s[name]["queries"] == big[name]["queries"] for name in s
        }
    views = (sizes.get("L") or sizes.get("S"))["views"]

    def ratio(a: str, b: str) -> float:
        return round(views[a]["median_ms"] / views[b]["median_ms"], 2)

    out["comparisons"] = {
        "follow-up page / trivial view": ratio("follow-up page", TRIVIAL.name),
        "draft PDF render / bare WeasyPrint": ratio(
            "draft PDF render", "bare WeasyPrint (PDF floor)"
        ),
        "draft PDF render / published PDF download": ratio(
            "draft PDF render", "published PDF download"
        ),
    }
    return out


def table(results: dict) -> str:
    sizes = results["sizes"]
    header = f"{'view':<34}" + "".join(
        f"{size + ' q':>6}{size + ' med ms':>12}{size + ' p95 ms':>12}" for size in sizes
    )
    lines = [f"database: {results['database']}", header, "-" * len(header)]
    names = next(iter(sizes.values()))["views"].keys()
    for name in names:
        row = f"{name:<34}"
        for size in sizes.values():
            v = size["views"][name]
            row += f"{v['queries']:>6}{v['median_ms']:>12.1f}{v['p95_ms']:>12.1f}"
        lines.append(row)
    for title, values in results["ratios"].items():
        lines.append(f"\n{title}:")
        lines.extend(f"  {name:<32} {value}" for name, value in values.items())
    return "\n".join(lines)
