"""Spreadsheets (CSV named after the model's fields) → the model."""

from __future__ import annotations

from pathlib import Path

import pytest

from impactgraph.importers import (
    ImportInputError,
    Named,
    load_mapping,
    read_csv,
    template_texts,
    write_template,
)
from impactgraph.model import Kind, MemberMode, Strength
from importers.conftest import edges, worst_states


def template() -> tuple[Named, Named, Named]:
    files = template_texts()
    return (
        Named("components.csv", files["components.csv"]),
        Named("dependencies.csv", files["dependencies.csv"]),
        Named("members.csv", files["members.csv"]),
    )


def test_the_template_imports_into_a_working_estate() -> None:
    m = read_csv(*template()).model
    card = m.component("card-payments")
    assert (card.kind, card.tier, card.rto, card.mtpd, card.impact_per_hour, card.tags) == (
        Kind.BUSINESS_SERVICE,
        1,
        4 * 3600,
        86400,
        50000.0,
        ("pci", "customer-facing"),
    )
    assert (card.source, card.external_id) == ("csv", "card-payments")
    cluster = m.component("db-cluster")
    assert [(x.id, x.mode, x.activation) for x in cluster.members] == [
        ("db-primary", MemberMode.ACTIVE, 0),
        ("db-standby", MemberMode.STANDBY, 1800),
    ]
    assert ("card-payments", "payments-api", "depends_on") in edges(m)
    tolerant = [d for d in m.dependencies if d.tolerance]
    assert [(d.source, d.tolerance, d.strength) for d in tolerant] == [
        ("card-payments", 300, Strength.HARD)
    ]
    # dc1 lost: the primary fails, the standby takes over after 30 minutes
    assert worst_states(m, "dc1") == {
        "dc1": "DOWN",
        "host1": "DOWN",
        "host2": "DOWN",
        "db-primary": "DOWN",
        "db-standby": "DOWN",
        "db-cluster": "DOWN",
        "payments-api": "DOWN",
        "card-payments": "DOWN",
    }


def test_renamed_columns_through_the_mapping() -> None:
    mapping = load_mapping("csv", text="fields: {id: Asset, kind: Kind, tier: Criticality}")
    m = read_csv(Named("c.csv", "Asset,Kind,Criticality\napp,service,2\n"), mapping=mapping).model
    assert m.component("app").tier == 2


@pytest.mark.parametrize(
    ("components", "dependencies", "expected"),
    [
        ("id,kind,tir\n", "", "c.csv:1: field 'tir': unknown column 'tir'; did you mean 'tier'?"),
        ("id,name\n", "", "c.csv:1: the header has no 'kind' column"),
        ("id,kind,rto\na,service,4\n", "",
         "c.csv:2: component 'a', field 'rto': unit-less duration '4' is ambiguous"),
        ("id,kind,tier\na,service,12\n", "", "c.csv:2: component 'a', field 'tier': 12 is not"),
        ("id,kind\na,cloud\n", "", "c.csv:2: component 'a', field 'kind':"),
        ("id,kind\na,service\na,site\n", "", "c.csv:3: component 'a', field 'id': duplicate id"),
        ("id,kind\na,service\nb,site\n", "from,to,strength\na,b,maybe\n",
         "d.csv:2: field 'strength':"),
        ("id,kind\na,service\n", "from,to\na,a\n",
         "d.csv:2: component 'a', field 'needs': a component cannot depend on itself"),
        ('id,kind\n"a,service\n', "", "c.csv:2: not CSV"),
        ("id,kind\na,service,extra\n", "", "c.csv:2: 3 cells, but the header has 2 columns"),
    ],
)  # fmt: skip
def test_bad_sheets_name_file_line_and_column(
    components: str, dependencies: str, expected: str
) -> None:
    deps = Named("d.csv", dependencies) if dependencies else None
    with pytest.raises(ImportInputError) as e:
        read_csv(Named("c.csv", components), deps)
    assert expected in str(e.value)


def test_dangling_rows_are_skipped_or_errors_with_strict() -> None:
    comps = Named("c.csv", "id,kind\na,service\nb,site\n")
    deps = Named("d.csv", "from,to,type\na,b,located_at\na,zz,depends_on\n")
    result = read_csv(comps, deps)
    assert edges(result.model) == {("a", "b", "located_at")}
    assert [(t.reason, t.what, t.examples) for t in result.report.skipped] == [
        ("dangling_reference", "zz", ("d.csv:3",))
    ]
    with pytest.raises(ImportInputError) as e:
        read_csv(comps, deps, strict=True)
    assert "d.csv:3: field 'to': 'zz' is not a component" in str(e.value)


def test_write_template_refuses_to_overwrite(tmp_path: Path) -> None:
    written = write_template(tmp_path / "sheets")
    assert [p.name for p in written] == ["components.csv", "dependencies.csv", "members.csv"]
    with pytest.raises(ImportInputError, match="exists already"):
        write_template(tmp_path / "sheets")
    components, dependencies, members = written
    assert read_csv(components, dependencies, members).model == read_csv(*template()).model
