"""A picture of components and their dependencies, before it is written in any language.

Every graph picture kind (estate, impact, recovery) builds a :class:`Scene` of nodes, edges,
clusters (sites, groups), ranks (recovery waves), a title, notes and a legend; the writers
:mod:`.dot` and :mod:`.mermaid` turn one scene into Graphviz DOT and a Mermaid flowchart, so
that the picture kinds share their escaping and styling and differ only in what they draw.
Text in a scene is the user's, unescaped: the writers escape it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from impactgraph.model import Kind
from impactgraph.render.diagrams.style import LegendItem, Paint


@dataclass(frozen=True, slots=True)
class Node:
    """A component, or (``component`` None) a collapsed node standing for ``count`` of them.

    ``key`` is unique within the scene (a component's id, or a key that no id can be for a
    collapsed node); ``lines`` are the label's lines; ``shape`` the kind drawn (None: a
    collapsed node); ``paint`` its colours (None: plain); ``root`` a failed component of the
    scenario; ``emphasis`` on a cause path or critical chain; ``focus`` the component asked for.
    """

    key: str
    lines: tuple[str, ...]
    shape: Kind | None = None
    paint: Paint | None = None
    component: str | None = None
    root: bool = False
    emphasis: bool = False
    focus: bool = False
    tooltip: str | None = None


@dataclass(frozen=True, slots=True)
class Edge:
    """``source → target`` (node keys): "source needs target", or a group's ``member`` edge.
    An edge that is not a ``constraint`` is drawn without ranking its ends (one that would
    run against the ranks)."""

    source: str
    target: str
    label: str = ""
    soft: bool = False
    member: bool = False
    emphasis: bool = False
    invisible: bool = False
    constraint: bool = True


@dataclass(frozen=True, slots=True)
class Cluster:
    """A box around ``nodes`` and nested ``clusters``: a site, or (``group``) a group's members."""

    label: str
    nodes: tuple[str, ...]
    clusters: tuple[Cluster, ...] = ()
    group: bool = False


@dataclass(frozen=True, slots=True)
class Rank:
    """Nodes drawn side by side under one heading (a recovery wave)."""

    label: str
    nodes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Scene:
    """Everything a graph picture draws. ``far`` nodes are drawn at the far edge (suppliers)."""

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    clusters: tuple[Cluster, ...] = ()
    ranks: tuple[Rank, ...] = ()
    far: tuple[str, ...] = ()
    title: str = ""
    notes: tuple[str, ...] = ()
    legend: tuple[LegendItem, ...] = ()


def synthetic_prefix(ids: Iterable[str]) -> str:
    """A prefix (NULs) that none of ``ids`` starts with: keys of collapsed nodes start with it,
    so that no key of ours is a component's id.

    >>> synthetic_prefix(["a", "\\x00b"]) == "\\x00\\x00"
    True
    """
    prefix = "\x00"
    taken = [cid for cid in ids if cid.startswith(prefix)]
    while any(cid.startswith(prefix) for cid in taken):
        prefix += "\x00"
    return prefix
