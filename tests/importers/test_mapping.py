"""The mapping is data: defaults per source, overrides merged by name, printed and read back."""

from __future__ import annotations

from pathlib import Path

import pytest

from impactgraph.importers import ImportInputError, default_mapping, load_mapping, mapping_text
from impactgraph.importers.mapping import SOURCES, ClassMatcher
from impactgraph.model import Kind, Strength


@pytest.mark.parametrize("source", SOURCES)
def test_the_printed_mapping_reads_back_to_the_same_mapping(source: str) -> None:
    mapping = default_mapping(source)
    text = mapping_text(mapping)
    assert text.startswith(f"# impactgraph import {source}")
    assert load_mapping(source, text="defaults: false\n" + text) == mapping


def test_overrides_replace_rules_by_name_and_null_removes_one(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(
        "source: cmdb-emea\n"
        "classes:\n"
        "  cmdb_ci_ip_address: {kind: infrastructure, type: ip}\n"
        "  cmdb_ci_appl*: null\n"
        "relations:\n"
        "  'Depends on::Used by': {type: depends_on, strength: soft, tolerance: 1h}\n"
        "  'Contains::Contained by': skip\n"
        "fields:\n"
        "  team: assignment_group\n"
    )
    m = load_mapping("servicenow", path)
    matcher = ClassMatcher(m.classes)
    assert m.source == "cmdb-emea"
    assert matcher.match("cmdb_ci_ip_address")[1].type == "ip"  # type: ignore[index]
    assert matcher.match("cmdb_ci_appl") is None
    rule = m.relation_rule("Depends on::Used by")
    assert rule is not None
    assert (rule.strength, rule.tolerance) == (Strength.SOFT, 3600)
    contains = m.relation_rule("contains::contained by")
    assert contains is not None and contains.role == "skip"
    assert m.relation_rule("Runs on::Runs") is not None  # the defaults stay
    assert m.fields.team is not None and m.fields.team.field == "assignment_group"
    assert m.fields.tier is not None  # fields merge field by field


def test_defaults_false_starts_from_nothing() -> None:
    m = load_mapping("servicenow", text="defaults: false\nclasses: {x: {kind: site}}\n")
    assert list(m.classes) == ["x"] and not m.relations and m.source == "servicenow"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("classes: [1]\n", "<mapping>:1: field 'classes': Input should be a valid dictionary"),
        ("classes:\n  x: {kind: planet}\n", "<mapping>:2: field 'classes.x.kind'"),
        ("classes:\n  x: {}\n", "a class rule gives either a kind or 'skip'"),
        ("relations:\n  'A::B': {role: owner}\n", "<mapping>:2: field 'relations.A::B.role'"),
        ("relations:\n  'A::B': {tolerance: 5}\n", "unit-less duration 5 is ambiguous"),
        ("colour: red\n", "field 'colour': Extra inputs are not permitted"),
        ("source: 'not a name'\n", "field 'source': source 'not a name' must be"),
        ("a: 1\na: 2\n", "<mapping>:2: field 'a': key 'a' is given twice"),
        ("- 1\n", "a mapping file is a mapping of sections"),
        ("a: [\n", "YAML syntax error"),
    ],
)
def test_bad_overrides_name_their_line_and_field(text: str, expected: str) -> None:
    with pytest.raises(ImportInputError) as e:
        load_mapping("servicenow", text=text)
    assert expected in str(e.value)


def test_class_patterns_most_literal_wins() -> None:
    m = ClassMatcher(default_mapping("servicenow").classes)
    assert m.match("cmdb_ci_win_cluster_node")[1].type == "cluster_node"  # type: ignore[index]
    assert m.match("cmdb_ci_win_cluster")[1].kind is Kind.GROUP  # type: ignore[index]
    assert m.match("cmdb_ci_app_server_tomcat")[1].kind is Kind.SERVICE  # type: ignore[index]
    assert m.match("cmdb_ci_apache_web_server")[1].type == "web_server"  # type: ignore[index]
    assert m.match("CMDB_CI_LINUX_SERVER")[1].type == "server"  # type: ignore[index]
    assert m.match("cmdb_ci_ip_address") is None


def test_the_mapping_file_example_in_the_docs_loads() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "import.md").read_text()
    section = docs.split("## The mapping file", 1)[1]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    m = load_mapping("servicenow", text=block)
    assert m.source == "servicenow-emea"
    rule = m.relation_rule("standby for :: has standby")
    assert rule is not None and (rule.role, rule.activation) == ("member", 1800)
