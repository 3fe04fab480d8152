"""What an admin export costs a row: a promise's 6,000 status reports as xlsx and as csv.

    python -m bench.export_cost                 # prints a table
    python -m bench.export_cost --out bench/results/export.json

Builds the synthetic S data and one promise of 3,000 sub-promises (6,000 reports, each with a
co-partner's contribution) in a throwaway SQLite database, then measures four cases, each in
a process of its own so that its memory peak is its own: the export in the request (admin's
export form posted by the promise's coordinator through the test client, with
EXPORT_INLINE_MAX_ROWS raised so that it answers in the request; the answer is written to a
file as a server would send it) and the worker's making of the same file (`prepare_export`).
For each: queries, then the median wall and CPU time (time.process_time) of three runs, in
ms a row; the peak of Python memory in one more run (tracemalloc), and how much the
process's peak resident size grew over its first export (getrusage). The load average is
read before and after: the machine may be busy with other work.
"""

import argparse
import csv
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLUG = "syntetisk-export"
SUB_PROMISES = 3000  # two rounds: 6,000 reports
CASES = ["request-xlsx", "request-csv", "worker-xlsx", "worker-csv"]
RUNS = 3


def setup(database: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lofte.settings")
    os.environ.setdefault("DJANGO_DEBUG", "true")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log; time what production runs
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def build(database: Path) -> None:
    setup(database)
    from django.core.management import call_command

    from bench import synthetic

    call_command("migrate", verbosity=0)
    call_command("setup_roles", verbosity=0)
    synthetic.grow_to(synthetic.S)
    big = synthetic.BigPromise("export", slug=SLUG, sub_promises=SUB_PROMISES, partners=27)
    synthetic.add_big_promise(big, 902)


def form_data(model_admin, fmt: str) -> dict[str, list[str]]:
    """The export form as a coordinator posts it: the format and every column."""
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    form = model_admin.get_export_form_class()(
        model_admin.get_export_formats(), model_admin.get_export_resource_classes(request)
    )
    data = {"resource": ["0"]}
    for value, label in form.fields["format"].choices:
        if str(label).lower() == fmt:
            data["format"] = [str(value)]
    for name, field in form.fields.items():
        if getattr(field, "is_selectable_field", False):
            data[name] = ["on"]
    return data


def measure(database: Path, case: str) -> dict:
    setup(database)
    from django.conf import settings
    from django.contrib import admin
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from bench import scenarios
    from followup.models import StatusReport
    from lofte.models import ExportJob, Promise
    from lofte.spreadsheets.exports import prepare_export

    where, fmt = case.split("-")
    settings.EXPORT_INLINE_MAX_ROWS = 10**6
    user = scenarios._coordinator(SLUG)
    rows = StatusReport.objects.filter(period__promise__slug=SLUG).count()
    model_admin = admin.site._registry[StatusReport]
    data = form_data(model_admin, fmt)
    client = Client()
    client.force_login(user)
    url = reverse("admin:followup_statusreport_export")
    out = Path(tempfile.mkdtemp()) / f"export.{fmt}"

    def request() -> None:
        response = client.post(url, data)
        assert response.status_code == 200, response.status_code
        with out.open("wb") as file:
            if response.streaming:
                for piece in response.streaming_content:
                    file.write(piece)
            else:
                file.write(response.content)
        response.close()

    def worker() -> None:
        job = ExportJob.objects.create(
            requested_by=user,
            model="followup.statusreport",
            promise=Promise.objects.get(slug=SLUG),
            form_data=data,
            row_count=rows,
        )
        assert prepare_export.call(job.pk) == "ready"
        out.write_bytes(bytes(ExportJob.objects.get(pk=job.pk).content))
        job.delete()

    export = request if where == "request" else worker
    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with connection.execute_wrapper(count):
        export()
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    written = _rows_in(out, fmt)
    assert written == rows + 1, (written, rows)
    wall, cpu = [], []
    for _run in range(RUNS):
        start, start_cpu = time.perf_counter(), time.process_time()
        export()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    tracemalloc.start()
    export()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "case": case,
        "rows": rows,
        "file_bytes": out.stat().st_size,
        "queries": queries,
        "wall_ms_a_row": round(statistics.median(wall) * 1000 / rows, 3),
        "cpu_ms_a_row": round(statistics.median(cpu) * 1000 / rows, 3),
        "wall_s": round(statistics.median(wall), 2),
        "cpu_s": round(statistics.median(cpu), 2),
        "tracemalloc_peak_mb": round(peak / 2**20, 1),
        "maxrss_growth_mb": round(rss_growth / 1024, 1),
    }


def _rows_in(path: Path, fmt: str) -> int:
    if fmt == "csv":
        return len(list(csv.reader(io.StringIO(path.read_text(encoding="utf-8")))))
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    return sum(1 for _row in book.active.iter_rows(values_only=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)
    parser.add_argument("--database", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:
        print(json.dumps(measure(args.database, args.case)))
        return 0
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "export.sqlite3"
        started = time.perf_counter()
        subprocess.run(  # noqa: S603 (this module, fixed arguments)
            [
                sys.executable,
                "-c",
                f"from bench.export_cost import build; build({str(database)!r})",
            ],
            cwd=ROOT,
            check=True,
        )
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
        load_before = os.getloadavg()
        results = []
        for case in CASES:
            done = subprocess.run(  # noqa: S603 (this module, fixed arguments)
                [sys.executable, "-m", "bench.export_cost", "--case", case, "--database", database],
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            )
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(results[-1], flush=True)
        load_after = os.getloadavg()
    report = {
        "load_average_before": [round(load, 2) for load in load_before],
        "load_average_after": [round(load, 2) for load in load_after],
        "cases": results,
    }
    print(table(report))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


def table(report: dict) -> str:
    lines = [
        f"{'case':<14}{'rows':>6}{'q':>5}{'ms/row':>8}{'cpu/row':>9}{'peak MB':>9}{'rss+ MB':>9}",
    ]
    for c in report["cases"]:
        lines.append(
            f"{c['case']:<14}{c['rows']:>6}{c['queries']:>5}{c['wall_ms_a_row']:>8.3f}"
            f"{c['cpu_ms_a_row']:>9.3f}{c['tracemalloc_peak_mb']:>9.1f}{c['maxrss_growth_mb']:>9.1f}"
        )
    lines.append(
        f"load average {report['load_average_before']} before, {report['load_average_after']} after"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
