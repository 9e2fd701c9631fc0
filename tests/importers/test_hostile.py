"""Hostile input through every importer, in process: ServiceNow exports (JSON and CSV, Table
API and IRE shapes), Backstage catalogs (multi-document YAML, catalog API JSON), CSV sheets
and mapping files, built near the shapes the sources document and then bent.

Properties: the exit code is 0 or 2, never a traceback or an "internal error"; an import that
succeeds writes a model file that validates. Bounded: a few hundred examples per reader,
derandomized, no shrinking unless ``IMPACTGRAPH_FUZZ_SHRINK=1``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from impactgraph.cli.main import cli
from impactgraph.modelfile import load_model_file

FUZZ = settings(
    deadline=None,
    max_examples=150,
    phases=[Phase.explicit, Phase.generate]
    + ([Phase.shrink] if os.environ.get("IMPACTGRAPH_FUZZ_SHRINK") == "1" else []),
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)

WORDS = [
    "sys_id", "name", "sys_class_name", "parent", "child", "type", "value", "display_value",
    "link", "result", "records", "items", "relations", "className", "values", "internal_id",
    "business_criticality", "support_group", "install_status", "owned_by",
    "cmdb_ci_linux_server", "cmdb_ci_cluster", "cmdb_ci_service", "cmdb_rel_ci",
    "Depends on::Used by", "Members::Member of", "Cluster of::Cluster", "Runs on::Runs",
    "1a9cb166f1571100a92eb60da2bce5c5", "a1", "a2", "7", "Retired", "", " ", "::", "x" * 200,
    "apiVersion", "kind", "metadata", "spec", "namespace", "dependsOn", "dependencyOf",
    "consumesApis", "providesApis", "system", "owner", "lifecycle", "tags", "annotations",
    "Component", "Resource", "System", "API", "Group", "component:a", "resource:b",
    "api:default/c", "default/a", "a", "b", "c", "impactgraph.dev/tier", "impactgraph.dev/rto",
    "\x00", "\u202e", "😀", "=cmd", "kind:x/y/z", ":", "/", "4h", "-1h", "1e400",
    "1 - most critical",
]  # fmt: skip

scalars = st.one_of(
    st.sampled_from(WORDS),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(max_size=8),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(WORDS), inner, max_size=5),
    ),
    max_leaves=25,
)


def _ci() -> st.SearchStrategy[dict[str, Any]]:
    ref = st.one_of(
        st.sampled_from(["a1", "a2", "a3", ""]),
        st.fixed_dictionaries(
            {"value": st.sampled_from(["a1", "a2", "zz"]), "display_value": scalars}
        ),
        values,
    )
    return st.fixed_dictionaries(
        {},
        optional={
            "sys_id": ref,
            "name": scalars,
            "sys_class_name": st.sampled_from(
                [
                    "cmdb_ci_linux_server",
                    "cmdb_ci_cluster",
                    "cmdb_ci_service",
                    "cmdb_rel_ci",
                    "Linux Server",
                    "",
                    "x",
                ]
            )
            | values,
            "parent": ref,
            "child": ref,
            "type": st.sampled_from(WORDS) | ref,
            "business_criticality": scalars,
            "install_status": scalars,
            "support_group": ref,
        },
    )


servicenow_docs = st.one_of(
    st.builds(lambda rows: {"result": rows}, st.lists(_ci() | values, max_size=8)),
    st.builds(
        lambda items, rels: {"items": items, "relations": rels},
        st.lists(
            st.fixed_dictionaries(
                {
                    "className": st.sampled_from(["cmdb_ci_linux_server", "cmdb_ci_cluster"])
                    | values
                },
                optional={
                    "values": st.dictionaries(st.sampled_from(WORDS), scalars, max_size=3) | values,
                    "internal_id": scalars,
                },
            ),
            max_size=5,
        ),
        st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "parent": st.integers(-2, 6) | scalars,
                    "child": st.integers(-2, 6) | scalars,
                    "type": scalars,
                },
            ),
            max_size=5,
        )
        | values,
    ),
    values,
)


def _entity() -> st.SearchStrategy[Any]:
    refs = st.lists(st.sampled_from(WORDS) | scalars, max_size=4) | scalars
    return st.one_of(
        st.fixed_dictionaries(
            {
                "kind": st.sampled_from(["Component", "Resource", "System", "API", "Group", "X"])
                | scalars,
                "metadata": st.fixed_dictionaries(
                    {"name": st.sampled_from(["a", "b", "c", "A"]) | scalars},
                    optional={
                        "namespace": st.sampled_from(["default", "p"]) | scalars,
                        "title": scalars,
                        "tags": refs,
                        "annotations": st.dictionaries(st.sampled_from(WORDS), scalars, max_size=3),
                    },
                ),
            },
            optional={
                "spec": st.fixed_dictionaries(
                    {},
                    optional={
                        k: refs
                        for k in (
                            "dependsOn",
                            "dependencyOf",
                            "consumesApis",
                            "providesApis",
                            "system",
                            "owner",
                            "type",
                            "lifecycle",
                            "subcomponentOf",
                        )
                    },
                )
                | values
            },
        ),
        values,
    )


def _bend(text: str, how: int) -> str:
    if how == 1:
        return text[: len(text) // 2]
    if how == 2:
        return text.replace(",", ",,", 1)
    if how == 3:
        return "\ufeff" + text
    return text


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="impactgraph-import-fuzz-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def run(*args: str | Path) -> Result:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=True)
    shown = f"impactgraph {' '.join(map(str, args))}\n{result.output}"
    assert "Traceback" not in result.output, shown
    assert "internal error" not in result.output, shown
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{shown}\nescaped: {result.exception!r}")
    assert result.exit_code in (0, 2), shown
    return result


def _imported(result: Result, out: Path) -> None:
    event(f"exit {result.exit_code}")
    if result.exit_code == 0:
        load_model_file(out)  # what was written is a valid model
    out.unlink(missing_ok=True)


@FUZZ
@given(st.lists(servicenow_docs, min_size=1, max_size=3), st.integers(0, 3), st.booleans())
def test_servicenow_exports(workdir: Path, docs: list[Any], how: int, strict: bool) -> None:
    files = []
    for i, doc in enumerate(docs):
        path = workdir / f"sn{i}.json"
        path.write_text(_bend(json.dumps(doc), how), encoding="utf-8")
        files.append(path)
    out = workdir / "sn.yaml"
    args: list[str | Path] = ["import", "servicenow", *files, "-o", out]
    args += ["--strict"] if strict else []
    _imported(run(*args), out)


@FUZZ
@given(
    st.lists(st.lists(st.sampled_from(WORDS) | st.text(max_size=5), max_size=6), max_size=6),
    st.sampled_from([",", ";", "\t"]),
)
def test_servicenow_csv(workdir: Path, rows: list[list[str]], sep: str) -> None:
    text = "\n".join(sep.join(f'"{c}"' if i % 2 else c for i, c in enumerate(r)) for r in rows)
    path = workdir / "sn.csv"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    out = workdir / "snc.yaml"
    _imported(run("import", "servicenow", path, "-o", out), out)


@FUZZ
@given(st.lists(_entity(), max_size=6), st.booleans(), st.integers(0, 3))
def test_backstage_catalogs(workdir: Path, entities: list[Any], as_json: bool, how: int) -> None:
    if as_json:
        path = workdir / "entities.json"
        text = json.dumps({"items": entities} if how == 2 else entities)
    else:
        path = workdir / "catalog-info.yaml"
        text = yaml.safe_dump_all(entities, allow_unicode=True) if entities else ""
        if how == 1:  # aliases, merge keys and stray markers
            text = "a: &x [1, 2]\nb: [*x, *x]\n---\n<<: {kind: Component}\n...\n" + text
    path.write_text(_bend(text, 3 if how == 3 else 0), encoding="utf-8", errors="surrogatepass")
    out = workdir / "bs.yaml"
    _imported(run("import", "backstage", path, "-o", out), out)


cells = st.sampled_from(
    [
        "a",
        "b",
        "g",
        "site",
        "service",
        "group",
        "4h",
        "1",
        "x",
        "",
        "standby",
        "30m",
        "soft",
        "depends_on",
        "a;b",
        "=1+1",
        '"',
        "1e400",
        "-1",
    ]
)
EXTRA = ["name", "tier", "rto", "min_up", "tags", "type", "strength", "tolerance", "mode",
         "activation", "colour", "id", "kind"]  # fmt: skip


def headers(required: list[str]) -> st.SearchStrategy[list[str]]:
    """Mostly the required columns first, then some others (or a wrong one)."""
    extra = st.lists(st.sampled_from(EXTRA), max_size=3)
    return st.one_of(
        st.builds(lambda more: required + more, extra),
        st.builds(lambda more: required + more, extra),
        st.lists(st.sampled_from(EXTRA + required), min_size=1, max_size=5),
    )


@FUZZ
@given(
    st.tuples(headers(["id", "kind"]), st.lists(st.lists(cells, max_size=4), max_size=5)),
    st.tuples(headers(["from", "to"]), st.lists(st.lists(cells, max_size=4), max_size=5)),
    st.tuples(headers(["group", "member"]), st.lists(st.lists(cells, max_size=4), max_size=4))
    | st.none(),
)
def test_csv_sheets(workdir: Path, comps: Any, deps: Any, members: Any) -> None:
    args: list[str | Path] = ["import", "csv"]
    for option, table in (
        ("--components", comps),
        ("--dependencies", deps),
        ("--members", members),
    ):
        if table is None:
            continue
        header, rows = table
        path = workdir / f"{option[2:]}.csv"
        path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
        args += [option, path]
    out = workdir / "csv.yaml"
    _imported(run(*args, "-o", out), out)


@FUZZ
@given(values)
def test_mapping_files(workdir: Path, doc: Any) -> None:
    path = workdir / "mapping.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    for source in ("servicenow", "backstage", "csv"):
        run("import", source, "--print-mapping", "--mapping", path)


@pytest.mark.parametrize(
    ("source", "name", "text"),
    [
        ("servicenow", "big.json", '{"result": [{"sys_id": ' + "9" * 5000 + "}]}"),
        ("backstage", "big.yaml", "kind: Component\nmetadata: {name: " + "9" * 5000 + "}\n"),
        ("backstage", "tag.yaml", "kind: !!python/object:os.system x\n"),
        ("backstage", "bomb.yaml", "a: &a [1, 2]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
         + "".join(f"c{i}: &c{i} [*{'b' if i == 0 else f'c{i - 1}'}] \n" for i in range(40))),
        ("servicenow", "nul.json", '{"result": [{"sys_id": "\\u0000", "sys_class_name": "x"}]}'),
        ("servicenow", "deep.json", "[" * 100_000 + "]" * 100_000),
    ],
)  # fmt: skip
def test_known_hostile_files(workdir: Path, source: str, name: str, text: str) -> None:
    path = workdir / name
    path.write_text(text, encoding="utf-8")
    run("import", source, path, "-o", workdir / "known.yaml")
