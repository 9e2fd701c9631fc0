"""Pictures of a large estate stay within ``max_nodes`` and say so; Graphviz failing is a clear
error. The estate is ``benchmarks/estate_gen``'s 10k one with ``site-0`` lost for ∞ (about
3,100 recovery steps for 5 crews), the one ``benchmarks/diagrams.py`` draws."""

from __future__ import annotations

import html
import os
import re
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from diagram_support import dot_json, nodes_of

from impactgraph.engine.impact import Impact
from impactgraph.engine.plan import Capacity, Plan, Step, plan
from impactgraph.engine.propagate import propagate
from impactgraph.engine.scenario import Failure, Scenario
from impactgraph.errors import LayoutError
from impactgraph.graph import Graph
from impactgraph.render.diagrams import (
    Diagram,
    DiagramOptions,
    recovery_diagram,
    schedule_diagram,
    timeline_diagram,
)
from impactgraph.render.diagrams.dot import scene_dot
from impactgraph.render.diagrams.scene import Edge, Node, Rank, Scene
from impactgraph.render.diagrams.schedule import FIRST_STEPS

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import estate_gen

pytestmark = pytest.mark.usefixtures("graphviz")


@pytest.fixture(scope="module")
def large() -> tuple[Graph, Impact, Plan]:
    estate = estate_gen.generate(10_000, 1)
    graph = estate.to_graph()
    impact = propagate(graph, Scenario(failures=(Failure(estate.site_id(0)),)))
    return graph, impact, plan(graph, impact, Capacity(total=5))


def bars_of(layout: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in nodes_of(layout).values() if n.get("shape") == "box"]


def text_of(label: str) -> str:
    """A graph label (HTML-like, wrapped) as the text it shows."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", label)).split())


def team_steps(the_plan: Plan) -> dict[str, list[Step]]:
    out: dict[str, list[Step]] = {}
    for step in the_plan.steps:
        out.setdefault(step.team or "unassigned", []).append(step)
    return out


# ---- the schedule ------------------------------------------------------------------------------


@pytest.mark.parametrize("max_nodes", [300, 40])
def test_the_schedule_of_a_large_plan_is_cut_to_max_nodes_and_says_so(
    large: tuple[Graph, Impact, Plan], max_nodes: int
) -> None:
    graph, impact, the_plan = large
    assert len(the_plan.steps) > 3000
    d = schedule_diagram(graph, impact, the_plan, DiagramOptions(max_nodes=max_nodes))
    layout = dot_json(d.dot)
    bars = bars_of(layout)
    assert len(bars) <= max_nodes  # a bar per step shown, one '+ more' bar per team cut
    assert len(d.shown) + len(d.collapsed) == len(bars)
    label = text_of(layout["label"])
    assert f"of {len(the_plan.steps):,} steps in 5 '+ more steps' bars" in label
    assert f"(more than {max_nodes} to draw)" in label
    assert "collapsed by team:" in d.notes[0]
    more = [b for b in bars if "dashed" in b["style"]]
    assert len(more) == len(d.collapsed) == 5
    # every step is drawn or counted in its team's '+ more' bar, never both
    counted = {cid for held in d.collapsed.values() for cid in held}
    every = {c for s in the_plan.steps for c in s.components}
    assert not counted & d.shown
    assert {s.component for s in the_plan.steps} <= d.shown | counted <= every
    for title, held in d.collapsed.items():
        team, count = title.split(" · ")
        assert count == f"{len(held):,} more steps"
        tooltip = next(b["tooltip"] for b in more if b["tooltip"].startswith(f"{team}: "))
        assert f"+ {len(held):,} more steps" in tooltip


def test_a_cut_schedule_keeps_each_teams_first_steps_then_the_late_critical_ones(
    large: tuple[Graph, Impact, Plan],
) -> None:
    graph, impact, the_plan = large
    d = schedule_diagram(graph, impact, the_plan)
    critical = {c for b in the_plan.business_services if b.breach for c in b.critical_chain}
    shown_per_team = []
    for steps in team_steps(the_plan).values():
        shown = [s for s in steps if s.component in d.shown]
        hidden = [s for s in steps if s.component not in d.shown]
        assert steps[:FIRST_STEPS] == shown[:FIRST_STEPS]  # what the crew starts with
        on_chain = [s for s in steps[FIRST_STEPS:] if set(s.components) & critical]
        if any(set(s.components) & critical for s in hidden):
            # no room for every step on a late chain: they are all the team shows after its
            # first steps
            assert all(set(s.components) & critical for s in shown[FIRST_STEPS:])
        else:
            assert set(on_chain) <= set(shown)
        shown_per_team.append(len(shown))
    assert max(shown_per_team) - min(shown_per_team) <= 1  # a fair share each


def test_the_schedule_is_not_cut_under_the_limit_nor_with_max_nodes_0(
    large: tuple[Graph, Impact, Plan],
) -> None:
    graph, impact, the_plan = large
    d = schedule_diagram(graph, impact, the_plan, DiagramOptions(max_nodes=0))
    assert d.shown == {s.component for s in the_plan.steps}
    assert not d.collapsed and not d.notes


def test_the_cut_schedule_is_deterministic(large: tuple[Graph, Impact, Plan]) -> None:
    graph, impact, the_plan = large
    first = schedule_diagram(graph, impact, the_plan)
    again = schedule_diagram(graph, impact, the_plan)
    assert (first.dot, first.mermaid) == (again.dot, again.mermaid)
    assert first.collapsed == again.collapsed
    for ids in first.collapsed.values():
        rank = graph.id_rank()
        assert [int(rank[graph.index[c]]) for c in ids] == sorted(
            int(rank[graph.index[c]]) for c in ids
        )


def test_more_teams_than_max_nodes_share_the_last_bar(large: tuple[Graph, Impact, Plan]) -> None:
    graph, impact, the_plan = large
    d = schedule_diagram(graph, impact, the_plan, DiagramOptions(max_nodes=3))
    assert not d.shown and len(d.collapsed) == 3
    titles = list(d.collapsed)
    assert re.fullmatch(r"3 more teams · [0-9,]+ steps", titles[-1])
    counted = {cid for held in d.collapsed.values() for cid in held}
    assert {s.component for s in the_plan.steps} <= counted
    assert len(bars_of(dot_json(d.dot))) == 3


# ---- the other kinds ---------------------------------------------------------------------------


def test_the_timeline_and_recovery_of_a_large_estate_stay_within_max_nodes(
    large: tuple[Graph, Impact, Plan],
) -> None:
    graph, impact, the_plan = large
    timeline = timeline_diagram(graph, impact, DiagramOptions(components=True))
    assert len(timeline.shown) == 300 and "more rows not shown" in timeline.notes[0]
    recovery = recovery_diagram(graph, impact, the_plan)
    assert len(recovery.shown) + len(recovery.collapsed) <= 300
    lines = recovery.dot.splitlines()
    names = sum(1 for line in lines if re.match(r'  (?:"|_c)', line) and " -> " not in line)
    assert names == len(recovery.shown) + len(recovery.collapsed)
    pairs = re.findall(r"^  (\S+) -> (\S+)", recovery.dot, re.M)
    assert len(pairs) == len(set(pairs))  # parallel edges merged, with counts


def test_a_flat_edge_is_labelled_after_the_layout() -> None:
    """``dot`` loses a labelled edge between two nodes of one rank on a large picture
    ("triangulation failed", the 1M recovery picture): such labels are ``xlabel``s."""
    scene = Scene(
        tuple(Node(key, (key,), component=key) for key in "abc"),
        (
            Edge("a", "b", "×6", constraint=False),
            Edge("b", "a", "×7", constraint=False),
            Edge("c", "a", "×2"),
        ),
        ranks=(Rank("wave 0", ("a", "b")), Rank("wave 1", ("c",))),
    )
    dot = scene_dot(scene)
    assert '"a" -> "b" [xlabel="×6", constraint=false];' in dot
    assert '"b" -> "a" [xlabel="×7", constraint=false];' in dot
    assert '"c" -> "a" [label="×2"];' in dot
    assert dot_json(dot)  # laid out, no complaint


# ---- Graphviz failing --------------------------------------------------------------------------


def failing_dot(directory: Path) -> Path:
    """A ``dot`` that fails the way Graphviz 2.43 did on the 1M recovery picture."""
    dot = directory / "dot"
    dot.write_text(
        "#!/bin/sh\n"
        "echo 'libpath/shortest.c:324: triangulation failed' >&2\n"
        "echo 'Error: in routesplines, Pshortestpath failed' >&2\n"
        "echo 'libpath/shortest.c:324: triangulation failed' >&2\n"
        "exit 1\n"
    )
    dot.chmod(dot.stat().st_mode | stat.S_IXUSR)
    return dot


def test_graphviz_failing_is_a_layout_error_naming_the_picture_and_graphvizs_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing_dot(tmp_path)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(LayoutError) as caught:
        Diagram("recovery", "digraph impactgraph { a -> b; }", "").svg()
    message = str(caught.value)
    assert message.startswith("Graphviz could not lay out the recovery diagram as svg: ")
    # each line once
    assert message.count("triangulation failed") == 1 and "Pshortestpath failed" in message
    assert "--format dot" in message and "--max-nodes" in message
    assert caught.value.exit_code == 2
    problem = caught.value.problem()
    assert problem["type"] == "https://impactgraph.dev/problems/layout-failed"
    assert problem["status"] == 500 and problem["detail"] == message


def test_dot_refusing_the_source_is_a_layout_error_too() -> None:
    with pytest.raises(LayoutError, match=r"the schedule diagram as png: .*syntax error"):
        Diagram("schedule", "digraph impactgraph { a -> ; }", "").image("png")


def test_the_api_answers_a_layout_error_with_its_detail() -> None:
    from impactgraph.api.problems import problem_of

    error = LayoutError("Graphviz could not lay out the recovery diagram as svg: triangulation")
    problem = problem_of(error, "/v1/diagrams/recovery")
    assert (problem.status, problem.title) == (500, "Layout failed")
    assert problem.detail == str(error)  # not hidden as an internal error's would be
