"""`make mutate-hand`: every hand-made mutant (mutation/hand/*.diff) against the tests the
register (docs/rules/) names for its rule.

Each mutant is applied to a scratch copy of the tree (the checkout's tracked and new files,
never the checkout itself) and its rule's tests are run. A mutant they catch is *caught*.
Where none fails, the whole suite runs: a mutant caught there is *caught elsewhere* (the
register names the wrong tests for its rule), and one nothing catches *survived*. Either
fails the run, and so does a mutant that no longer applies to the code.

Two mutants are tested at once (one a core), each in a scratch copy of its own, on copies of
one migrated SQLite database. A mutant marked `# needs: postgresql` runs on PostgreSQL
(LOFTE_HAND_DATABASE_URL, by default the local `lofte` role's own database, as .ci/run makes it).

    python -m mutation.run_hand [--only PATTERN] [--jobs N]
"""

import argparse
import concurrent.futures
import fnmatch
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from mutation.register import ROOT, Mutant, read_mutants, read_rules

PYTHON = ROOT / ".venv" / "bin" / "python"
TIMEOUT = 600  # seconds for the rule's tests; a mutant that hangs them is caught
SUITE_TIMEOUT = 900
# A quick test that uses the database: run first in each scratch tree to migrate its template.
WARM_UP = "tests/test_models.py::test_promise_dates_in_order"
POSTGRES = os.environ.get(
    "LOFTE_HAND_DATABASE_URL", "postgres://lofte:lofte@127.0.0.1:5432/lofte_hand"
)


@dataclass
class Outcome:
    mutant: Mutant
    # caught, caught elsewhere, survived, undecided (the suite timed out), does not apply
    result: str
    seconds: float
    detail: str = ""


def tracked_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    return [name.decode() for name in listed if name and (ROOT / name.decode()).is_file()]


def make_scratch(base: Path, files: list[str]) -> Path:
    tree = Path(tempfile.mkdtemp(prefix="tree-", dir=base))
    for name in files:
        target = tree / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    (tree / ".venv").symlink_to(ROOT / ".venv")
    return tree


def git_apply(tree: Path, diff: Path, *, reverse: bool = False) -> subprocess.CompletedProcess:
    command = ["git", "apply", "--whitespace=nowarn"] + (["-R"] if reverse else []) + [str(diff)]
    # Outside any repository git apply works as patch does, relative to the current folder.
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(tree.parent)}
    return subprocess.run(  # noqa: S603 (a mutant file of the repository)
        command, cwd=tree, capture_output=True, text=True, env=env
    )


def pytest(tree: Path, args: list[str], *, needs: set[str], timeout: int) -> tuple[bool, str]:
    """Runs pytest in the scratch tree; True when every selected test passed."""
    env = {
        **os.environ,
        "DJANGO_DEBUG": "true",
        "DJANGO_CONN_MAX_AGE": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if "postgresql" in needs:
        # A database a scratch tree, so that two mutants at once never share one.
        env["DATABASE_URL"] = f"{POSTGRES}_{tree.name.removeprefix('tree-').lower()}"
    else:
        env.pop("DATABASE_URL", None)
        if "migrations" not in needs:
            env["LOFTE_MUTATION_TEMPLATE_DB"] = str(tree.parent / f"template-{tree.name}.sqlite3")
    try:
        done = subprocess.run(  # noqa: S603 (our own virtualenv's pytest)
            [str(PYTHON), "-m", "pytest", "-q", "-x", "-p", "no:randomly", *args],
            cwd=tree,
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return False, f"timed out after {timeout} s"
    last = [line for line in done.stdout.splitlines() if line.strip()][-1:] or [""]
    return done.returncode == 0, last[0]


def run_one(mutant: Mutant, tree: Path, tests: list[str], whole_suite: bool) -> Outcome:
    started = time.monotonic()
    applied = git_apply(tree, mutant.path)
    if applied.returncode != 0:
        return Outcome(mutant, "does not apply", 0.0, applied.stderr.strip().splitlines()[0])
    try:
        passed, detail = pytest(
            tree, ["-p", "no:xdist", *tests], needs=mutant.needs, timeout=TIMEOUT
        )
        if not passed:
            return Outcome(mutant, "caught", time.monotonic() - started, detail)
        if not whole_suite:
            return Outcome(mutant, "survived", time.monotonic() - started, detail)
        passed, detail = pytest(tree, ["-n", "2"], needs=mutant.needs, timeout=SUITE_TIMEOUT)
        result = "survived" if passed else "caught elsewhere"
        if detail.startswith("timed out"):
            result = "undecided"
        return Outcome(mutant, result, time.monotonic() - started, detail)
    finally:
        reverted = git_apply(tree, mutant.path, reverse=True)
        if reverted.returncode != 0:
            raise RuntimeError(f"{mutant.path.name} could not be taken out: {reverted.stderr}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="mutants whose name matches this glob", default="*")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--no-suite", action="store_true", help="skip the whole-suite run for survivors"
    )
    options = parser.parse_args()

    rules = {rule.id: rule for rule in read_rules()}
    mutants = [m for m in read_mutants() if fnmatch.fnmatch(m.name, options.only)]
    unknown = [m.path.name for m in mutants if m.rule not in rules]
    if unknown:
        print("mutants naming no rule of the register:", ", ".join(unknown))
        return 2
    if not mutants:
        print("no mutant matches", options.only)
        return 2

    files = tracked_files()
    base = Path(tempfile.mkdtemp(prefix="lofte-mutate-hand-"))
    # The mutants as they are now: an edit to one during the run changes nothing of it.
    (base / "hand").mkdir()
    for mutant in mutants:
        mutant.path = Path(shutil.copy2(mutant.path, base / "hand" / mutant.path.name))
    started = time.monotonic()
    outcomes: list[Outcome] = []
    try:
        jobs = max(1, min(options.jobs, len(mutants)))
        trees = [make_scratch(base, files) for _ in range(jobs)]
        # Each tree's SQLite template is migrated before any mutant is in, so that no mutant
        # (of the roles' permissions, say) is built into the database the others test on.
        for tree in trees:
            ready, detail = pytest(tree, ["-p", "no:xdist", WARM_UP], needs=set(), timeout=TIMEOUT)
            if not ready:
                print("the unmutated tree fails:", detail)
                return 2
        free = list(trees)
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            pending = {}
            queue = list(mutants)
            while queue or pending:
                while queue and free:
                    mutant, tree = queue.pop(0), free.pop()
                    future = pool.submit(
                        run_one, mutant, tree, rules[mutant.rule].tests, not options.no_suite
                    )
                    pending[future] = tree
                finished, _ = concurrent.futures.wait(
                    pending, return_when=concurrent.futures.FIRST_COMPLETED
                )
                for future in finished:
                    free.append(pending.pop(future))
                    outcome = future.result()
                    outcomes.append(outcome)
                    print(
                        f"{outcome.result:>16}  {outcome.seconds:6.1f} s  "
                        f"{outcome.mutant.name}: {outcome.mutant.bug}",
                        flush=True,
                    )
                    if outcome.result != "caught":
                        print(f"{'':>27}{outcome.detail}", flush=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)

    counts = {
        result: sum(o.result == result for o in outcomes)
        for result in ("caught", "caught elsewhere", "survived", "undecided", "does not apply")
    }
    minutes, seconds = divmod(int(time.monotonic() - started), 60)
    summary = ", ".join(f"{n} {result}" for result, n in counts.items())
    print(f"\n{len(outcomes)} hand-made mutants: {summary}; {minutes} min {seconds} s")
    return 0 if counts["caught"] == len(outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
