"""Bounds on every input (docs/semantics.md, "Bounds"): reading stops at a size, YAML aliases
and node counts are capped before anything expands, quoted values are shortened, error lists
are capped — and every id, whatever it holds, can be failed."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from impactgraph.cli.main import cli
from impactgraph.document import DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_NODES
from impactgraph.engine.scenario import (
    Scenario,
    failure_spec,
    id_target,
    parse_failure,
    resolve,
    scenario_from_document,
    select,
)
from impactgraph.errors import (
    MAX_LISTED_ISSUES,
    ModelError,
    ScenarioError,
    UnknownComponentError,
    quote,
)
from impactgraph.graph import Graph
from impactgraph.model import Component, Dependency, Kind, Model
from impactgraph.modelfile import load_model_file, parse_model_text
from impactgraph.scenariofile import load_scenario_file


def _laughs(levels: int = 9) -> str:
    lines = ["version: 1", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghijkl"
    for i in range(1, levels):
        lines.append(f"{names[i]}: &{names[i]} [" + ",".join([f"*{names[i - 1]}"] * 9) + "]")
    lines.append(f"components: *{names[levels - 1]}")
    return "\n".join(lines) + "\n"


def test_defaults() -> None:
    assert DEFAULT_MAX_FILE_BYTES == 256 * 1024 * 1024 and DEFAULT_MAX_NODES == 20_000_000


def test_a_billion_laughs_stops_before_expanding() -> None:
    start = time.perf_counter()
    with pytest.raises(ModelError) as e:
        parse_model_text(_laughs(), "lol.yaml")
    assert time.perf_counter() - start < 5
    assert "expands (through YAML aliases)" in str(e.value) and len(str(e.value)) < 400


def test_alias_expansion_under_the_cap_quotes_values_shortened(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 9**6 ≈ 530k nodes: under the cap, so validation runs and reports the lists it found
    with pytest.raises(ModelError) as e:
        parse_model_text(_laughs(6), "lol.yaml")
    assert max(len(line) for line in str(e.value).splitlines()) < 300
    monkeypatch.setenv("IMPACTGRAPH_MAX_NODES", "1000")
    with pytest.raises(ModelError, match="more than 1,000 values"):
        parse_model_text(_laughs(6), "lol.yaml")


def test_a_recursive_alias_is_refused() -> None:
    with pytest.raises(ModelError, match="alias refers to a node that contains it"):
        parse_model_text("version: 1\ncomponents: &c [*c]\n", "r.yaml")


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_node_count_is_capped_before_parsing(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMPACTGRAPH_MAX_NODES", "5000")
    text = json.dumps({"version": 1, "components": [0] * 10_000})
    with pytest.raises(ModelError, match="more than 5,000 values"):
        parse_model_text(text, f"m.{fmt}", fmt)  # type: ignore[arg-type]


def test_file_size_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "m.yaml"
    big.write_text("version: 1\ncomponents: []\n" + "#" * 2000 + "\n")
    monkeypatch.setenv("IMPACTGRAPH_MAX_FILE_BYTES", "1000")
    with pytest.raises(ModelError, match="larger than 1,000 bytes"):
        load_model_file(big)
    scenario = tmp_path / "s.yaml"
    scenario.write_text("failures: [dc1]\n" + "#" * 2000 + "\n")
    with pytest.raises(ScenarioError, match="larger than 1,000 bytes"):
        load_scenario_file(scenario)
    monkeypatch.setenv("IMPACTGRAPH_MAX_FILE_BYTES", "lots")
    with pytest.raises(ModelError, match="IMPACTGRAPH_MAX_FILE_BYTES"):
        load_model_file(big)


def test_validate_dev_zero_stops_quickly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMPACTGRAPH_MAX_FILE_BYTES", str(1 << 20))
    start = time.perf_counter()
    result = CliRunner().invoke(cli, ["validate", "/dev/zero"])
    assert result.exit_code == 2, result.output
    assert "larger than" in result.output and time.perf_counter() - start < 5


def test_quote_shortens_any_value() -> None:
    assert quote("dc1") == "'dc1'"
    assert len(quote("x" * 10**6)) == 80 and quote("x" * 10**6).endswith("…")
    assert len(quote(list(range(10**5)))) <= 80
    assert quote(10**5000) == "an integer of about 5000 digits"


def test_long_values_are_quoted_shortened_in_model_errors() -> None:
    long = "x" * 100_000
    doc = {"version": 1, "components": [{"id": long, "kind": long, long: 1}]}
    with pytest.raises(ModelError) as e:
        parse_model_text(json.dumps(doc), "m.json")
    assert len(e.value.issues) == 2
    assert all(len(line) < 400 for line in str(e.value).splitlines())


def test_long_values_are_quoted_shortened_in_scenario_errors() -> None:
    long = "y" * 100_000
    for spec in (long + "@" + long, f"dc1+{long}"):
        with pytest.raises(ScenarioError) as e:
            parse_failure(spec)
        assert len(str(e.value)) < 400
    graph = Graph.from_model(Model.build([Component(id="a", kind=Kind.SITE)]))
    with pytest.raises(UnknownComponentError) as u:
        select(graph, long)
    assert len(str(u.value)) < 400


def test_error_lists_are_capped_and_counted_and_fast() -> None:
    n = 40_000
    lines = ["version: 1", "components:"]
    lines += [f"  - {{id: c{i}, kind: service, bogus{i % 7}: 1}}" for i in range(n)]
    start = time.perf_counter()
    with pytest.raises(ModelError) as e:
        parse_model_text("\n".join(lines) + "\n", "m.yaml")
    elapsed = time.perf_counter() - start
    assert len(e.value.issues) == n  # every issue is still there, with its line
    assert e.value.issues[-1].line == n + 2 and e.value.issues[-1].component == f"c{n - 1}"
    message = str(e.value)
    assert message.startswith(f"{n} errors in model:")
    assert message.count("\n") == MAX_LISTED_ISSUES + 1
    assert message.endswith(f"… and {n - MAX_LISTED_ISSUES} more")
    assert elapsed < 8  # 11 s before this bound; about 2 s now


def test_scenario_problem_lists_are_capped() -> None:
    doc = {"failures": [{"target": "a", f"x{i}": 1} for i in range(500)]}
    with pytest.raises(ScenarioError) as e:
        scenario_from_document(doc, "s.yaml")
    assert str(e.value).count("\n") == 100 and str(e.value).endswith("… and 400 more")


# --------------------------------------------------------------------------------------------
# ids (docs/semantics.md, "Ids and selectors")


def _graph(*ids: str) -> Graph:
    return Graph.from_model(
        Model.build(
            [
                Component(id="dc1", kind=Kind.SITE),
                *(Component(id=i, kind=Kind.SERVICE) for i in ids),
            ],
            [Dependency.model_validate({"from": i, "to": "dc1"}) for i in ids],
        )
    )


def test_id_prefix_names_an_id_shaped_like_a_selector() -> None:
    graph = _graph("kind:site", "x+1h", "a@b")
    assert [graph.ids[v] for v in select(graph, "kind:site")] == ["dc1"]  # the selector
    assert [graph.ids[v] for v in select(graph, "id:kind:site")] == ["kind:site"]
    failure = parse_failure('id:"x+1h"@1h+2h')
    assert (failure.target, failure.at, failure.duration) == ("id:x+1h", 3600, 7200)
    assert parse_failure('id:"a@b"').target == "id:a@b"
    assert parse_failure("id:dc1@1h").target == "id:dc1"
    with pytest.raises(ScenarioError, match="not a JSON string"):
        parse_failure('id:"unterminated')
    with pytest.raises(UnknownComponentError):
        select(graph, "id:nope")


def test_scenario_files_take_id_targets_literally() -> None:
    scenario = scenario_from_document({"failures": [{"target": "id:x+1h", "at": "1h"}]})
    graph = _graph("x+1h")
    roots = resolve(graph, scenario)
    assert [(r.id, r.at) for r in roots] == [("x+1h", 3600)]


def test_command_line_fails_an_id_shaped_like_failure_syntax(tmp_path: Path) -> None:
    model = tmp_path / "m.yaml"
    model.write_text(
        "version: 1\ncomponents:\n  - {id: dc1, kind: site}\n"
        "  - {id: 'kind:site', kind: service, needs: [dc1]}\n"
        "  - {id: 'x+1h', kind: service, needs: [dc1]}\n"
    )
    for spec, root in (('id:"x+1h"@1h', "x+1h"), ("id:kind:site", "kind:site")):
        result = CliRunner().invoke(
            cli, ["impact", "--model", str(model), "--fail", spec, "--format", "json"]
        )
        assert result.exit_code == 0, result.output
        assert [f["id"] for f in json.loads(result.output)["scenario"]["failures"]] == [root]


ids = st.text(
    alphabet=st.one_of(
        st.sampled_from(":@+\"\\ \t,{}[]#&*!|>%'-."),
        st.characters(exclude_categories=["Cs"]),
    ),
    min_size=1,
    max_size=20,
)


@settings(max_examples=150, deadline=None)
@given(component_id=ids)
def test_every_valid_id_can_be_failed(component_id: str) -> None:
    graph = _graph(component_id) if component_id != "dc1" else _graph()
    for at, duration in (("", ""), ("@2h", ""), ("@1h", "+30m"), ("", "+inf")):
        failure = parse_failure(failure_spec(component_id) + at + duration)
        roots = resolve(graph, Scenario((failure,)))
        assert [r.id for r in roots] == [component_id]
    roots = resolve(graph, Scenario((parse_failure(failure_spec(component_id)),)))
    assert roots[0].at == 0 and roots[0].end is None
    file_form = scenario_from_document({"failures": [{"target": id_target(component_id)}]})
    assert [r.id for r in resolve(graph, file_form)] == [component_id]


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_a_number_past_pythons_digit_limit_is_a_model_error(fmt: str, tmp_path: Path) -> None:
    """An integer of 5,000 digits: Python refuses to convert it (ValueError); the reader says
    so as a model error, exit 2, never an internal error."""
    digits = "9" * 5000
    if fmt == "json":
        text = (
            '{"version": 1,\n "components": [{"id": "a", "kind": "site", "tier": ' + digits + "}]}"
        )
    else:
        text = f"version: 1\ncomponents:\n- id: a\n  kind: site\n  tier: {digits}\n"
    with pytest.raises(ModelError, match="more than 4300 digits") as err:
        parse_model_text(text, f"m.{fmt}")
    if fmt == "json":
        assert err.value.issues[0].line == 2
    path = tmp_path / f"m.{fmt}"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
