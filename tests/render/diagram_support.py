"""Helpers of the diagram tests: ids that break careless writers, an estate made of them, and
pictures read back through Graphviz."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from impactgraph.model import Component, Dependency, Kind, Member, MemberMode, Model

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

#: ids that break a careless writer of DOT, SVG, Mermaid or a terminal
HOSTILE = (
    'a"b,c',
    "<script>alert(1)</script>",
    "&amp;",
    "&#x41;",
    "back\\slash\\",
    "n\x00ul",
    "a\nb",
    "x\x1b[31mred",
    "{brace}",
    "a|b",
    "[sq]",
    "`code`",
    "%%{init: {}}%%",
    "direction TB",
    "end",
    "click x",
    "2024-01-01",
    "a:b;c#d",
    "rtl\u202eoverride",
    "node1",
    "graph0",
    "ﬂ°lt¶ß",
)


def dot_json(dot: str) -> dict[str, Any]:
    """A DOT source laid out by Graphviz, as ``dot -Tjson`` writes it."""
    done = subprocess.run(
        ["dot", "-Tjson"], input=dot.encode(), capture_output=True, check=True, timeout=120
    )
    assert done.stderr == b"", done.stderr.decode()
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def nodes_of(layout: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Nodes (not clusters) of a ``dot -Tjson`` layout by their ``id`` attribute (the name
    where the id is the default ``\\N``)."""
    out = {}
    for obj in layout.get("objects", []):
        if "nodes" in obj or "pos" not in obj:
            continue
        key = obj["name"] if obj.get("id", "\\N") == "\\N" else obj["id"]
        out[key] = obj
    return out


def hostile_model() -> Model:
    """A site ``root``; a service per hostile id located there (in a group for two of them),
    with the id as its team too; a business service needing them all."""
    comps = [Component(id="root", kind=Kind.SITE, recovery_time="1h")]
    comps += [
        Component(id=i, kind=Kind.SERVICE, team=i, recovery_time="30m", name=i) for i in HOSTILE
    ]
    comps.append(Component(id="biz", kind=Kind.BUSINESS_SERVICE, tier=1, rto="1h"))
    comps.append(
        Component(
            id="grp|x",
            kind=Kind.GROUP,
            min_up=1,
            members=(
                Member(id=HOSTILE[0]),
                Member(id=HOSTILE[1], mode=MemberMode.STANDBY, activation="5m"),
            ),
        )
    )
    deps = [Dependency(source=i, target="root", type="located_at") for i in HOSTILE]
    deps += [Dependency(source="biz", target=i) for i in HOSTILE]
    deps.append(Dependency(source="biz", target="grp|x", tolerance="1h"))
    return Model.build(comps, deps)
