"""Template mutants: what mutmut cannot mutate, because it is not Python.

Each `{{ value }}` of the follow-up document's templates (page and PDF are one template),
and each value a `{% blocktranslate with %}` puts into a sentence, is in turn marked `|safe`,
the bug a reviewer would fear most there: user text served as markup. The escaping test's
own check must then fail. Run by `make mutate` (not by `make test`); survivors that cannot
matter (numbers, dates, our own computed words) are listed in equivalent.txt.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from followup.document.data import render_document
from tests.conftest import make_coordinator
from tests.test_text_escaping import IN_DOCUMENT, assert_escaped, marked  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = [
    "followup/document/document.html",
    "followup/document/status_chart.html",
    "outcomes/_document_why.html",
    "outcomes/_document_effects.html",
]
EQUIVALENT = Path(__file__).with_name("equivalent.txt")


def marked_safe(expression: str) -> str:
    """`value|safe|filters`: marked safe before its filters, so that `linebreaks` and the
    like no longer escape it either (after them, `|safe` would change nothing)."""
    value, bar, filters = expression.partition("|")
    return f"{value}|safe{bar}{filters}"


def template_mutants(name: str):
    """(id, mutated source) for each value of template `name`. A mutant is named by its
    expression and which occurrence of it in the template it is (`row.number#2`), so that
    an edit elsewhere in the template leaves the names, and equivalent.txt, as they are."""
    source = (ROOT / "templates" / name).read_text(encoding="utf-8")
    spans = [
        m.span() for m in re.finditer(r"{% blocktranslate.*?{% endblocktranslate %}", source, re.S)
    ]
    seen: dict[str, int] = {}

    def named(expression: str) -> str:
        expression = expression.replace(" ", "")
        seen[expression] = seen.get(expression, 0) + 1
        return f"template:{name}:{expression}#{seen[expression]}"

    for m in re.finditer(r"{{\s*(.+?)\s*}}", source):
        if any(a <= m.start() < b for a, b in spans) or "|safe" in m.group(1):
            continue
        mutated = source[: m.start()] + "{{ " + marked_safe(m.group(1)) + " }}" + source[m.end() :]
        yield named(m.group(1)), mutated
    for tag in re.finditer(r"{% blocktranslate[^%]*? with (.*?)%}", source):
        for arg in re.finditer(r"(\w+)=(\S+)", tag.group(1)):
            start, end = tag.start(1) + arg.start(2), tag.start(1) + arg.end(2)
            mutated = source[:start] + marked_safe(arg.group(2)) + source[end:]
            yield named(f"{arg.group(1)}={arg.group(2)}"), mutated


def equivalent() -> set[str]:
    lines = EQUIVALENT.read_text(encoding="utf-8").splitlines()
    return {line.split(" ", 1)[0] for line in lines if line.startswith("template:")}


@pytest.mark.django_db
def test_every_template_mutant_is_caught_by_the_escaping_test(client, settings, marked, tmp_path):  # noqa: F811
    # The cover and footer print the promise's publisher, whose texts are markers (the
    # escaping test's fixture); the site's owner is only in the page's header.
    promise, follow_up, markers, _ = marked
    client.force_login(make_coordinator(promise))
    url = reverse("document:draft", args=[promise.slug, follow_up.pk])
    engine = {**django_settings.TEMPLATES[0]}

    def printed_fields() -> set[str]:
        """The fields the HTML the PDF is made from shows, escaped (it has branches of its
        own, such as the appendix as a list)."""
        return assert_escaped(render_document(follow_up, for_pdf=True), markers, "the PDF")

    in_print = printed_fields()
    on_page = assert_escaped(client.get(url).content.decode(), markers, "the draft page")

    def caught(name: str, mutated: str) -> bool:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(mutated, encoding="utf-8")
        settings.TEMPLATES = [{**engine, "DIRS": [tmp_path, *engine["DIRS"]]}]
        try:
            response = client.get(url)
            if response.status_code != 200:
                return True
            shown = assert_escaped(response.content.decode(), markers, name)
            return bool(on_page - shown) or bool(in_print - printed_fields())
        except AssertionError:
            return True
        finally:
            (tmp_path / name).unlink()

    # The page as it is passes the check: a mutant is caught by the check, not by accident.
    assert IN_DOCUMENT - on_page == set()
    assert IN_DOCUMENT - in_print == set()
    assert not caught(TEMPLATES[0], (ROOT / "templates" / TEMPLATES[0]).read_text("utf-8"))
    tried, survivors = 0, []
    for name in TEMPLATES:
        for mutant, mutated in template_mutants(name):
            tried += 1
            if not caught(name, mutated):
                survivors.append(mutant)
    listed = equivalent()
    print(
        f"\ntemplate mutants: {tried}, caught {tried - len(survivors)}, "
        f"survived {len(survivors)} ({len(set(survivors) & listed)} listed as equivalent)"
    )
    for mutant in sorted(set(survivors) - listed):
        print(f"  survived: {mutant}")
    assert sorted(set(survivors) - listed) == []
