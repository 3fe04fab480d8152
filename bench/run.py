"""`make bench`: what the main views cost with one promise (S), at national scale (L), and
for a big promise (M, 1,000 sub-promises; XL, 3,000) inside the national database.

Builds synthetic data (bench/synthetic.py) in a database of its own: bench/bench.sqlite3, or
`<name>_bench` beside the PostgreSQL database that DATABASE_URL names. Measures every view
through Django's test client, first with only S in the database, then again after growing
it to L, on the same promise; then adds M and XL to the L database and measures the
per-promise views on them. Records wall and CPU time (this process's: the PostgreSQL
server's own CPU is not in it) and the machine's load average; prints one table and writes
bench/results/latest.json, with each per-promise view's growth exponent from S to XL.
With `--into bench/README.md` (`make bench`) it also writes the Markdown table there, between
the markers of the database it measured (`<!-- bench:sqlite -->` … `<!-- /bench:sqlite -->`,
or `bench:postgresql`).

    python -m bench.run            # full run (S, L, M, XL)
    python -m bench.run --smoke    # S only, one pass: keeps the benchmark from rotting
    python -m bench.run --only public --out bench/results/public.json   # some views only
    python -m bench.run --markdown bench/results/latest.json   # bench/README.md's table
    python -m bench.run --markdown bench/results/latest.json --into bench/README.md
"""

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def use_own_database(suffix: str, folder: Path = ROOT / "bench") -> str:
    """Points DATABASE_URL at an empty benchmark database and returns a label for it."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg
        from psycopg import sql

        parts = urlsplit(url)
        name = parts.path.lstrip("/") + suffix
        admin = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + name))
        return f"PostgreSQL ({name})"
    path = folder / f"bench{suffix}.sqlite3"
    path.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    return f"SQLite ({path.name})"


def analyze() -> None:
    """Fresh planner statistics, as a live database has after its routine maintenance.

    Without them the planner guesses from an empty table after a bulk load."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def resident_mb() -> tuple[int, int] | None:
    """This process's resident size and its peak since `reset_peak()`, in MB (Linux only)."""
    try:
        with open("/proc/self/status") as status:
            fields = dict(line.split(":", 1) for line in status)
    except OSError:
        return None
    return int(fields["VmRSS"].split()[0]) // 1024, int(fields["VmHWM"].split()[0]) // 1024


def reset_peak() -> None:
    """Starts the peak resident size anew from the current size (Linux's clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass


def timed(fn, runs: int) -> dict:
    """Query count of one call, then median and p95 wall time and median CPU time over
    `runs` calls, and the process's resident size before and at its peak during them. Slow
    views (a few runs) are counted in their first timed run instead of a call of their own,
    and not warmed: a PDF at XL took most of a minute."""
    from django.db import connection

    slow = runs <= 3
    if runs > 1 and not slow:
        fn()  # warm caches, templates, the first connection (a smoke run does without)
    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    times, cpu = [], []
    reset_peak()
    before = resident_mb()
    for run in range(runs + (0 if slow else 1)):
        counting = run == 0
        start, start_cpu = time.perf_counter(), time.process_time()
        if counting:
            with connection.execute_wrapper(count):
                fn()
        else:
            fn()
        if counting and not slow:
            continue
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    times.sort()
    p95 = statistics.quantiles(times, n=20, method="inclusive")[18] if runs >= 2 else times[0]
    after = resident_mb()
    return {
        "queries": queries,
        "runs": runs,
        "median_ms": round(statistics.median(times) * 1000, 2),
        "p95_ms": round(p95 * 1000, 2),
        "cpu_ms": round(statistics.median(cpu) * 1000, 2),
        **({"rss_before_mb": before[0], "rss_peak_mb": after[1]} if before and after else {}),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="S only, one run per view")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    parser.add_argument(
        "--only", default="", help="measure only the views whose name contains this (and the floor)"
    )
    parser.add_argument(
        "--markdown",
        type=Path,
        help="print bench/README.md's table from this results file, measuring nothing",
    )
    parser.add_argument(
        "--into",
        type=Path,
        help="write the table into this Markdown file, between its database's markers",
    )
    args = parser.parse_args(argv)
    if args.into and (args.smoke or args.only):
        parser.error("--into takes a full run's table, not --smoke's or --only's")
    if args.markdown:
        results = json.loads(args.markdown.read_text(encoding="utf-8"))
        if args.into:
            write_table_into(args.into, results)
            print(f"wrote its table into {args.into}")
        else:
            from bench import scenarios

            print(scenarios.markdown_table(results))
        return 0

    if args.smoke:
        # Named after the process, in a temporary folder: two runs never share it.
        smoke_dir = tempfile.TemporaryDirectory()
        database = use_own_database(f"_bench_smoke_{os.getpid()}", Path(smoke_dir.name))
        try:
            return measure(args, database)
        finally:
            drop_database(os.environ["DATABASE_URL"])
            smoke_dir.cleanup()
    return measure(args, use_own_database("_bench"))


def table_marker(results: dict) -> str:
    """The name of the markers a run's table goes between: its database's kind."""
    return "postgresql" if results["database"].startswith("PostgreSQL") else "sqlite"


def write_table_into(path: Path, results: dict) -> None:
    """Replaces the table between `<!-- bench:<kind> -->` and `<!-- /bench:<kind> -->` in a
    Markdown file with this run's; the rest of the file is left as it is."""
    from bench import scenarios

    if results.get("smoke"):
        raise SystemExit("a --smoke run's table is not written into a document")
    kind = table_marker(results)
    start, end = f"<!-- bench:{kind} -->", f"<!-- /bench:{kind} -->"
    text = path.read_text(encoding="utf-8")
    before, found, rest = text.partition(start)
    if not found or end not in rest:
        raise SystemExit(f"{path} has no {start} … {end} to write the table between")
    after = rest.split(end, 1)[1]
    table = scenarios.markdown_table(results)
    path.write_text(f"{before}{start}\n{table}\n{end}{after}", encoding="utf-8")


def drop_database(url: str) -> None:
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg
        from django.db import connections
        from psycopg import sql

        connections.close_all()
        parts = urlsplit(url)
        name = parts.path.lstrip("/")
        admin = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            conn.execute(statement.format(sql.Identifier(name)))


def measure(args, database: str) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lofte.settings")
    os.environ.setdefault("DJANGO_DEBUG", "true")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    from bench import scenarios, synthetic

    settings.DEBUG = False  # time what production runs, not the debug toolbar of Django
    # Static files by their plain names: no `collectstatic` needed to measure views.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    call_command("setup_roles", verbosity=0)

    sizes = [synthetic.S] if args.smoke else [synthetic.S, synthetic.L, synthetic.M, synthetic.XL]
    results: dict = {
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "database": database,
        "smoke": args.smoke,
        "sizes": {},
    }
    with tempfile.TemporaryDirectory() as workdir:
        for number, size in enumerate(sizes, start=901):
            load_before = round(os.getloadavg()[0], 1)
            started = time.perf_counter()
            if isinstance(size, synthetic.BigPromise):
                synthetic.add_big_promise(size, number)
                scenarios.PROMISE = size.slug
                measured = [s for s in scenarios.ALL if s.per_promise or s is scenarios.TRIVIAL]
                what = (
                    f"promise {size.slug}: {size.sub_promises} sub-promises, "
                    f"{size.sub_promises * size.rounds} reports, {size.partners} partners, "
                    "in the L database"
                )
            else:
                synthetic.grow_to(size)
                scenarios.PROMISE = "syntetisk-001"
                measured = scenarios.ALL
                what = (
                    f"{size.promises} promise(s), {size.partners} partners; promise "
                    f"syntetisk-001: {size.sub_promises_per_promise} sub-promises"
                )
            analyze()
            build_s = time.perf_counter() - started
            print(f"built {size.name} in {build_s:.1f} s", flush=True)
            rows = {}
            # `--only` measures some views (and the trivial view, to read the machine by).
            measured = [
                scenario
                for scenario in measured
                if args.only in scenario.name or scenario is scenarios.TRIVIAL
            ]
            for scenario in measured:
                # No worker runs here: what the views before queued (mail, PDF renders) is
                # dropped, as a worker would have taken it, so that /healthz's backlog check
                # answers 200 and no view pays for an ever longer queue.
                DBTaskResult.objects.all().delete()
                runs = 1 if args.smoke else scenario.runs
                fn = scenario.prepare(Path(workdir))
                rows[scenario.name] = timed(fn, runs) | {"per_promise": scenario.per_promise}
                print(f"  {size.name} {scenario.name}: {rows[scenario.name]}", flush=True)
            results["sizes"][size.name] = {
                "measured": what,
                "sub_promises": synthetic.SUB_PROMISES[size.name],
                "build_s": round(build_s, 1),
                "load_before": load_before,
                "load_after": round(os.getloadavg()[0], 1),
                "views": rows,
            }
    results["ratios"] = scenarios.ratios(results["sizes"], synthetic.SUB_PROMISES)
    print(scenarios.table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {args.out}")
    if args.into:
        write_table_into(args.into, results)
        print(f"wrote its table into {args.into}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
