"""The register of rules (docs/rules/*.md) and the hand-made mutants (mutation/hand/*.diff),
read the same way by the suite's check of the register and by `make mutate-hand`."""

import ast
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "docs" / "rules"
HAND = ROOT / "mutation" / "hand"

RULE_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
NODE_ID = re.compile(r"`(tests/[\w/]+\.py(?:::\w+)+)`")
MUTANT_NAME = re.compile(r"^(?P<rule>[a-z0-9-]+?)(?:--\d+)?\.diff$")


@dataclass
class Rule:
    id: str
    text: str
    enforced_in: str
    tests: list[str]
    source: Path
    line: int


@dataclass
class Mutant:
    path: Path
    rule: str
    bug: str
    needs: set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        return self.path.stem


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def read_rules(folder: Path = RULES) -> list[Rule]:
    """Every row of every register table, in file order."""
    rules = []
    for path in sorted(folder.glob("*.md")):
        if path.name == "README.md":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.startswith("|"):
                continue
            cells = _cells(line)
            if len(cells) < 4 or set(cells[0]) <= {"-", " ", ":"} or cells[0] == "id":
                continue
            rules.append(
                Rule(
                    id=cells[0].strip("`"),
                    text=cells[1],
                    enforced_in=cells[2],
                    tests=NODE_ID.findall(cells[3]),
                    source=path,
                    line=number,
                )
            )
    return rules


def read_mutants(folder: Path = HAND) -> list[Mutant]:
    """Every hand-made mutant: its rule (from its name), its bug (its first line) and what it
    needs to be observed (`# needs: postgresql` on a later comment line)."""
    mutants = []
    for path in sorted(folder.glob("*.diff")):
        match = MUTANT_NAME.match(path.name)
        lines = path.read_text(encoding="utf-8").splitlines()
        header = []
        for line in lines:
            if not line.startswith("#"):
                break
            header.append(line.lstrip("#").strip())
        needs = set()
        for line in header[1:]:
            if line.startswith("needs:"):
                needs |= {word.strip() for word in line.removeprefix("needs:").split(",")}
        if any(line.startswith("diff --git") and "/migrations/" in line for line in lines):
            needs.add("migrations")  # tested on a database migrated with the mutant in
        mutants.append(
            Mutant(
                path=path,
                rule=match["rule"] if match else "",
                bug=header[0] if header else "",
                needs=needs,
            )
        )
    return mutants


@functools.cache
def _definitions(file: Path) -> tuple:
    """The top-level functions and classes of a test file, each with its own (for classes)."""
    tree = ast.parse(file.read_text(encoding="utf-8"))

    def names(body) -> tuple:
        return tuple(
            (node.name, names(node.body) if isinstance(node, ast.ClassDef) else ())
            for node in body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        )

    return names(tree.body)


def names_a_test(node_id: str, root: Path = ROOT) -> bool:
    """Whether a pytest node id (without parameters) names a test defined in its file."""
    path, *names = node_id.split("::")
    file = root / path
    if not file.is_file() or not names:
        return False
    scope = _definitions(file)
    for name in names:
        found = next((inner for defined, inner in scope if defined == name), None)
        if found is None:
            return False
        scope = found
    return True
