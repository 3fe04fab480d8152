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


def admin_report_list(workdir: Path):
    url = reverse("admin:followup_statusreport_changelist") + "?state__exact=submitted"
    return _get(_client(_superuser()), url)


TRIVIAL = Scenario("trivial view (floor)", trivial, per_promise=False, runs=100)
ALL = [
    TRIVIAL,
    Scenario("partner dashboard", dashboard),
    Scenario("report form", report_form),
    Scenario("admin report list, filtered", admin_report_list, per_promise=False),
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
    last = sizes.get("L") or sizes.get("S")
    views = last["views"]
    floor = views[TRIVIAL.name]["median_ms"]
    out["vs trivial view"] = {
        name: round(row["median_ms"] / floor, 1) for name, row in views.items()
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
