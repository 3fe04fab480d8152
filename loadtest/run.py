"""`make loadtest`: two app servers on one PostgreSQL, 100 reporters for 60 seconds.

Builds a synthetic promise (100 partners, one reporter each, two sub-promises each, one open
round) in a database of its own (`<name>_loadtest` beside DATABASE_URL's), starts two
gunicorn instances with two workers each on loopback ports, runs locust headless against
both, then checks the database: every report holds the last text its reporter had
acknowledged, no report is lost or duplicated, no request got a 5xx.

    python -m loadtest.run            # 100 users, 60 s, PostgreSQL
    python -m loadtest.run --smoke    # 4 users, a few seconds; SQLite unless DATABASE_URL
    python -m loadtest.run --readers  # 100 anonymous citizens on the public pages instead

With --readers it loads the Hisings Backa fixture instead and runs loadtest/readers.py: 100
anonymous citizens read the start page, the promise page, the follow-up, the API, the feed and
the CSV for 60 s; every answer must be a 200.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "syntetisk-last-2025"  # noqa: S105 (synthetic users in a throwaway database)
DEFAULT_POSTGRES = "postgres://lofte:lofte@127.0.0.1:5432/lofte"


def own_database(smoke: bool, tmp: Path, kind: str = "loadtest") -> str:
    """A fresh database URL for this run (recreated each time).

    The smoke run's name carries the process id, so two runs on one machine never share it.
    """
    url = os.environ.get("DATABASE_URL", "" if smoke else DEFAULT_POSTGRES)
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        suffix = f"_{kind}_smoke_{os.getpid()}" if smoke else f"_{kind}"
        name = parts.path.lstrip("/") + suffix
        _postgres(url, "DROP DATABASE IF EXISTS {}", name)
        _postgres(url, "CREATE DATABASE {}", name)
        return urlunsplit(parts._replace(path="/" + name))
    return f"sqlite:///{tmp / f'{kind}-smoke.sqlite3'}"


def _postgres(url: str, statement: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as c:
        c.execute(sql.SQL(statement).format(sql.Identifier(name)))


def drop_smoke_database(database_url: str) -> None:
    if database_url.startswith(("postgres://", "postgresql://")):
        from django.db import connections

        connections.close_all()
        name = urlsplit(database_url).path.lstrip("/")
        _postgres(database_url, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


def free_ports(count: int) -> list[int]:
    """Ports the system has free now, on loopback."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def server_env(database_url: str, static_root: Path) -> dict:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "lofte.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "loadtest-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_HTTPS": "false",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DJANGO_STATIC_ROOT": str(static_root),
        "GUNICORN_ACCESS_LOG": "",
    }


def build(users: int) -> dict:
    """The synthetic promise; returns the plan the locustfile follows."""
    import datetime

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from followup.models import ReportingPeriod
    from lofte.accounts.roles import ensure_coordinator_group
    from lofte.models import FocusArea, Promise, Responsibility, SubPromise
    from parties.models import Membership, Partner

    call_command("migrate", verbosity=0)
    # Debug is off: pages link the hashed names that collectstatic writes.
    call_command("collectstatic", interactive=False, verbosity=0)
    User = get_user_model()
    hashed = User(username="x")
    hashed.set_password(PASSWORD)
    today = timezone.localdate()
    promise = Promise.objects.create(
        slug="syntetisk-lasttest",
        area="Syntetiskt lasttestområde",
        name="syntetiskt löfte för lasttest",
        text="Syntetisk.",
        organisers="syntetisk förvaltning",
        starts_on=today - datetime.timedelta(days=30),
        ends_on=today + datetime.timedelta(days=365),
    )
    area = FocusArea.objects.create(promise=promise, position=1, name="Lokalområde")
    period = ReportingPeriod.objects.create(
        promise=promise,
        name="Syntetisk lasttestomgång",
        starts_on=today - datetime.timedelta(days=1),
        deadline=today + datetime.timedelta(days=14),
        is_open=True,
    )
    coordinator = User.objects.create(
        username="syntetisk-samordnare", is_staff=True, password=hashed.password
    )
    coordinator.groups.add(ensure_coordinator_group())
    promise.coordinators.add(coordinator)
    reporters = []
    for n in range(1, users + 1):
        partner = Partner.objects.create(name=f"Syntetisk lastpart {n:03d}", municipality_id="1480")
        promise.partners.add(partner)
        user = User.objects.create(username=f"syntetisk-last-{n:03d}", password=hashed.password)
        Membership.objects.create(user=user, partner=partner)
        urls = []
        for k in (1, 2):
            sub = SubPromise.objects.create(
                focus_area=area, position=2 * n + k, title=f"Syntetiskt dellöfte {n:03d}-{k}"
            )
            Responsibility.objects.create(sub_promise=sub, partner=partner, role="lead")
            urls.append(f"/rapportering/omgang/{period.pk}/dellofte/{sub.pk}/")
        reporters.append({"username": user.username, "reports": urls})
    return {
        "password": PASSWORD,
        "coordinator": coordinator.username,
        "period": period.pk,
        "reporters": reporters,
    }


def build_follow_up(sub_promises: int) -> int:
    """A second synthetic promise of `sub_promises` approved reports and a draft follow-up,
    which the worker publishes while the reporters save. Returns the follow-up's id."""
    import datetime

    from django.utils import timezone

    from followup.models import FollowUp, Highlight, ReportingPeriod, StatusReport
    from lofte.models import FocusArea, Promise, Responsibility, SubPromise
    from parties.models import Partner

    now = timezone.now()
    promise = Promise.objects.create(
        slug="syntetisk-publicering",
        area="Syntetiskt publiceringsområde",
        name="syntetiskt löfte att publicera",
        text="Syntetisk.",
        organisers="syntetisk förvaltning",
        starts_on=datetime.date(2024, 1, 1),
        ends_on=datetime.date(2025, 12, 31),
    )
    partners = Partner.objects.bulk_create(
        Partner(name=f"Syntetisk publiceringspart {n:02d}", municipality_id="1480")
        for n in range(20)
    )
    promise.partners.add(*partners)
    areas = FocusArea.objects.bulk_create(
        FocusArea(promise=promise, position=n + 1, name=f"Syntetiskt fokus {n + 1}")
        for n in range(4)
    )
    subs = SubPromise.objects.bulk_create(
        SubPromise(focus_area=areas[n % 4], position=n // 4 + 1, title=f"Syntetiskt {n}")
        for n in range(sub_promises)
    )
    Responsibility.objects.bulk_create(
        Responsibility(sub_promise=sub, partner=partners[n % 20], role="lead")
        for n, sub in enumerate(subs)
    )
    period = ReportingPeriod.objects.create(
        promise=promise,
        name="Syntetisk avslutad omgång",
        starts_on=datetime.date(2024, 1, 1),
        deadline=datetime.date(2025, 12, 31),
        is_open=False,
    )
    reports = StatusReport.objects.bulk_create(
        StatusReport(
            sub_promise=sub,
            period=period,
            status="done",
            achieved=f"Gjort {n}",
            state="approved",
            submitted_at=now,
            reviewed_at=now,
        )
        for n, sub in enumerate(subs)
    )
    follow_up = FollowUp.objects.create(
        promise=promise,
        title="Syntetisk uppföljning under last",
        covers_from=datetime.date(2024, 1, 1),
        covers_to=datetime.date(2025, 12, 31),
    )
    Highlight.objects.bulk_create(
        Highlight(follow_up=follow_up, report=report, position=n + 1, text=f"Lyft {n}.")
        for n, report in enumerate(reports[:20])
    )
    return follow_up.pk


def check_published(follow_up_id: int) -> list[str]:
    """What is wrong with the follow-up the worker published (empty when all is well)."""
    import io

    from pypdf import PdfReader

    from followup.models import FollowUp

    follow_up = FollowUp.objects.get(pk=follow_up_id)
    if follow_up.state != FollowUp.State.PUBLISHED:
        return [f"follow-up not published: {follow_up.state} {follow_up.publish_error}"]
    pdf = bytes(follow_up.published_pdf or b"")
    if not pdf.startswith(b"%PDF"):
        return ["the published PDF is not a PDF"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    if follow_up.title not in text or "Lyft 19." not in text:
        return ["the published PDF lacks the follow-up's title or highlights"]
    return []


def wait_until_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server did not answer at {url}")


def publish(follow_up_id: int, coordinator: str) -> None:
    """Asks for publication, as the admin action does; the worker process renders it."""
    from django.contrib.auth import get_user_model
    from django.db import connections

    from followup.document.publishing import publish_follow_up
    from followup.models import FollowUp

    user = get_user_model().objects.get(username=coordinator)
    publish_follow_up(follow_up=FollowUp.objects.get(pk=follow_up_id), user=user)
    connections.close_all()  # hold no SQLite connection open while the others write


def render_seconds(follow_up_id: int) -> float:
    from django_tasks_db.models import DBTaskResult

    # The run queues one render only: this follow-up's.
    task = DBTaskResult.objects.get(task_path="followup.document.publishing.render_publication")
    return (task.finished_at - task.started_at).total_seconds()


def wait_while_publishing(follow_up_id: int, seconds: float) -> None:
    from django.db import connections

    from followup.models import FollowUp

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = FollowUp.objects.filter(pk=follow_up_id).values_list("state", flat=True).get()
        connections.close_all()
        if state != FollowUp.State.PUBLISHING:
            return
        time.sleep(0.5)


def check(plan: dict, outcome: dict) -> list[str]:
    """What is wrong in the database after the run (empty when all is well)."""
    from django.db.models import Count

    from followup.models import StatusReport

    problems = []
    by_url = {
        f"/rapportering/omgang/{r.period_id}/dellofte/{r.sub_promise_id}/": r
        for r in StatusReport.objects.filter(period_id=plan["period"])
    }
    for url, text in outcome["acknowledged"].items():
        report = by_url.get(url)
        if report is None:
            problems.append(f"lost: {url} was acknowledged but has no report")
        elif report.achieved != text:
            problems.append(f"overwritten: {url} holds {report.achieved!r}, expected {text!r}")
    duplicates = (
        StatusReport.objects.values("sub_promise", "period")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    if duplicates:
        problems.append(f"{duplicates} sub-promises have more than one report in the round")
    if outcome["statuses"].get("5xx"):
        problems.append(f"{outcome['statuses']['5xx']} requests answered 5xx")
    if outcome["failures"]:
        problems.append(f"{outcome['failures']} requests failed (status codes above)")
    if not outcome["acknowledged"]:
        problems.append("no save was acknowledged: the run did not exercise the app")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="4 users for a few seconds")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--ports", default="", help="two ports; free ones by default")
    parser.add_argument(
        "--readers", action="store_true", help="anonymous citizens on the public pages"
    )
    args = parser.parse_args(argv)
    users, seconds = (4, 6) if args.smoke else (args.users, args.seconds)
    workers = 1 if args.smoke else 2

    work = tempfile.TemporaryDirectory()
    kind = "loadtest_public" if args.readers else "loadtest"
    database_url = own_database(args.smoke, Path(work.name), kind)
    try:
        if args.readers:
            return run_readers(args, users, seconds, workers, database_url, Path(work.name))
        return run(args, users, seconds, workers, database_url, Path(work.name))
    finally:
        if args.smoke:
            drop_smoke_database(database_url)
        work.cleanup()


def run(args, users: int, seconds: int, workers: int, database_url: str, work: Path) -> int:
    env = server_env(database_url, work / "static")
    os.environ.update({k: v for k, v in env.items() if k != "DJANGO_SETTINGS_MODULE"})
    os.environ["DJANGO_SETTINGS_MODULE"] = "lofte.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    plan = build(users)
    follow_up_id = build_follow_up(40 if args.smoke else 1000)
    ports = [int(p) for p in args.ports.split(",")] if args.ports else free_ports(2)
    plan["hosts"] = [f"http://127.0.0.1:{port}" for port in ports]

    servers = []
    locust = None
    with tempfile.TemporaryDirectory() as tmp:
        plan_path, outcome_path = Path(tmp) / "plan.json", Path(tmp) / "outcome.json"
        plan_path.write_text(json.dumps(plan))
        try:
            for port in ports:
                servers.append(
                    subprocess.Popen(  # noqa: S603 (our own server, fixed arguments)
                        [
                            str(BIN / "gunicorn"),
                            "lofte.wsgi",
                            f"--bind=127.0.0.1:{port}",
                            f"--workers={workers}",
                            "--timeout=60",
                            "--log-level=warning",
                        ],
                        cwd=ROOT,
                        env=env,
                    )
                )
            for host in plan["hosts"]:
                wait_until_up(f"{host}/healthz")
            servers.append(
                subprocess.Popen(
                    [sys.executable, "manage.py", "worker", "--no-reload", "--verbosity=0"],
                    cwd=ROOT,
                    env=env,
                )
            )
            started = time.monotonic()
            reporters_and_coordinator = users + 1
            locust = start_locust(
                "locustfile.py", reporters_and_coordinator, seconds, plan, plan_path, outcome_path
            )
            # Published while the reporters save: the worker renders, the servers answer.
            time.sleep(seconds / 4)
            publish(follow_up_id, plan["coordinator"])
            locust.wait(timeout=seconds + 120)
            elapsed = time.monotonic() - started
            wait_while_publishing(follow_up_id, seconds=300)
        finally:
            if locust is not None and locust.poll() is None:
                locust.kill()
                locust.wait()
            for server in servers:
                server.send_signal(signal.SIGTERM)
            for server in servers:
                server.wait(timeout=30)
        outcome = json.loads(outcome_path.read_text())

    problems = check(plan, outcome) + check_published(follow_up_id)
    print(
        f"\n{users} reporters + 1 coordinator for {seconds} s on {len(ports)} servers "
        f"x {workers} workers ({elapsed:.0f} s with ramp-up)\n"
        f"requests: {outcome['requests']}, {outcome['rps']:.1f}/s; "
        f"p50 {outcome['p50_ms']:.0f} ms, p95 {outcome['p95_ms']:.0f} ms\n"
        f"status codes: {dict(sorted(outcome['statuses'].items()))}\n"
        f"reports with an acknowledged save: {len(outcome['acknowledged'])}"
    )
    if problems or locust.returncode not in (0, 1):
        print("FAILED:\n  " + "\n  ".join(problems or [f"locust exited {locust.returncode}"]))
        return 1
    print("database check: every report holds its last acknowledged text; none lost or doubled")
    print(
        "publishing under load: the worker published the follow-up with a correct PDF "
        f"(render {render_seconds(follow_up_id):.1f} s)"
    )
    return 0


# --- Anonymous readers of the public side ---------------------------------------------------


def build_public() -> dict:
    """The real Hisings Backa promise with its published follow-up, frozen as `load_demo`
    freezes it (a public request never renders)."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("loaddata", "hisings_backa_2024_2025", verbosity=0)
    call_command("freeze_follow_ups", verbosity=0)
    return {"slug": "hisings-backa-2024-2025"}


def start_locust(
    locustfile: str, users: int, seconds: int, plan: dict, plan_path: Path, outcome_path: Path
) -> subprocess.Popen:
    """Locust, headless, running `loadtest/<locustfile>` against the first server; the plan
    and the outcome travel through the files the environment names."""
    return subprocess.Popen(  # noqa: S603 (our own locustfile, fixed arguments)
        [
            str(BIN / "locust"),
            f"--locustfile=loadtest/{locustfile}",
            "--headless",
            f"--users={users}",
            f"--spawn-rate={max(users // 10, 2)}",
            f"--run-time={seconds}s",
            "--stop-timeout=10",
            "--only-summary",
            "--loglevel=WARNING",
            f"--host={plan['hosts'][0]}",
        ],
        cwd=ROOT,
        env={**os.environ, "LOADTEST_PLAN": str(plan_path), "LOADTEST_OUTCOME": str(outcome_path)},
    )


def start_servers(ports: list[int], workers: int, env: dict) -> list[subprocess.Popen]:
    servers = [
        subprocess.Popen(  # noqa: S603 (our own server, fixed arguments)
            [
                str(BIN / "gunicorn"),
                "lofte.wsgi",
                f"--bind=127.0.0.1:{port}",
                f"--workers={workers}",
                "--timeout=60",
                "--log-level=warning",
            ],
            cwd=ROOT,
            env=env,
        )
        for port in ports
    ]
    for port in ports:
        wait_until_up(f"http://127.0.0.1:{port}/healthz")
    return servers


def check_readers(outcome: dict) -> list[str]:
    problems = []
    if outcome["statuses"].get("5xx"):
        problems.append(f"{outcome['statuses']['5xx']} requests answered 5xx")
    if outcome["failures"]:
        problems.append(f"{outcome['failures']} requests failed: {outcome['statuses']}")
    if not outcome["requests"]:
        problems.append("no request was made: the run did not exercise the app")
    return problems


def run_readers(args, users: int, seconds: int, workers: int, database_url: str, work: Path):
    env = server_env(database_url, work / "static")
    os.environ.update({k: v for k, v in env.items() if k != "DJANGO_SETTINGS_MODULE"})
    os.environ["DJANGO_SETTINGS_MODULE"] = "lofte.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connections

    plan = build_public()
    connections.close_all()
    ports = [int(p) for p in args.ports.split(",")] if args.ports else free_ports(2)
    plan["hosts"] = [f"http://127.0.0.1:{port}" for port in ports]
    load_before = os.getloadavg()[0]
    servers = []
    locust = None
    with tempfile.TemporaryDirectory() as tmp:
        plan_path, outcome_path = Path(tmp) / "plan.json", Path(tmp) / "outcome.json"
        plan_path.write_text(json.dumps(plan))
        try:
            servers = start_servers(ports, workers, env)
            locust = start_locust("readers.py", users, seconds, plan, plan_path, outcome_path)
            locust.wait(timeout=seconds + 120)
            load_after = os.getloadavg()[0]
        finally:
            if locust is not None and locust.poll() is None:
                locust.kill()
                locust.wait()
            for server in servers:
                server.send_signal(signal.SIGTERM)
            for server in servers:
                server.wait(timeout=30)
        outcome = json.loads(outcome_path.read_text())

    print(
        f"\n{users} anonymous readers for {seconds} s on {len(ports)} servers x {workers} workers"
        f" (load average {load_before:.1f} before, {load_after:.1f} at the end)\n"
        f"requests: {outcome['requests']}, {outcome['rps']:.1f}/s; "
        f"p50 {outcome['p50_ms']:.0f} ms, p95 {outcome['p95_ms']:.0f} ms; "
        f"failures: {outcome['failures']}\n"
        f"status codes: {dict(sorted(outcome['statuses'].items()))}"
    )
    for name, row in sorted(outcome["pages"].items()):
        print(
            f"  {name:<14} {row['requests']:>6} requests, p50 {row['p50_ms']:.0f} ms, "
            f"p95 {row['p95_ms']:.0f} ms, {row['failures']} failed"
        )
    problems = check_readers(outcome)
    if problems or locust.returncode not in (0, 1):
        print("FAILED:\n  " + "\n  ".join(problems or [f"locust exited {locust.returncode}"]))
        return 1
    print("readers: every answer was a 200")
    return 0


if __name__ == "__main__":
    sys.exit(main())
