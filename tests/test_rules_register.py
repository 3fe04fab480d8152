"""The register of rules (docs/rules/) stays true: every test it names exists, every rule has
a test and a hand-made mutant, and every mutant names a rule and says its bug."""

from collections import Counter

from mutation.register import HAND, RULE_ID, RULES, names_a_test, read_mutants, read_rules

RULE_FILES = sorted(path.name for path in RULES.glob("*.md") if path.name != "README.md")


def test_register_has_a_file_for_each_part_it_lists():
    index = (RULES / "README.md").read_text(encoding="utf-8")
    assert RULE_FILES
    for name in RULE_FILES:
        assert f"]({name})" in index, f"docs/rules/README.md does not link {name}"


def test_every_rule_has_an_id_a_text_a_place_and_a_test():
    rules = read_rules()
    assert len(rules) >= 50
    wrong = [
        f"{rule.source.name}:{rule.line} {rule.id}"
        for rule in rules
        if not RULE_ID.match(rule.id)
        or len(rule.text) < 10
        or not rule.enforced_in
        or not rule.tests
    ]
    assert wrong == []


def test_rule_ids_are_unique():
    counts = Counter(rule.id for rule in read_rules())
    assert [rule_id for rule_id, count in counts.items() if count > 1] == []


def test_every_test_the_register_names_exists():
    missing = [
        f"{rule.source.name}:{rule.line} {node_id}"
        for rule in read_rules()
        for node_id in rule.tests
        if not names_a_test(node_id)
    ]
    assert missing == []


def test_names_a_test_tells_a_missing_test_from_a_present_one():
    here = "tests/test_rules_register.py"
    assert names_a_test(f"{here}::test_rule_ids_are_unique")
    assert not names_a_test(f"{here}::test_that_was_never_written")
    assert not names_a_test("tests/test_no_such_file.py::test_rule_ids_are_unique")
    assert not names_a_test(here)


def test_every_hand_made_mutant_names_a_rule_and_its_bug():
    rules = {rule.id for rule in read_rules()}
    mutants = read_mutants()
    assert mutants, f"no mutants in {HAND}"
    wrong = [
        mutant.path.name
        for mutant in mutants
        if mutant.rule not in rules or len(mutant.bug) < 10 or "diff --git" not in _text(mutant)
    ]
    assert wrong == []


def test_every_rule_has_a_hand_made_mutant():
    mutated = {mutant.rule for mutant in read_mutants()}
    assert sorted(rule.id for rule in read_rules() if rule.id not in mutated) == []


def test_hand_made_mutants_change_code_not_tests():
    touched = [
        f"{mutant.path.name}: {line}"
        for mutant in read_mutants()
        for line in _text(mutant).splitlines()
        if line.startswith("diff --git") and " b/tests/" in line
    ]
    assert touched == []


def _text(mutant) -> str:
    return mutant.path.read_text(encoding="utf-8")
