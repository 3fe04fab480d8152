"""README is the front door and `docs/` the manual: README stays short, shows the two
commands on its first screen and links every doc; every relative link in README, `docs/`
and bench/README.md leads to a file, and an `#anchor` to a heading of it; the benchmark
tables in bench/README.md are the saved runs' (`make bench` writes them)."""

import json
import re
from pathlib import Path

import pytest

from bench import run, scenarios

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BENCH_README = ROOT / "bench" / "README.md"
DOCUMENTS = [README, BENCH_README, *sorted((ROOT / "docs").rglob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def without_code(markdown: str) -> str:
    """The text outside fenced blocks and inline code, where a link is a link."""
    markdown = re.sub(r"^```.*?^```", "", markdown, flags=re.MULTILINE | re.DOTALL)
    return re.sub(r"`[^`\n]*`", "", markdown)


def relative_links(path: Path) -> list[str]:
    links = LINK.findall(without_code(path.read_text(encoding="utf-8")))
    return [link for link in links if not re.match(r"[a-z][a-z0-9+.-]*:", link)]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower-case, punctuation other than '-' and '_'
    dropped, each space a '-'."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors of a Markdown file's headings; a repeated one gets -1, -2… as on GitHub."""
    text = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.M | re.S)
    seen: dict[str, int] = {}
    found = set()
    for heading in re.findall(r"^#{1,6} (.+)$", text, flags=re.MULTILINE):
        base = slug(heading)
        found.add(f"{base}-{seen[base]}" if base in seen else base)
        seen[base] = seen.get(base, 0) + 1
    return found


def test_readme_is_at_most_200_lines():
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 200


def test_the_two_commands_are_on_readmes_first_screen():
    first_screen = "\n".join(README.read_text(encoding="utf-8").splitlines()[:30])
    assert "make run" in first_screen
    assert "make test" in first_screen


def test_the_slug_follows_githubs_rules():
    assert slug("Logging in under attack, and what a page may load") == (
        "logging-in-under-attack-and-what-a-page-may-load"
    )
    assert slug("From problem to effect: problem picture and outcome indicators") == (
        "from-problem-to-effect-problem-picture-and-outcome-indicators"
    )
    assert slug("Coordinators (admin)") == "coordinators-admin"
    assert slug("snake_case and dash-words") == "snake_case-and-dash-words"
    assert slug("Uppföljning – Hisings Backa") == "uppföljning--hisings-backa"


def test_link_finder_skips_code_and_absolute_addresses(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "[a](a.md) [b](https://example.org/) `[c](c.md)`\n```\n[d](d.md)\n```\n[e](e.md#f)\n",
        encoding="utf-8",
    )
    assert relative_links(page) == ["a.md", "e.md#f"]


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_leads_to_a_file_and_heading(path):
    broken = []
    for link in relative_links(path):
        target, _, anchor = link.partition("#")
        file = (path.parent / target).resolve() if target else path
        if not file.exists() or ROOT not in file.parents:
            broken.append(f"{link}: no such file")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(f"{link}: no such heading")
    assert broken == []


def test_every_doc_is_linked_from_readme():
    linked = {
        (ROOT / link.partition("#")[0]).resolve()
        for link in relative_links(README)
        if link.partition("#")[0]
    }
    wanted = {*(ROOT / "docs").glob("*.md"), BENCH_README, ROOT / "docs" / "rules" / "README.md"}
    assert {path.relative_to(ROOT) for path in wanted - linked} == set()


def bench_block(kind: str) -> str:
    text = BENCH_README.read_text(encoding="utf-8")
    return text.split(f"<!-- bench:{kind} -->\n", 1)[1].split(f"\n<!-- /bench:{kind} -->", 1)[0]


@pytest.mark.parametrize(
    ("kind", "results"), [("sqlite", "latest.json"), ("postgresql", "latest-postgresql.json")]
)
def test_bench_readmes_tables_are_the_saved_runs(kind, results):
    saved = json.loads((ROOT / "bench" / "results" / results).read_text(encoding="utf-8"))
    assert run.table_marker(saved) == kind
    assert bench_block(kind) == scenarios.markdown_table(saved)


def test_a_runs_table_replaces_only_its_databases_block(tmp_path):
    saved = json.loads((ROOT / "bench" / "results" / "latest.json").read_text(encoding="utf-8"))
    page = tmp_path / "README.md"
    page.write_text(
        "before\n<!-- bench:sqlite -->\nold\n<!-- /bench:sqlite -->\nbetween\n"
        "<!-- bench:postgresql -->\nkept\n<!-- /bench:postgresql -->\nafter\n",
        encoding="utf-8",
    )
    run.write_table_into(page, saved)
    assert page.read_text(encoding="utf-8") == (
        f"before\n<!-- bench:sqlite -->\n{scenarios.markdown_table(saved)}\n"
        "<!-- /bench:sqlite -->\nbetween\n<!-- bench:postgresql -->\nkept\n"
        "<!-- /bench:postgresql -->\nafter\n"
    )
    with pytest.raises(SystemExit, match="a --smoke run"):
        run.write_table_into(page, saved | {"smoke": True})
    page.write_text("no markers\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="has no <!-- bench:sqlite -->"):
        run.write_table_into(page, saved)
    assert page.read_text(encoding="utf-8") == "no markers\n"
