"""Mermaid output: checked against Mermaid's grammar in Python on every run
(:mod:`mermaid_grammar`), and read by Mermaid's own parser when Node.js is installed."""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from diagram_support import EXAMPLES, HOSTILE
from mermaid_grammar import GrammarError, check_flowchart, check_gantt

from impactgraph.engine.impact import Impact, State
from impactgraph.engine.plan import Capacity, plan
from impactgraph.graph import Graph
from impactgraph.render.diagrams import DiagramOptions, draw
from impactgraph.render.diagrams.escape import gantt_text, mermaid_id
from impactgraph.render.diagrams.style import PAINTS
from impactgraph.render.formats import visible
from impactgraph.render.timeline import ordered

GRAPH_KINDS = ("estate", "impact", "recovery")
GANTT_KINDS = ("timeline", "schedule")
#: Mermaid's parser, pinned, installed once into the cache by npm
MERMAID = ("mermaid@11.17.2", "jsdom@29.1.1")
CACHE = Path(
    os.environ.get("IMPACTGRAPH_MERMAID_DIR", Path.home() / ".cache" / "impactgraph" / "mermaid")
)


def pictures(graph: Graph, impact: Impact, **options: Any) -> dict[str, str]:
    """The Mermaid text of every kind."""
    the_plan = plan(graph, impact, Capacity(total=3))
    opts = DiagramOptions(components=True, **options)
    return {
        kind: draw(kind, graph, opts, impact, the_plan).mermaid
        for kind in (*GRAPH_KINDS, *GANTT_KINDS)
    }


def cases(request: pytest.FixtureRequest) -> dict[str, tuple[Graph, Impact, dict[str, str]]]:
    out = {}
    for name, graph, impact, options in (
        ("spec", "spec_graph", "spec_impact", {}),
        ("estate", "estate_graph", "dc_lost", {}),
        ("estate collapsed", "estate_graph", "dc_lost", {"max_nodes": 25, "context": None}),
        ("hostile", "hostile_graph", "hostile_impact", {}),
        ("hostile collapsed", "hostile_graph", "hostile_impact", {"max_nodes": 5}),
    ):
        g, i = request.getfixturevalue(graph), request.getfixturevalue(impact)
        out[name] = (g, i, pictures(g, i, **options))
    return out


@pytest.fixture(scope="module")
def texts(request: pytest.FixtureRequest) -> dict[str, tuple[Graph, Impact, dict[str, str]]]:
    return cases(request)


def test_every_picture_follows_mermaids_grammar(
    texts: dict[str, tuple[Graph, Impact, dict[str, str]]],
) -> None:
    for name, (_, _, by_kind) in texts.items():
        for kind, text in by_kind.items():
            try:
                (check_flowchart if kind in GRAPH_KINDS else check_gantt)(text)
            except GrammarError as e:
                raise AssertionError(f"{name}, {kind}: {e}") from None


def test_flowchart_nodes_are_the_components_with_their_ids_shown_as_written(
    texts: dict[str, tuple[Graph, Impact, dict[str, str]]],
) -> None:
    graph, _, by_kind = texts["hostile"]
    chart = check_flowchart(by_kind["impact"])
    components = {n: label for n, label in chart.nodes.items() if n.startswith("c_")}
    assert components == {
        mermaid_id("c", cid): chart.nodes[mermaid_id("c", cid)] for cid in graph.ids
    }
    for cid in graph.ids:
        assert components[mermaid_id("c", cid)].split("\n")[0] == visible(cid)
    assert {visible(h) for h in HOSTILE} <= {label.split("\n")[0] for label in components.values()}
    assert chart.title == 'Impact: lost "root" <b>&</b> (root DOWN 0s–∞)'


def test_flowchart_colours_are_the_palette_as_class_definitions(
    texts: dict[str, tuple[Graph, Impact, dict[str, str]]],
) -> None:
    graph, impact, by_kind = texts["estate"]
    text = by_kind["impact"]
    chart = check_flowchart(text)
    for paint in PAINTS:
        assert f"classDef {paint.name} fill:{paint.fill},stroke:{paint.pen}," in text
    for cid in graph.ids:
        node = mermaid_id("c", cid)
        if node not in chart.nodes:
            continue
        ivs = impact.timelines.get(cid, [])
        state = (
            State.UP
            if not ivs
            else State.DOWN
            if any(iv.state is State.DOWN for iv in ivs)
            else State.DEGRADED
        )
        assert node in chart.classes[state.value.lower()], cid
    assert {n for n in chart.classes["root"] if n.startswith("c_")} == {
        mermaid_id("c", "dc-london")
    }
    assert "legend" in chart.subgraphs


def test_gantt_sections_and_tasks(texts: dict[str, tuple[Graph, Impact, dict[str, str]]]) -> None:
    graph, impact, by_kind = texts["spec"]
    timeline = check_gantt(by_kind["timeline"])
    hit = list(impact.timelines)
    services = [b.id for b in impact.summary.business_services]
    rows = services + [c for c in ordered(impact.timelines) if c not in services]
    assert timeline.sections == [*(gantt_text(c) for c in rows), "·"]
    intervals = sum(len(ivs) for ivs in impact.timelines.values())
    rtos = sum(1 for c in hit if graph.attr("rto")[graph.index[c]] is not None)
    assert len(timeline.tasks) == intervals + rtos + 1  # and the horizon
    the_plan = plan(graph, impact, Capacity(total=3))
    schedule = check_gantt(by_kind["schedule"])
    bars = [t for t in schedule.tasks if t[3] is not None]
    assert len(bars) == len(the_plan.steps)
    assert set(schedule.sections) == {s.team for s in the_plan.steps} | {"·"}


def test_the_grammar_check_catches_what_mermaid_misreads() -> None:
    bad = [
        'flowchart BT\n  c_a["x "quoted""]\n',
        'flowchart BT\n  c_a["<b>bold</b>"]\n',
        'flowchart BT\n  c_a["x direction TB"]\n',
        'flowchart BT\n  c_a["%%{init: {}}%%"]\n',
        'flowchart BT\n  end["x"]\n',
        'flowchart BT\n  c_a["x"]\n  c_a --> c_b\n',
        'flowchart BT\n  c_a["x"]\n  c_a --> c_a\n  linkStyle 1 stroke:#000000\n',
        'flowchart BT\n  subgraph s_1["x"]\n',
    ]
    for text in bad:
        with pytest.raises(GrammarError):
            check_flowchart(text)
    head = "%%{init: {'theme': 'base', 'themeVariables': {}}}%%\ngantt\n  section a\n"
    for task in ("click x :2000-01-01 00:00:00, 0s", "a#b :2000-01-01 00:00:00, 0s"):
        with pytest.raises(GrammarError):
            check_gantt(head + "  " + task + "\n")


# ---- Mermaid's own parser ------------------------------------------------------------------------


def mermaid_parser() -> Path:
    """The checker script beside a pinned Mermaid, installed with npm on first use."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Node.js (node, npm) is not installed")
    where = CACHE / "-".join(MERMAID).replace("@", "")
    if not (where / "node_modules" / "mermaid").is_dir():
        where.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(where), *MERMAID],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(f"npm could not install {' '.join(MERMAID)}: {done.stderr[-2000:]}")
    script = where / "mermaid_check.mjs"
    shutil.copyfile(Path(__file__).with_name("mermaid_check.mjs"), script)
    return script


def shown(text: str) -> str:
    """A label as Mermaid shows it (it hides entity codes as ``ﬂ°…¶ß`` while parsing)."""
    decoded = text.replace("ﬂ°°", "&#").replace("ﬂ°", "&").replace("¶ß", ";")
    return html.unescape(decoded)


def test_mermaids_own_parser_reads_every_picture_as_meant(
    texts: dict[str, tuple[Graph, Impact, dict[str, str]]],
) -> None:
    script = mermaid_parser()
    order = [(name, kind, text) for name, (_, _, k) in texts.items() for kind, text in k.items()]
    done = subprocess.run(
        ["node", str(script)],
        input=json.dumps([text for _, _, text in order]),
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    for (name, kind, text), read in zip(order, json.loads(done.stdout), strict=True):
        assert read["ok"], f"{name}, {kind}: {read['error']}"
        if kind in GRAPH_KINDS:
            ours = check_flowchart(text)
            assert {
                n: shown(v["text"]).replace("<br>", "\n") for n, v in read["nodes"].items()
            } == {n: label.strip() for n, label in ours.nodes.items()}, f"{name}, {kind}"
        else:
            ours_gantt = check_gantt(text)
            assert [t["task"].strip() for t in read["tasks"]] == [
                t[1].strip() for t in ours_gantt.tasks
            ], f"{name}, {kind}"


def test_the_walkthroughs_mermaid_is_what_the_command_writes(
    spec_graph: Graph, spec_impact: Impact
) -> None:
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    block = readme.split("```mermaid\n")[1].split("```")[0]
    check_flowchart(block)
    assert block == draw("impact", spec_graph, DiagramOptions(context=0), spec_impact).mermaid
    assert block == (EXAMPLES / "img" / "spec-dc1.mmd").read_text(encoding="utf-8")
