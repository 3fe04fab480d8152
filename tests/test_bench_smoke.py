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
        "admin report list, coordinator",
        "admin report list, superuser",
        "admin start page, coordinator",
        "admin start page, superuser",
        "follow-up page",
        "draft page with indicators",
        "draft PDF render",
        "bare WeasyPrint (PDF floor)",
        "published PDF download",
        "xlsx import preview, 1,000 rows",
        "public start page",
        "public promise page",
        "public API, one promise",
        "public CSV of statuses",
        "public Atom feed, one promise",
    }
    assert views["bare WeasyPrint (PDF floor)"]["queries"] == 0
    assert views["partner dashboard"]["queries"] >= 1
    assert all(row["median_ms"] > 0 for row in views.values())
    assert "draft PDF render / bare WeasyPrint" in results["ratios"]["comparisons"]
