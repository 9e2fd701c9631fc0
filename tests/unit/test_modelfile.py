"""Model and scenario files (SPEC §5): what is accepted, and every error at once with its line."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from impactgraph.engine.scenario import Failure
from impactgraph.errors import Issue, ModelError, ScenarioError
from impactgraph.model import Kind, MemberMode, Model, Strength
from impactgraph.modelfile import load_model_file, parse_model_text, write_model_file
from impactgraph.scenariofile import load_scenario_file

DATA = Path(__file__).resolve().parents[1] / "data"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def errors_of(text: str, fmt: str | None = None, filename: str = "m.yaml") -> list[Issue]:
    with pytest.raises(ModelError) as caught:
        parse_model_text(textwrap.dedent(text), filename, fmt)  # type: ignore[arg-type]
    return caught.value.issues


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the nth line of ``text`` that contains ``needle``."""
    hits = [n for n, line in enumerate(textwrap.dedent(text).splitlines(), 1) if needle in line]
    return hits[nth - 1]


def edges(model: Model) -> set[tuple[str, str, str, str, int]]:
    return {(d.source, d.target, d.type, d.strength.value, d.tolerance) for d in model.dependencies}


# ---------------------------------------------------------------------------------------------
# durations as written in a file (SPEC §1)


@pytest.mark.parametrize(
    ("written", "seconds"),
    [
        ("90s", 90),
        ("15m", 900),
        ("4h", 14400),
        ("2d", 172800),
        ("1h30m", 5400),
        ("PT4H", 14400),
        ("P1DT2H", 93600),
        ("pt30m", 1800),
        ("0", 0),
        ("0s", 0),
    ],
)
def test_every_accepted_duration_spelling_is_read_as_seconds(written: str, seconds: int) -> None:
    model = parse_model_text(
        f"version: 1\ncomponents:\n  - {{id: a, kind: site, rto: {written}}}\n"
    )
    assert model.component("a").rto == seconds


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("-5m", "negative duration"),
        ("30", "unit-less duration 30 is ambiguous"),
        ("'30'", "unit-less duration '30' is ambiguous"),
        ("1.5", "unit-less duration 1.5 is ambiguous"),
        ("soon", "cannot read duration 'soon'"),
        ("4x", "cannot read duration '4x'"),
        ("1h1h", "repeats a unit"),
        ("true", "is not a duration"),
    ],
)
def test_bad_durations_are_rejected_naming_field_component_and_line(
    written: str, message: str
) -> None:
    text = f"version: 1\ncomponents:\n  - id: db\n    kind: service\n    recovery_time: {written}\n"
    [issue] = errors_of(text)
    assert (issue.component, issue.field, issue.line, issue.file) == (
        "db",
        "recovery_time",
        5,
        "m.yaml",
    )
    assert message in issue.message
    assert "component 'db', field 'recovery_time'" in str(issue)


def test_bad_tolerance_and_activation_name_their_field_and_component() -> None:
    text = """\
        version: 1
        components:
          - {id: a, kind: service}
          - {id: b, kind: service}
          - id: pool
            kind: group
            members:
              - a
              - {id: b, mode: standby, activation: 10}
          - id: c
            kind: service
            needs:
              - {id: a, tolerance: -1h}
        """
    issues = errors_of(text)
    got = {(i.component, i.field, i.line) for i in issues}
    assert got == {
        ("pool", "activation", line_of(text, "activation: 10")),
        ("c", "tolerance", line_of(text, "tolerance: -1h")),
    }


# ---------------------------------------------------------------------------------------------
# each error kind of SPEC §5, alone


@pytest.mark.parametrize(
    ("case", "text", "expected"),
    [
        (
            "duplicate id",
            """\
            version: 1
            components:
              - {id: a, kind: site}
              - {id: a, kind: site}
            """,
            ("a", "id", 4, "duplicate id"),
        ),
        (
            "unknown id in needs",
            """\
            version: 1
            components:
              - id: a
                kind: service
                needs: [nowhere]
            """,
            ("a", "needs", 5, "unknown component 'nowhere'"),
        ),
        (
            "unknown id in dependencies",
            """\
            version: 1
            components:
              - {id: a, kind: service}
            dependencies:
              - {from: a, to: nowhere, type: runs_on}
            """,
            ("a", "needs", 5, "unknown component 'nowhere'"),
        ),
        (
            "unknown member",
            """\
            version: 1
            components:
              - id: g
                kind: group
                members: [nowhere]
            """,
            ("g", "members", 5, "member 'nowhere' is not a component"),
        ),
        (
            "self-dependency",
            """\
            version: 1
            components:
              - id: a
                kind: service
                needs:
                  - {id: a, strength: soft}
            """,
            ("a", "needs", 6, "cannot depend on itself"),
        ),
        (
            "group without members",
            """\
            version: 1
            components:
              - id: g
                kind: group
                min_up: 1
            """,
            ("g", "members", 3, "at least one member"),
        ),
        (
            "min_up above the members",
            """\
            version: 1
            components:
              - {id: a, kind: service}
              - id: g
                kind: group
                min_up: 2
                members: [a]
            """,
            ("g", "min_up", 6, "min_up 2 is outside 1..1"),
        ),
        (
            "min_up zero",
            """\
            version: 1
            components:
              - {id: a, kind: service}
              - {id: g, kind: group, min_up: 0, members: [a]}
            """,
            ("g", "min_up", 4, "min_up 0 is outside 1..1"),
        ),
        (
            "members on a non-group",
            """\
            version: 1
            components:
              - {id: a, kind: service}
              - id: b
                kind: service
                members: [a]
            """,
            ("b", "members", 6, "only allowed on kind 'group'"),
        ),
        (
            "min_up on a non-group",
            """\
            version: 1
            components:
              - id: b
                kind: infrastructure
                min_up: 1
            """,
            ("b", "min_up", 5, "only allowed on kind 'group'"),
        ),
        (
            "unknown field",
            """\
            version: 1
            components:
              - id: b
                kind: service
                rtoo: 4h
            """,
            ("b", "rtoo", 5, "unknown field 'rtoo'; did you mean 'rto'?"),
        ),
        (
            "unknown field in a need",
            """\
            version: 1
            components:
              - {id: a, kind: site}
              - id: b
                kind: service
                needs:
                  - {id: a, tolerence: 1h}
            """,
            ("b", "tolerence", 7, "unknown field 'tolerence'; did you mean 'tolerance'?"),
        ),
        (
            "unknown kind",
            """\
            version: 1
            components:
              - {id: a, kind: sitee}
            """,
            ("a", "kind", 3, "'sitee' is not one of"),
        ),
        (
            "missing id",
            """\
            version: 1
            components:
              - kind: site
            """,
            (None, "id", 3, "required"),
        ),
        (
            "wrong version",
            """\
            version: 2
            components: []
            """,
            (None, "version", 1, "write version: 1"),
        ),
        (
            "unknown top-level field",
            """\
            version: 1
            components: []
            dependncies: []
            """,
            (None, "dependncies", 3, "did you mean 'dependencies'?"),
        ),
        (
            "a number as an id",
            """\
            version: 1
            components:
              - {id: 1234, kind: site}
            """,
            (None, "id", 3, "1234 is not text; put it in quotes"),
        ),
    ],
)
def test_each_error_kind_is_reported_with_component_field_and_line(
    case: str, text: str, expected: tuple[str | None, str, int, str]
) -> None:
    issues = errors_of(text)
    assert len(issues) == 1, f"{case}: {issues}"
    issue = issues[0]
    component, field, line, fragment = expected
    assert (issue.component, issue.field, issue.line) == (component, field, line), case
    assert fragment in issue.message, case
    assert "Extra inputs" not in issue.message and "Input should" not in issue.message


def test_a_number_written_where_an_id_is_expected_is_not_read_as_an_id() -> None:
    assert "1234" not in {
        i.component for i in errors_of("version: 1\ncomponents:\n  - {id: 1234, kind: site}\n")
    }


# ---------------------------------------------------------------------------------------------
# several errors at once, with their lines


# component, field, message fragment, and where the line is: (marker in the YAML file, in the
# JSON file); the line is that of the first line holding the marker
BAD_MANY = [
    ("dc1", "rtoo", "unknown field 'rtoo'", "rtoo:", '"rtoo"'),
    ("host1", "recovery_time", "unit-less duration 30", "recovery_time: 30", "recovery_time"),
    ("host1", "needs", "unknown component 'san9'", "san9", '"san9"'),
    ("dc1", "id", "duplicate id", "# duplicate id", '{"id": "dc1", "kind": "site"}'),
    ("db-cluster", "min_up", "min_up 3 is outside 1..1", "min_up: 3", '"min_up": 3'),
    ("loner", "members", "at least one member", "id: loner", '"loner"'),
    ("app", "min_up", "only allowed on kind 'group'", "min_up: 1", '"min_up": 1'),
    ("app", "needs", "cannot depend on itself", "- app ", '        "app",'),
    ("app", "tolerance", "negative duration", "-5m", '"-5m"'),
    ("ghost", "from", "unknown component 'ghost'", "ghost", '"ghost"'),
]


@pytest.mark.parametrize("name", ["bad-many.yaml", "bad-many.json"])
def test_every_error_is_reported_at_once_with_its_line(name: str) -> None:
    path = DATA / name
    with pytest.raises(ModelError) as caught:
        load_model_file(path)
    issues = caught.value.issues
    assert sorted((i.component or "", i.field or "") for i in issues) == sorted(
        (c, f) for c, f, *_ in BAD_MANY
    )
    assert all(i.file == str(path) for i in issues)
    text = path.read_text()
    for component, field, fragment, yaml_marker, json_marker in BAD_MANY:
        [issue] = [i for i in issues if (i.component, i.field) == (component, field)]
        assert fragment in issue.message
        marker = yaml_marker if name.endswith(".yaml") else json_marker
        assert issue.line == line_of(text, marker), (component, field, issue)
    assert [i.line for i in issues] == sorted(i.line or 0 for i in issues)
    message = str(caught.value)
    assert message.startswith(f"{len(BAD_MANY)} errors in model:")
    assert f"{path}:{line_of(text, 'ghost')}: component 'ghost', field 'from'" in message


def test_cross_reference_errors_are_found_next_to_schema_errors() -> None:
    text = """\
        version: 1
        components:
          - id: a
            kind: service
            tier: 0
            needs: [b, nowhere]
          - id: g
            kind: group
            min_up: 5
            members: [a]
            recovery_time: 3
        """
    issues = errors_of(text)
    got = {(i.component, i.field, i.line) for i in issues}
    assert got == {
        ("a", "tier", 5),
        ("a", "needs", line_of(text, "needs:")),  # 'b' and 'nowhere' on the same line
        ("g", "min_up", 9),
        ("g", "recovery_time", 11),
    }
    assert sorted(i.message for i in issues if i.field == "needs") == [
        "depends on unknown component 'b'",
        "depends on unknown component 'nowhere'",
    ]


def test_a_component_that_is_invalid_is_still_known_to_those_that_need_it() -> None:
    issues = errors_of(
        """\
        version: 1
        components:
          - {id: db, kind: service, rto: 4}
          - {id: app, kind: service, needs: [db]}
        """
    )
    assert [(i.component, i.field) for i in issues] == [("db", "rto")]


def test_an_unreadable_component_does_not_hide_the_others_errors() -> None:
    issues = errors_of(
        """\
        version: 1
        components:
          - just a string
          - {id: app, kind: service, needs: [app]}
        """
    )
    assert [(i.component, i.field, i.line) for i in issues] == [
        (None, None, 3),
        ("app", "needs", 4),
    ]
    assert "a component is a mapping with 'id' and 'kind'" in issues[0].message


# ---------------------------------------------------------------------------------------------
# syntax and structure


@pytest.mark.parametrize(
    ("text", "fmt", "line", "fragment"),
    [
        ("version: 1\ncomponents:\n  - {id: a, kind: site\n", "yaml", 4, "YAML syntax error"),
        ("version: 1\ncomponents:\n  - id: a\n   kind: site\n", "yaml", 4, "YAML syntax error"),
        ('{"version": 1,\n "components": [\n  {"id": "a",}\n]}', "json", 3, "JSON syntax error"),
    ],
)
def test_syntax_errors_give_the_line(text: str, fmt: str, line: int, fragment: str) -> None:
    [issue] = errors_of(text, fmt)
    assert issue.line == line
    assert fragment in issue.message


def test_yaml_duplicate_keys_are_errors_with_the_line_of_the_second() -> None:
    text = """\
        version: 1
        components:
          - id: a
            kind: site
            rto: 1h
            rto: 2h
        """
    [issue] = errors_of(text)
    assert (issue.component, issue.field, issue.line) == ("a", "rto", 6)
    assert "given twice" in issue.message


def test_json_duplicate_keys_are_errors_with_the_line_of_the_second() -> None:
    text = '{"version": 1,\n "components": [\n  {"id": "a", "kind": "site",\n   "kind": "site"}]}'
    [issue] = errors_of(text, filename="m.json")
    assert (issue.component, issue.field, issue.line) == ("a", "kind", 4)


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "just words\n", "[1, 2]"])
def test_a_document_that_is_not_a_model_mapping_is_one_clear_error(text: str) -> None:
    issues = errors_of(text)
    assert len(issues) == 1
    assert "mapping" in issues[0].message


def test_unsafe_yaml_tags_are_refused() -> None:
    [issue] = errors_of("version: 1\ncomponents: !!python/object/apply:os.system ['true']\n")
    assert issue.line == 2
    assert "YAML" in issue.message


def test_an_unreadable_file_is_a_model_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"missing\.yaml: cannot read the file"):
        load_model_file(tmp_path / "missing.yaml")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(ModelError, match="not UTF-8"):
        load_model_file(binary)


def test_format_comes_from_the_extension_else_it_is_sniffed(tmp_path: Path) -> None:
    doc = '{"version": 1, "components": [{"id": "a", "kind": "site"}]}'
    for name in ("m.json", "m.yaml", "m.model", "m"):
        (tmp_path / name).write_text(doc)
        assert [c.id for c in load_model_file(tmp_path / name).components] == ["a"]
    (tmp_path / "m.txt").write_text("version: 1\ncomponents:\n  - {id: a, kind: site}\n")
    assert load_model_file(tmp_path / "m.txt").component("a").kind is Kind.SITE


# ---------------------------------------------------------------------------------------------
# what a good file means


def test_both_dependency_forms_give_the_same_edges() -> None:
    from_yaml = load_model_file(DATA / "good-both-forms.yaml")
    from_json = load_model_file(DATA / "good-both-forms.json")
    expected = {
        ("billing", "dc1", "located_at", "hard", 0),
        ("billing", "queue", "depends_on", "soft", 5400),
        ("queue", "dc1", "located_at", "hard", 0),
    }
    assert edges(from_yaml) == edges(from_json) == expected
    assert from_yaml.components == from_json.components
    billing = from_yaml.component("billing")
    assert (billing.tier, billing.rto, billing.mtpd, billing.tags) == (
        1,
        7200,
        86400,
        ("finance", "pci"),
    )


def test_short_forms_mean_hard_depends_on_without_tolerance_and_active_members() -> None:
    model = parse_model_text(
        """\
version: 1
components:
  - {id: a, kind: service}
  - {id: b, kind: service}
  - {id: g, kind: group, members: [a, {id: b, mode: standby, activation: 5m}]}
  - {id: c, kind: service, needs: [g]}
"""
    )
    [dep] = model.dependencies
    assert (dep.type, dep.strength, dep.tolerance) == ("depends_on", Strength.HARD, 0)
    members = model.component("g").members
    assert [(m.id, m.mode, m.activation) for m in members] == [
        ("a", MemberMode.ACTIVE, 0),
        ("b", MemberMode.STANDBY, 300),
    ]


def test_spec_example_file_is_the_worked_example_of_spec_section_3() -> None:
    model = load_model_file(EXAMPLES / "spec-example.yaml")
    kinds = {c.id: c.kind for c in model.components}
    assert kinds == {
        "dc1": Kind.SITE,
        "dc2": Kind.SITE,
        "san1": Kind.INFRASTRUCTURE,
        "host1": Kind.INFRASTRUCTURE,
        "host2": Kind.INFRASTRUCTURE,
        "db-primary": Kind.INFRASTRUCTURE,
        "db-standby": Kind.INFRASTRUCTURE,
        "db-cluster": Kind.GROUP,
        "fraud-svc": Kind.SERVICE,
        "payments-api": Kind.SERVICE,
        "card-payments": Kind.BUSINESS_SERVICE,
        "settlement-batch": Kind.SERVICE,
        "reporting": Kind.BUSINESS_SERVICE,
    }
    assert edges(model) == {
        ("san1", "dc1", "located_at", "hard", 0),
        ("host1", "dc1", "located_at", "hard", 0),
        ("host1", "san1", "depends_on", "hard", 0),
        ("host2", "dc2", "located_at", "hard", 0),
        ("db-primary", "host1", "runs_on", "hard", 0),
        ("db-standby", "host2", "runs_on", "hard", 0),
        ("fraud-svc", "host1", "runs_on", "hard", 0),
        ("payments-api", "host2", "runs_on", "hard", 0),
        ("payments-api", "db-cluster", "depends_on", "hard", 0),
        ("payments-api", "fraud-svc", "depends_on", "soft", 0),
        ("card-payments", "payments-api", "depends_on", "hard", 0),
        ("settlement-batch", "host1", "runs_on", "hard", 0),
        ("reporting", "settlement-batch", "depends_on", "hard", 4 * 3600),
    }
    cluster = model.component("db-cluster")
    assert cluster.min_up == 1
    assert [(m.id, m.mode, m.activation) for m in cluster.members] == [
        ("db-primary", MemberMode.ACTIVE, 0),
        ("db-standby", MemberMode.STANDBY, 1800),
    ]
    assert model.component("card-payments").rto == 4 * 3600


# ---------------------------------------------------------------------------------------------
# writing: write → load gives an equal model


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
@pytest.mark.parametrize(
    "source", ["good-both-forms.yaml", "good-both-forms.json", "../../examples/spec-example.yaml"]
)
def test_write_then_load_gives_an_equal_model(tmp_path: Path, source: str, suffix: str) -> None:
    model = load_model_file(DATA / source)
    out = tmp_path / f"out{suffix}"
    write_model_file(model, out)
    assert load_model_file(out) == model
    if suffix == ".json":
        assert json.loads(out.read_text())["version"] == 1


_ids = st.sampled_from(["a", "b", "c", "d", "no", "1234", "x y", "ünï"])


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    edge_list=st.lists(
        st.tuples(
            _ids,
            _ids,
            st.sampled_from(["depends_on", "runs_on", "replicates_to"]),
            st.sampled_from(["hard", "soft"]),
            st.sampled_from([0, 59, 5400, 90061]),
        ),
        max_size=12,
        unique_by=lambda e: (e[0], e[1], e[2]),
    ),
    suffix=st.sampled_from([".yaml", ".json"]),
)
def test_round_trip_holds_for_any_dependency_order(
    tmp_path: Path, edge_list: list[tuple[str, str, str, str, int]], suffix: str
) -> None:
    ids = ["a", "b", "c", "d", "no", "1234", "x y", "ünï"]
    doc = {
        "version": 1,
        "components": [{"id": i, "kind": "service", "rto": "1h"} for i in ids],
        "dependencies": [
            {"from": s, "to": t, "type": ty, "strength": st_, "tolerance": f"{tol}s"}
            for s, t, ty, st_, tol in edge_list
            if s != t
        ],
    }
    model = parse_model_text(json.dumps(doc), "gen.json")
    out = tmp_path / f"round{suffix}"
    write_model_file(model, out)
    assert load_model_file(out) == model


def test_writing_replaces_the_file_whole(tmp_path: Path) -> None:
    out = tmp_path / "m.yaml"
    out.write_text("old content that is much longer than the new model " * 100)
    write_model_file(parse_model_text("version: 1\ncomponents: [{id: a, kind: site}]\n"), out)
    assert out.read_text().startswith("version: 1")
    assert [p.name for p in tmp_path.iterdir()] == ["m.yaml"]


# ---------------------------------------------------------------------------------------------
# scenario files


def test_a_good_scenario_file() -> None:
    scenario = load_scenario_file(DATA / "scenario-good.yaml")
    assert scenario.name == "primary data centre lost"
    assert scenario.horizon == 12 * 3600
    assert scenario.failures == (
        Failure("dc1", 0, None),
        Failure("kind:supplier", 0, 3 * 3600),
        Failure("san1", 3600, 5400),
    )


def test_a_bad_scenario_file_names_the_file_and_every_problem() -> None:
    path = DATA / "scenario-bad.yaml"
    with pytest.raises(ScenarioError) as caught:
        load_scenario_file(path)
    lines = str(caught.value).splitlines()
    assert len(lines) == 3
    assert all(line.startswith(str(path)) for line in lines)
    text = str(caught.value)
    assert "failures[0]: field 'at'" in text and "'soon'" in text
    assert "failures[1]: unknown field 'lasts'" in text
    assert "field 'horizon'" in text and "unit-less" in text


def test_scenario_syntax_error_and_duplicate_key_give_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "s.yaml"
    broken.write_text("failures:\n  - {target: dc1\n")
    with pytest.raises(ScenarioError, match=r"s\.yaml:3: YAML syntax error"):
        load_scenario_file(broken)
    twice = tmp_path / "t.json"
    twice.write_text('{"failures": [{"target": "dc1"}],\n "horizon": "1h",\n "horizon": "2h"}')
    with pytest.raises(ScenarioError, match=r"t\.json:3: key 'horizon' is given twice"):
        load_scenario_file(twice)
    with pytest.raises(ScenarioError, match="cannot read the file"):
        load_scenario_file(tmp_path / "none.yaml")


# ---------------------------------------------------------------------------------------------
# a large file: the generator behind the 100k timing makes valid models


def test_the_large_model_generator_makes_a_valid_model(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(DATA))
    from large_model import write_large_model

    for suffix in (".yaml", ".json"):
        path = tmp_path / f"large{suffix}"
        write_large_model(2000, path)
        model = load_model_file(path)
        assert len(model.components) == 2000
        assert len(model.dependencies) > 2000


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_lines_are_right_deep_inside_a_large_file(tmp_path: Path, suffix: str) -> None:
    import sys

    sys.path.insert(0, str(DATA))
    from large_model import large_model_document

    doc = large_model_document(3000)
    victim = doc["components"][2500]
    victim["rto"] = 30
    victim["needs"].append("nowhere")
    path = tmp_path / f"large{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(doc, indent=1))
    else:
        import yaml

        path.write_text(yaml.safe_dump(doc, sort_keys=False))
    with pytest.raises(ModelError) as caught:
        load_model_file(path)
    lines = path.read_text().splitlines()
    marker = f'"id": "{victim["id"]}"' if suffix == ".json" else f"- id: {victim['id']}"
    start = next(n for n, line in enumerate(lines) if line.strip().rstrip(",") == marker)
    rto_line = next(n for n in range(start, len(lines)) if "rto" in lines[n]) + 1
    nowhere_line = next(n for n in range(start, len(lines)) if "nowhere" in lines[n]) + 1
    got = {(i.component, i.field, i.line) for i in caught.value.issues}
    assert got == {(victim["id"], "rto", rto_line), (victim["id"], "needs", nowhere_line)}
