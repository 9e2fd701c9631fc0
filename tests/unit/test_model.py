"""The model itself (SPEC §1, §2, §5): durations, the canonical form, cross-reference checks."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from impactgraph.errors import DurationError, ModelError
from impactgraph.model import (
    Component,
    Dependency,
    Kind,
    Member,
    MemberMode,
    Model,
    ModelIn,
    Strength,
    format_duration,
    model_to_document,
    parse_duration,
)

# ---------------------------------------------------------------------------------------------
# durations (SPEC §1)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("15m", 900),
        ("4h", 14400),
        ("2d", 172800),
        ("1w", 604800),
        ("1h30m", 5400),
        ("1d2h3m4s", 93784),
        ("1.5h", 5400),
        ("4H", 14400),
        (" 4h ", 14400),
        ("PT4H", 14400),
        ("P1DT2H", 93600),
        ("PT1H30M", 5400),
        ("PT90S", 90),
        ("P2D", 172800),
        ("P1W", 604800),
        ("pt4h", 14400),
        ("0", 0),
        (0, 0),
        ("0s", 0),
    ],
)
def test_accepted_spellings(text: object, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("-5m", "negative"),
        ("-PT4H", "negative"),
        (-30, "negative"),
        (30, "unit-less"),
        ("30", "unit-less"),
        ("2.5", "unit-less"),
        ("", "cannot read"),
        ("h", "cannot read"),
        ("4 hours", "cannot read"),
        ("4h 30m", "cannot read"),
        ("P", "cannot read"),
        ("PT", "cannot read"),
        ("P1H", "cannot read"),
        ("1h1h", "repeats a unit"),
        (True, "not a duration"),
        ([1], "not a duration"),
        (None, "required"),
        ("inf", "required"),
    ],
)
def test_rejected_values_say_why(value: object, fragment: str) -> None:
    with pytest.raises(DurationError, match=fragment):
        parse_duration(value)


@pytest.mark.parametrize("value", [None, "inf", "∞", "forever", "Infinity", float("inf")])
def test_infinity_only_where_allowed(value: object) -> None:
    assert parse_duration(value, allow_infinite=True) is None


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=10**9))
def test_format_then_parse_is_identity(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


def test_format_duration_is_compact() -> None:
    assert [format_duration(s) for s in (0, 59, 60, 3600, 5400, 86400, 93784, None)] == [
        "0s", "59s", "1m", "1h", "1h30m", "1d", "1d2h3m4s", "∞",
    ]  # fmt: skip


def test_in_python_an_int_is_seconds_but_a_string_needs_its_unit() -> None:
    assert Component(id="a", kind=Kind.SITE, rto=90).rto == 90
    assert Component(id="a", kind=Kind.SITE, rto="90m").rto == 5400
    with pytest.raises(ValueError, match="unit-less"):
        Component(id="a", kind=Kind.SITE, rto="90")
    with pytest.raises(ValueError, match="negative"):
        Dependency(source="a", target="b", tolerance=-1)


# ---------------------------------------------------------------------------------------------
# canonical form and cross-references (SPEC §2, §5)


def comp(cid: str, kind: Kind = Kind.SERVICE, **kw: object) -> Component:
    return Component(id=cid, kind=kind, **kw)  # type: ignore[arg-type]


def test_kind_aliases_and_dependency_type_spelling_are_normalised() -> None:
    assert comp("a", "application").kind is Kind.SERVICE  # type: ignore[arg-type]
    assert Dependency(source="a", target="b", type="Runs-On").type == "runs_on"
    with pytest.raises(ValueError, match="must be a word"):
        Dependency(source="a", target="b", type="runs on!")


def test_build_reports_every_cross_reference_problem_at_once() -> None:
    components = [
        comp("a"),
        comp("a"),
        comp("g", Kind.GROUP),
        comp("h", Kind.GROUP, min_up=2, members=(Member(id="a"),)),
        comp("s", min_up=1, members=(Member(id="a"),)),
    ]
    deps = [
        Dependency(source="a", target="nowhere"),
        Dependency(source="ghost", target="a"),
        Dependency(source="s", target="s"),
        Dependency(source="s", target="a", type="runs_on"),
        Dependency(source="s", target="a", type="runs_on", strength=Strength.SOFT),
    ]
    with pytest.raises(ModelError) as caught:
        Model.build(components, deps)
    got = {(i.component, i.field, i.path) for i in caught.value.issues}
    assert got == {
        ("a", "id", ("components", 1, "id")),
        ("g", "members", ("components", 2)),
        ("h", "min_up", ("components", 3, "min_up")),
        ("s", "members", ("components", 4, "members")),
        ("s", "min_up", ("components", 4, "min_up")),
        ("a", "needs", ("dependencies", 0)),
        ("ghost", "from", ("dependencies", 1)),
        ("s", "needs", ("dependencies", 2)),
        ("s", "needs", ("dependencies", 4)),  # the same edge given twice
    }


def test_group_members_must_exist_be_distinct_and_not_the_group() -> None:
    g = comp(
        "g",
        Kind.GROUP,
        members=(
            Member(id="a"),
            Member(id="a"),
            Member(id="g"),
            Member(id="zz"),
            Member(id="b", mode=MemberMode.ACTIVE, activation=60),
        ),
    )
    with pytest.raises(ModelError) as caught:
        Model.build([comp("a"), comp("b"), g])
    messages = sorted(i.message for i in caught.value.issues)
    assert messages == [
        "a group cannot be its own member",
        "activation applies to standby members only",
        "member 'a' is listed twice",
        "member 'zz' is not a component in the model",
    ]


def test_a_valid_group_with_a_standby() -> None:
    g = comp(
        "g",
        Kind.GROUP,
        min_up=1,
        members=(Member(id="a"), Member(id="b", mode=MemberMode.STANDBY, activation=1800)),
    )
    model = Model.build([comp("a"), comp("b"), g])
    assert model.component("g").members[1].activation == 1800


def test_from_input_equals_the_model_built_in_python() -> None:
    spec = ModelIn.model_validate(
        {
            "version": 1,
            "components": [
                {"id": "a", "kind": "site"},
                {"id": "b", "kind": "service", "rto": "1h", "tags": "web"},
                {
                    "id": "g",
                    "kind": "group",
                    "members": ["b", {"id": "a", "mode": "standby", "activation": "5m"}],
                },
                {"id": "c", "kind": "service", "needs": ["g", {"id": "a", "tolerance": "1m"}]},
            ],
            "dependencies": [{"from": "b", "to": "a", "type": "located_at"}],
        }
    )
    built = Model.build(
        [
            comp("a", Kind.SITE),
            comp("b", rto=3600, tags=("web",)),
            comp(
                "g",
                Kind.GROUP,
                members=(Member(id="b"), Member(id="a", mode=MemberMode.STANDBY, activation=300)),
            ),
            comp("c"),
        ],
        [
            Dependency(source="c", target="g"),
            Dependency(source="c", target="a", tolerance=60),
            Dependency(source="b", target="a", type="located_at"),
        ],
    )
    loaded = Model.from_input(spec)
    assert loaded == built
    assert type(loaded.components[2].members[0]) is Member
    assert loaded.components[1].model_dump() == built.components[1].model_dump()
    assert hash(loaded.dependencies[0]) == hash(built.dependencies[0])


# ---------------------------------------------------------------------------------------------
# model → document


def test_document_uses_needs_when_the_order_allows_it() -> None:
    model = Model.build(
        [comp("a", Kind.SITE), comp("b"), comp("c")],
        [
            Dependency(source="b", target="a"),
            Dependency(source="c", target="a", type="located_at"),
            Dependency(source="c", target="b", strength=Strength.SOFT, tolerance=5400),
        ],
    )
    doc = model_to_document(model)
    assert "dependencies" not in doc
    assert doc["components"][1]["needs"] == ["a"]
    assert doc["components"][2]["needs"] == [
        {"id": "a", "type": "located_at"},
        {"id": "b", "strength": "soft", "tolerance": "1h30m"},
    ]
    assert Model.from_input(ModelIn.model_validate(doc)) == model


def test_document_keeps_any_other_dependency_order_in_the_top_level_list() -> None:
    model = Model.build(
        [comp("a", Kind.SITE), comp("b"), comp("c")],
        [Dependency(source="c", target="a"), Dependency(source="b", target="a")],
    )
    doc = model_to_document(model)
    assert doc["dependencies"] == [{"from": "c", "to": "a"}, {"from": "b", "to": "a"}]
    assert all("needs" not in c for c in doc["components"])
    assert Model.from_input(ModelIn.model_validate(doc)) == model


def test_document_keeps_an_unset_min_up_unset() -> None:
    model = Model.build([comp("a"), comp("g", Kind.GROUP, members=(Member(id="a"),))])
    doc = model_to_document(model)
    assert "min_up" not in doc["components"][1]
    assert Model.from_input(ModelIn.model_validate(doc)) == model
