"""Prints the mutation score of `make mutate` and every survivor not known to be equivalent.

Reads mutmut's results (in mutants/) and `mutation/equivalent.txt`, where each surviving
mutant that cannot be killed (it changes nothing anyone can observe) is listed with its
reason (the template mutants' entries, `template:…`, are read by their own test). Exits
with 1 when a survivor is neither killed nor listed there.
"""

import collections
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DETECTED = {"killed", "segfault", "caught by type check"}
# A timeout may be a mutant that loops (caught) or a slow session on a busy machine: it is
# not counted as killed, and is listed with the survivors to run again.
UNTESTED = {"survived", "no tests", "suspicious", "timeout"}


def equivalent() -> dict[str, str]:
    """The mutants listed as equivalent, each with its reason: `equivalent.txt` and one file
    a module in `equivalent/` (`equivalent/lofte.spreadsheets.resources.txt`)."""
    reasons = {}
    files = [HERE / "equivalent.txt", *sorted((HERE / "equivalent").glob("*.txt"))]
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith(("#", "template:")):
                name, _, reason = line.partition(" ")
                reasons[name] = reason.strip(" -–")
    return reasons


def results() -> dict[str, str]:
    out = subprocess.run(  # noqa: S603 (our own venv's mutmut, fixed arguments)
        [str(Path(sys.executable).with_name("mutmut")), "results", "--all", "true"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found = re.findall(r"^\s*(\S+): (.+)$", out, flags=re.MULTILINE)
    return {name: status.strip() for name, status in found}


def module_of(name: str) -> str:
    return name.split(".x", 1)[0].split(".xǁ", 1)[0]


def main() -> int:
    status_by_mutant = results()
    reasons = equivalent()
    per_module = collections.defaultdict(collections.Counter)
    for name, status in status_by_mutant.items():
        kind = "killed" if status in DETECTED else "equivalent" if name in reasons else status
        per_module[module_of(name)][kind] += 1

    print(
        f"{'module':40} {'mutants':>8} {'not run':>8} {'killed':>7} {'equiv.':>7}"
        f" {'survived':>9} {'score':>7}"
    )
    total = collections.Counter()
    for module, counts in sorted(per_module.items()):
        total.update(counts)
        print(row(module, counts))
    print(row("all", total))

    open_survivors = sorted(
        name
        for name, status in status_by_mutant.items()
        if status in UNTESTED and name not in reasons
    )
    if open_survivors:
        print(f"\n{len(open_survivors)} survivors (see one with `.venv/bin/mutmut show NAME`):")
        for name in open_survivors:
            print(f"  {name}: {status_by_mutant[name]}")
    stale = sorted(set(reasons) - {n for n, s in status_by_mutant.items() if s in UNTESTED})
    if stale:
        print(f"\n{len(stale)} listed in equivalent.txt but not surviving now:")
        for name in stale:
            print(f"  {name}")
    return 1 if open_survivors else 0


def row(module: str, counts: collections.Counter) -> str:
    total = sum(counts.values()) - counts["skipped"]
    not_run = counts["not checked"]  # a run stopped before it reached them
    counted = total - not_run
    killed = counts["killed"]
    equivalent = counts["equivalent"]
    survived = counted - killed - equivalent
    # Equivalent mutants cannot be killed, so they are not held against the score.
    score = killed / (counted - equivalent) if counted > equivalent else 1.0
    return f"{module:40} {total:8} {not_run:8} {killed:7} {equivalent:7} {survived:9} {score:7.1%}"


if __name__ == "__main__":
    sys.exit(main())
