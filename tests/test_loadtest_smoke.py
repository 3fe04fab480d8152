"""The load test runs end to end with a few users for a few seconds, so that it does not rot:
the servers, the saves, and a worker publishing a follow-up meanwhile."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_loadtest_smoke_checks_the_database():
    result = subprocess.run(
        [sys.executable, "-m", "loadtest.run", "--smoke"],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "database check: every report holds its last acknowledged text" in result.stdout
    assert "'5xx'" not in result.stdout
    assert "the worker published the follow-up with a correct PDF" in result.stdout


def test_loadtest_readers_smoke_gets_only_200s():
    result = subprocess.run(
        [sys.executable, "-m", "loadtest.run", "--readers", "--smoke"],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "readers: every answer was a 200" in result.stdout
    assert "failures: 0" in result.stdout
    # Every reader takes the whole tour first: each page was read, and answered 200.
    for page in ["start page", "promise page", "follow-up", "API promise", "Atom feed", "CSV"]:
        assert re.search(rf"  {page} +[1-9]\d* requests, .*, 0 failed", result.stdout), page
