"""The benchmark runs end to end at S size, one pass, so that it does not rot."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_smoke_measures_every_view(tmp_path):
    out = tmp_path / "smoke.json"
    env = {**os.environ, "DJANGO_DEBUG": "true"}
    result = subprocess.run(  # noqa: S603 (our own module, fixed arguments)
        [sys.executable, "-m", "bench.run", "--smoke", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    results = json.loads(out.read_text())
    views = results["sizes"]["S"]["views"]
    assert set(views) >= {
        "trivial view (floor)",
        "partner dashboard",
        "report form",
        "admin report list, coordinator (submitted)",
        "admin report list, superuser (all reports, page 1)",
        "admin start page, coordinator",
        "admin start page, superuser (10 promises a page)",
        "follow-up page (published)",
        "draft page with indicators",
        "draft PDF render",
        "draft page, 1,000 sub-promises",
        "draft PDF request (queues it)",
        "draft PDF request, 1,000 sub-promises",
        "draft PDF, unchanged draft (reused)",
        "bare WeasyPrint (PDF floor)",
        "published PDF download",
        "sub-promise import, 1,000 new rows (xlsx, admin preview + confirm)",
        "status-report import, 1,000 rows (xlsx, admin preview + confirm)",
        "public start page (every promise, by county)",
        "public start page, a county's promises",
        "public municipality page",
        "public promise page",
        "public API, one promise (built)",
        "public CSV of statuses (built)",
        "public Atom feed, one promise",
        "admin export of a promise's reports, xlsx (rows: all)",
        "admin export of a promise's reports, csv (rows: all)",
    }
    assert views["bare WeasyPrint (PDF floor)"]["queries"] == 0
    assert views["partner dashboard"]["queries"] >= 1
    assert views["public start page (every promise, by county)"]["queries"] == 3
    assert views["public municipality page"]["queries"] == 5
    assert all(row["median_ms"] > 0 and row["cpu_ms"] >= 0 for row in views.values())
    # The imports, through admin's preview and confirm, cost a few queries a file.
    for name in views:
        if "import, 1,000" in name:
            assert views[name]["queries"] <= 4 * 1000 / 10, (name, views[name]["queries"])
    assert results["sizes"]["S"]["load_before"] >= 0
    assert "draft PDF render / bare WeasyPrint" in results["ratios"]["comparisons"]
    # Asking for a draft's PDF costs the same queries whatever the promise's size.
    assert (
        views["draft PDF request (queues it)"]["queries"]
        == views["draft PDF request, 1,000 sub-promises"]["queries"]
    )
