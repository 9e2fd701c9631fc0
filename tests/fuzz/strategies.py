"""Hypothesis strategies for hostile input: model files, failures, scenario files and ids near
the model format (SPEC §5), made to break parsers, bounds, selectors and every output format.

A model is built as plain data first (so that most examples are close enough to valid to reach
``impact`` and ``recover``), then written as YAML or JSON text, and sometimes bent at the text
level: duplicate keys, deep nesting, truncation.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import yaml
from hypothesis import strategies as st

EDGE_TYPES = ["runs_on", "located_at", "depends_on", "x y", "1"]
KINDS = ["site", "infrastructure", "service", "business_service", "supplier", "group"]

#: ids shaped like everything an id must not be confused with
NASTY_IDS = [
    "kind:site", "type:vm", "tag:pci", "site:dc1", "supplier:x", "id:dc1",
    "a@1h+2h", "x+1h", "dc1@0", "@1h",
    "=cmd|' /C calc'!A0", "+1", "-2", "@SUM(A1)", "'quoted'", '"dq"', "a,b", "a;b",
    "<script>alert(1)</script>", "&amp;", "&#x41;", "]]>", "a|b", "*bold*", "`tick`",
    "a\rb", "a\nb", "a\tb", "\x1b[31mred\x1b[0m", "\x1b]8;;http://x\x07link", "bel\x07",
    "nul\x00x", "\u202eevil", "ｆｕｌｌ", "é", "😀", "\ufeffbom", "\u2028sep", " lead", "trail ",
    "#hash", "-", "?", ":", "!tag", "&anchor", "*alias", "null", "true", "1e9", ".inf", "~",
    "x" * 300,
]  # fmt: skip

ids = st.one_of(
    st.sampled_from(NASTY_IDS),
    st.text(min_size=1, max_size=10),
    st.text(
        st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs", "Cc"]),
        min_size=1,
        max_size=6,
    ),
)

#: numbers and durations near and past every bound
numbers = st.one_of(
    st.sampled_from([
        0, -1, 1, 2**31, 2**53, 2**63 - 1, 2**63, 2**64, 10**20, -(2**63), 10**400,
        float("nan"), float("inf"), float("-inf"), 1e308, 1e-320, -0.0, 0.5, True, False,
    ]),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
)  # fmt: skip
durations = st.one_of(
    numbers,
    st.sampled_from([
        "1h", "30m", "2d", "1h30m", "100y", "101y", "1e30s", "1e400s", "-1h",
        "9223372036854775807s",
        "PT1H", "∞", "inf", ".nan", "1 h", "", " ", "h", "1x", "0s", "3153600000s", "3153600001s",
    ]),
    st.text(max_size=8),
)  # fmt: skip
junk = st.one_of(
    numbers,
    st.text(max_size=8),
    st.none(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


#: values the model accepts, for the half of the examples meant to get past validation
TAME_DURATIONS = st.sampled_from(["1h", "30m", "2d", "0s", "36500d", 0, "1h30m"])
TAME_NUMBERS = st.sampled_from([0, 1, 2500, 1e12, 0.5])


@st.composite
def model_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A model as plain data: the right shape with hostile ids; in half of them (``wild``)
    hostile values in every field too."""
    wild = draw(st.booleans())
    durations_ = durations if wild else TAME_DURATIONS
    numbers_ = numbers if wild else TAME_NUMBERS
    junk_ = junk if wild else st.nothing()
    names = draw(st.lists(ids, min_size=1, max_size=7, unique=True))
    components: list[Any] = []
    for i, cid in enumerate(names):
        odd_kind = wild and draw(st.integers(0, 9)) == 0
        kind = draw(st.one_of(st.sampled_from(KINDS), junk) if odd_kind else st.sampled_from(KINDS))
        comp: dict[str, Any] = {"id": cid, "kind": kind}
        for field in ("recovery_time", "restart_time", "rto", "rpo", "mtpd"):
            if draw(st.integers(0, 3)) == 0:
                comp[field] = draw(durations_)
        if draw(st.booleans()):
            comp["impact_per_hour"] = draw(numbers_)
        if draw(st.integers(0, 3)) == 0:
            comp["tier"] = draw(st.one_of(st.integers(0, 10), junk) if wild else st.integers(1, 9))
        if draw(st.integers(0, 3)) == 0:
            comp["name"] = draw(st.one_of(ids, junk_))
        if draw(st.integers(0, 4)) == 0:
            comp["tags"] = draw(st.one_of(st.lists(ids, max_size=3), junk_))
        if draw(st.integers(0, 5)) == 0:
            comp["team"] = draw(ids)
        if wild and draw(st.integers(0, 6)) == 0:
            comp[draw(st.text(min_size=1, max_size=6))] = draw(junk)  # an unknown field
        others = names[:i] + names[i + 1 :]
        if kind == "group" and others:
            members = draw(st.lists(st.sampled_from(others), min_size=1, max_size=3))
            modes = ["active", "standby", "x"] if wild else ["active", "standby"]
            entry = _member(modes, durations_, wild)
            comp["members"] = [m if draw(st.booleans()) else draw(entry(m)) for m in members]
            if draw(st.booleans()):
                comp["min_up"] = draw(st.one_of(st.integers(-1, 4), junk) if wild else st.just(1))
        if others and draw(st.booleans()):
            needs: list[str] = draw(
                st.lists(st.sampled_from([*others, "ghost"] if wild else others), max_size=3)
            )
            comp["needs"] = [
                n if draw(st.booleans()) else {
                    "id": n,
                    "type": draw(st.sampled_from(EDGE_TYPES if wild else EDGE_TYPES[:3])),
                    "strength": draw(st.sampled_from(["hard", "soft", "weak"][: 3 if wild else 2])),
                    "tolerance": draw(durations_),
                }
                for n in needs
            ]  # fmt: skip
        components.append(comp)
    if wild and draw(st.integers(0, 15)) == 0:
        components.append(draw(junk))
    versions = [1, 1, 1, 2, "1", None] if wild else [1]
    document: dict[str, Any] = {"version": draw(st.sampled_from(versions)),
                                "components": components}  # fmt: skip
    if wild and draw(st.integers(0, 10)) == 0:
        document[draw(st.text(min_size=1, max_size=5))] = draw(junk)
    return document


def _member(
    modes: list[str], times: st.SearchStrategy[Any], wild: bool
) -> Callable[[str], st.SearchStrategy[dict[str, Any]]]:
    """A member entry of a group, by member id: ``{id, mode[, activation]}``."""

    @st.composite
    def entry(draw: st.DrawFn, member: str) -> dict[str, Any]:
        mode = draw(st.sampled_from(modes))
        out: dict[str, Any] = {"id": member, "mode": mode}
        if wild or mode == "standby":
            out["activation"] = draw(times)
        return out

    return entry


def _dumps(document: Any, form: str) -> str:
    if form == "json":
        # allow_nan: JSON files in the wild hold NaN and Infinity; the reader must refuse them
        return json.dumps(document, ensure_ascii=False, allow_nan=True)
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


@st.composite
def model_texts(draw: st.DrawFn) -> tuple[str, str]:
    """``(suffix, text)`` of a hostile model file: ``.yaml`` or ``.json``."""
    document = draw(model_documents())
    form = draw(st.sampled_from(["yaml", "json"]))
    text = _dumps(document, form)
    bend = draw(st.integers(0, 24))
    if bend == 0:  # a duplicate key
        text = text.replace('"kind"', '"kind": "site", "kind"', 1) if form == "json" else (
            text.replace("  kind:", "  kind: site\n  kind:", 1))  # fmt: skip
    elif bend == 1:  # deep nesting where a component should be
        depth = draw(st.integers(50, 5000))
        text = _dumps({"version": 1, "components": [{"id": "a", "kind": "site",
                       "tags": "[" * depth}]}, form).replace('"' + "[" * depth + '"',
                       "[" * depth + "]" * depth)  # fmt: skip
    elif bend == 2:  # truncated
        text = text[: draw(st.integers(0, max(0, len(text) - 1)))]
    elif bend == 3:  # a YAML alias bomb, small
        text = 'a: &a ["x","x","x","x"]\nb: &b [*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b]\n' + text
    return ("." + form, text)


def failure_specs(known: list[str]) -> st.SearchStrategy[str]:
    """``--fail`` values: known ids (bare or as ``id:<id>``), selectors and junk, with tame or
    hostile times."""
    mine = st.sampled_from(known) if known else ids
    target = st.one_of(
        mine,
        mine.map(lambda cid: f"id:{cid}"),
        st.sampled_from(["kind:site", "kind:nope", "type:", "tag:x", "site:dc1", "supplier:"]),
        ids,
    )
    tame_time = st.sampled_from(["", "@0", "@1h", "@30m"])
    tame_length = st.sampled_from(["", "+2h", "+1d"])
    time = st.one_of(tame_time, durations.map(lambda d: f"@{d}"))
    length = st.one_of(tame_length, durations.map(lambda d: f"+{d}"))
    return st.one_of(
        st.tuples(mine.map(lambda cid: f"id:{cid}"), tame_time, tame_length).map("".join),
        st.tuples(target, time, length).map("".join),
    )


@st.composite
def scenario_texts(draw: st.DrawFn, known: list[str]) -> str:
    """A scenario file (YAML): failures with targets, ``at`` and ``duration``, and a horizon."""
    failures = draw(st.lists(st.fixed_dictionaries(
        {"target": st.one_of(st.sampled_from(known) if known else ids, ids)},
        optional={"at": st.one_of(TAME_DURATIONS, durations),
                  "duration": st.one_of(TAME_DURATIONS, durations), "x": junk},
    ), max_size=3))  # fmt: skip
    document: Any = {"failures": failures}
    if draw(st.booleans()):
        document["horizon"] = draw(st.one_of(TAME_DURATIONS, durations))
    if draw(st.integers(0, 6)) == 0:
        document = draw(junk)
    return yaml.safe_dump(document, allow_unicode=True)
