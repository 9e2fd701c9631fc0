"""Machine- and document-readable answers: JSON, CSV and Markdown of impacts, chains and deps.

JSON of an impact is exactly :meth:`Impact.as_dict` (SPEC §5). CSV has one row per interval
(times in seconds, an empty ``to`` for ∞); Markdown is the table a planner pastes into a report.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from impactgraph.engine.explain import Hop
from impactgraph.engine.impact import Impact, Interval, State
from impactgraph.graph import Graph
from impactgraph.model import format_duration
from impactgraph.render.timeline import (
    causes_text,
    exceeds,
    failures_text,
    hop_reason,
    longest_down,
    ordered,
    span_text,
    timeline_text,
)

IMPACT_CSV_HEADER = ("component", "kind", "state", "from", "to", "rule", "via")
SNAPSHOT_CSV_HEADER = ("component", "kind", "state", "from", "to", "rule", "via")
DEPS_CSV_HEADER = ("component", "kind", "depth", "name")
CHAIN_CSV_HEADER = ("component", "state", "from", "to", "rule", "via", "type", "tolerance")


def to_json(document: Any) -> str:
    """JSON laid out for reading: mappings open two levels deep, then each list element
    (an interval, a failure, a component) on its own line. Readable, diff-able, and fast:
    the C encoder writes each line (``indent=`` would fall back to the pure-Python encoder,
    10× slower on large answers).

    >>> print(to_json({"a": {"x": [1, {"k": 2}], "y": None}, "b": 3}), end="")
    {
      "a": {
        "x": [
          1,
          {"k": 2}
        ],
        "y": null
      },
      "b": 3
    }
    """
    return _layout(document, "") + "\n"


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _layout(value: Any, indent: str, depth: int = 0) -> str:
    inner = indent + "  "
    if isinstance(value, dict) and value and depth < 2:
        items = [
            f"{inner}{_dumps(str(k))}: {_layout(v, inner, depth + 1)}" for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    if isinstance(value, list) and value and depth < 3:
        items = [f"{inner}{_dumps(v)}" for v in value]
        return "[\n" + ",\n".join(items) + f"\n{indent}]"
    return _dumps(value)


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def _cell(value: object) -> str:
    """A Markdown table cell: pipes escaped, newlines flattened."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def _md_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines


def _kind(graph: Graph, cid: str) -> str:
    return graph.kind_of(graph.index[cid]).value if cid in graph.index else ""


def _money(value: float) -> str:
    return f"{value:,.2f}"


# ---- impact ---------------------------------------------------------------------------------


def impact_json(impact: Impact) -> str:
    """The SPEC §5 impact answer."""
    return to_json(impact.as_dict())


def impact_csv(impact: Impact, graph: Graph) -> str:
    """One row per interval: component, kind, state, from, to (seconds; empty = ∞), rule, via."""
    rows = [
        (
            cid,
            _kind(graph, cid),
            iv.state.value,
            iv.start,
            "" if iv.end is None else iv.end,
            iv.cause.rule.value,
            iv.cause.via or "",
        )
        for cid in ordered(impact.timelines)
        for iv in impact.timelines[cid]
    ]
    return _csv(IMPACT_CSV_HEADER, rows)


def scenario_text(impact: Impact) -> str:
    """The failures in words: ``dc1 DOWN 0s–∞; host2 DOWN 1h–3h``."""
    return failures_text(impact.failures, limit=20)


def _longest(impact: Impact, cid: str, rto: int | None) -> str:
    longest = longest_down(impact.timelines.get(cid, []))
    text = format_duration(longest)
    return f"**{text}** (over RTO)" if exceeds(longest, rto) else text


def impact_markdown(impact: Impact, graph: Graph) -> str:
    """A report section: the timelines, counts by kind and the business services hit."""
    s = impact.summary
    title = impact.scenario.name or "Impact"
    lines = [
        f"## {_cell(title)}",
        "",
        f"Failures: {scenario_text(impact)}. Horizon: {format_duration(impact.horizon)}.",
        "",
    ]
    rows = [
        (
            cid,
            _kind(graph, cid),
            timeline_text(impact.timelines[cid]),
            causes_text(impact.timelines[cid], cid, graph),
        )
        for cid in ordered(impact.timelines)
    ]
    lines += _md_table(("component", "kind", "timeline", "cause"), rows)
    lines += ["", f"**{s.down} down, {s.degraded} degraded.**", ""]
    lines += _md_table(
        ("kind", "down", "degraded"),
        [(k, v.get("down", 0), v.get("degraded", 0)) for k, v in s.by_kind.items()],
    )
    if s.business_services:
        lines += ["", "Business services hit:", ""]
        lines += _md_table(
            (
                "tier",
                "business service",
                "worst",
                "onset",
                "down in horizon",
                "longest DOWN",
                "RTO",
                "money lost",
            ),
            [
                (
                    b.tier if b.tier is not None else "",
                    b.id,
                    b.worst.value,
                    format_duration(b.onset),
                    format_duration(b.down_seconds or 0),
                    _longest(impact, b.id, b.rto),
                    format_duration(b.rto) if b.rto is not None else "",
                    _money(b.money_lost),
                )
                for b in s.business_services
            ],
        )
    lines += [
        "",
        f"Money lost within {format_duration(impact.horizon)}: {_money(s.money_lost)}",
        "",
    ]
    return "\n".join(lines)


# ---- snapshot at a moment -------------------------------------------------------------------


def snapshot_json(at: int, rows: Sequence[tuple[str, Interval]], graph: Graph) -> str:
    """``{"at": t, "components": [{"id", "kind", "state", "from", "to", "cause"}]}``."""
    return to_json(
        {
            "at": at,
            "components": [
                {
                    "id": cid,
                    "kind": _kind(graph, cid),
                    "state": iv.state.value,
                    "from": iv.start,
                    "to": iv.end,
                    "cause": iv.cause.as_dict(),
                }
                for cid, iv in rows
            ],
        }
    )


def snapshot_csv(rows: Sequence[tuple[str, Interval]], graph: Graph) -> str:
    """One row per component not UP at the moment, with the interval that holds it."""
    return _csv(
        SNAPSHOT_CSV_HEADER,
        [
            (
                cid,
                _kind(graph, cid),
                iv.state.value,
                iv.start,
                "" if iv.end is None else iv.end,
                iv.cause.rule.value,
                iv.cause.via or "",
            )
            for cid, iv in rows
        ],
    )


def snapshot_markdown(at: int, rows: Sequence[tuple[str, Interval]], graph: Graph) -> str:
    """The components not UP at ``at`` as a Markdown table."""
    down = sum(1 for _, iv in rows if iv.state is State.DOWN)
    lines = [f"At {format_duration(at)}: {down} down, {len(rows) - down} degraded.", ""]
    lines += _md_table(
        ("component", "kind", "state", "since", "until", "cause"),
        [
            (
                cid,
                _kind(graph, cid),
                iv.state.value,
                format_duration(iv.start),
                format_duration(iv.end),
                causes_text([iv], cid, graph),
            )
            for cid, iv in rows
        ],
    )
    return "\n".join([*lines, ""])


# ---- explain --------------------------------------------------------------------------------


def chain_json(hops: Sequence[Hop]) -> str:
    """The chain from the asked component to the root failure, one object per hop."""
    return to_json([h.as_dict() for h in hops])


def chain_csv(hops: Sequence[Hop]) -> str:
    """One row per hop (times in seconds, empty ``to`` for ∞)."""
    rows = [
        (
            h.component,
            h.state.value,
            h.start,
            "" if h.end is None else h.end,
            h.rule.value,
            h.via or "",
            h.edge_type or "",
            h.tolerance,
        )
        for h in hops
    ]
    return _csv(CHAIN_CSV_HEADER, rows)


def chain_markdown(hops: Sequence[Hop]) -> str:
    """The chain as a Markdown table."""
    rows = [(h.component, h.state.value, span_text(h.start, h.end), hop_reason(h)) for h in hops]
    return "\n".join([*_md_table(("component", "state", "when", "because"), rows), ""])


# ---- deps -----------------------------------------------------------------------------------


def _name(graph: Graph, cid: str) -> str:
    comp = graph.component(cid)
    return (comp.name or "") if comp is not None else ""


def deps_json(
    component: str,
    direction: str,
    depth: int | None,
    rows: Sequence[tuple[str, int]],
    graph: Graph,
) -> str:
    """``{"component", "direction", "depth", "components": [{"id", "kind", "depth"}]}``."""
    return to_json(
        {
            "component": component,
            "direction": direction,
            "depth": depth,
            "components": [{"id": cid, "kind": _kind(graph, cid), "depth": d} for cid, d in rows],
        }
    )


def deps_csv(rows: Sequence[tuple[str, int]], graph: Graph) -> str:
    """One row per component reached: id, kind, depth, name."""
    return _csv(
        DEPS_CSV_HEADER, [(cid, _kind(graph, cid), d, _name(graph, cid)) for cid, d in rows]
    )


def deps_markdown(rows: Sequence[tuple[str, int]], graph: Graph) -> str:
    """The components reached as a Markdown table."""
    return "\n".join(
        [
            *_md_table(
                DEPS_CSV_HEADER, [(cid, _kind(graph, cid), d, _name(graph, cid)) for cid, d in rows]
            ),
            "",
        ]
    )
