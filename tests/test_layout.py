"""The code's layout: which app may import which, and README's map of it.

Apps depend one way: `lofte` (the promise) and `parties` (partners) know nothing of the
follow-up; `followup` and `outcomes` build on them; `public` reads from all and nothing reads
from it. Only the project's wiring (`lofte/settings.py`, `lofte/urls.py`) names every app.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ["lofte", "parties", "followup", "outcomes", "public"]
WIRING = {Path("lofte/settings.py"), Path("lofte/urls.py")}
# What each app's modules may not import (besides the wiring).
FORBIDDEN = {
    "lofte": {"followup", "outcomes", "public"},
    "parties": {"followup", "outcomes", "public"},
    "followup": {"public"},
    "outcomes": {"public"},
    "bench": {"public"},
    "loadtest": {"public"},
    "fixtures": {"public"},
    "tests": set(),
}


def imported_apps(source: str) -> set[str]:
    """Top-level packages a module imports, at module level or inside functions."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def python_files(folder: str):
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_apps_import_only_downwards(folder):
    wrong = []
    for path in python_files(folder):
        relative = path.relative_to(ROOT)
        if relative in WIRING:
            continue
        bad = imported_apps(path.read_text(encoding="utf-8")) & FORBIDDEN[folder]
        wrong += [f"{relative} imports {name}" for name in sorted(bad)]
    assert wrong == []


def test_nothing_outside_public_imports_public():
    importers = [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if ".venv" not in path.parts
        # `make mutate`'s copy of the apps, ignored by git; the tests, which test the
        # public side's data directly, as they do every app's
        and path.relative_to(ROOT).parts[0] not in {"public", "mutants", "tests"}
        and "public" in imported_apps(path.read_text(encoding="utf-8"))
    ]
    assert importers == []


def test_the_checker_sees_imports_inside_functions():
    source = "def f():\n    from public.views import x\n    import outcomes.kolada\n"
    assert imported_apps(source) == {"public", "outcomes"}


def test_readme_maps_every_package_and_nothing_else():
    packages = {
        str(init.parent.relative_to(ROOT))
        for app in APPS
        for init in (ROOT / app).rglob("__init__.py")
        if not {"migrations", "management"} & set(init.parts)
    }
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Map of the code", 1)[1].split("\n## ", 1)[0]
    mapped = set(re.findall(r"^\| `([a-z_/]+)/` \|", section, flags=re.MULTILINE))
    assert packages - mapped == set(), "packages missing from README's map"
    assert {m for m in mapped if m.split("/")[0] in APPS} - packages == set(), (
        "README maps packages that do not exist"
    )


def test_the_workflow_core_imports_none_of_its_consumers():
    """`followup.models`, `followup.services` and `followup.notices` are the core that the
    portal, review and document packages build on: no import runs back up into them."""
    consumers = {"followup.portal", "followup.review", "followup.document"}
    wrong = []
    for name in ("models.py", "services.py", "notices.py"):
        source = (ROOT / "followup" / name).read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            modules = []
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                modules = [("followup." if node.level else "") + module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            wrong += [
                f"followup/{name} imports {module}"
                for module in modules
                if any(module == c or module.startswith(c + ".") for c in consumers)
            ]
    assert wrong == []


def test_no_function_in_the_apps_passes_80_lines():
    """A function a reader cannot hold in one screen is asking to be split."""
    long = []
    for app in APPS:
        for path in python_files(app):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = node.end_lineno - node.lineno + 1
                    if length > 80:
                        long.append(f"{path.relative_to(ROOT)}: {node.name} ({length} lines)")
    assert long == []
