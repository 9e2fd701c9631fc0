"""Readable when large: past a node limit, components are collapsed into one node per site,
kind or group (and per state, so that the colours still say what is DOWN), with their count.

``auto`` tries site, then group, then kind, and takes the first that fits under the limit
(else the one with the fewest nodes). Components to ``keep`` (the focus, the failed roots, the
business services hit, the cause paths, in that order) stay as they are while there is room.
Under ``site``, a component without a site is collapsed by its kind; under ``group``, one that
is no group's member by its kind.

>>> from impactgraph.model import Component, Kind, Model
>>> from impactgraph.graph import Graph
>>> g = Graph.from_model(Model.build([Component(id=f"s{i}", kind=Kind.SERVICE) for i in range(5)]
...     + [Component(id="biz", kind=Kind.BUSINESS_SERVICE)], []))
>>> c = collapse(g, range(6), [5], "auto", 3, lambda v: None)
>>> c.strategy, sorted(c.groups.values()), c.note
('site', [5], 'collapsed by site: 5 of 6 components in 1 node (more than 3 to draw)')
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from impactgraph.graph import Graph
from impactgraph.model import Kind
from impactgraph.render.diagrams.placement import site_of

Strategy = Literal["site", "group", "kind"]
STRATEGIES: tuple[Strategy, ...] = get_args(Strategy)
#: ``--collapse`` choices
CHOICES = ("auto", *STRATEGIES)


@dataclass(frozen=True, slots=True)
class Bucket:
    """Components drawn as one node: ``name`` (a site or group id, or a kind) and what they
    share besides (``tag``: a state, a recovery wave)."""

    strategy: Strategy
    name: str
    tag: str | None

    @property
    def title(self) -> str:
        """``site-0 · DOWN``: what the node holds, in one line (unique among buckets)."""
        kind = "kind " if self.strategy == "kind" else ""
        return f"{kind}{self.name} · {self.tag}" if self.tag else f"{kind}{self.name}"

    def lines(self, count: int) -> tuple[str, ...]:
        """The collapsed node's label: its title and how many components it holds."""
        return (self.title, f"{count:,} component{'s' if count != 1 else ''}")


@dataclass(frozen=True, slots=True)
class Collapsed:
    """Which components are collapsed into which bucket, and the note the picture carries."""

    strategy: Strategy
    buckets: Mapping[int, Bucket]
    note: str

    @property
    def groups(self) -> dict[Bucket, int]:
        """Each bucket and how many components it holds."""
        out: dict[Bucket, int] = {}
        for bucket in self.buckets.values():
            out[bucket] = out.get(bucket, 0) + 1
        return out


def collapse(
    graph: Graph,
    drawn: Iterable[int],
    keep: Sequence[int],
    by: str,
    limit: int,
    tag_of: Callable[[int], str | None],
) -> Collapsed | None:
    """Buckets for ``drawn`` when there are more than ``limit`` (0: no limit), else None.
    Components of ``keep`` stay as they are, the first first, as long as the picture stays
    within ``limit`` nodes (the first one always)."""
    nodes = list(drawn)
    if limit <= 0 or len(nodes) <= limit:
        return None
    tried = [s for s in STRATEGIES if by in ("auto", s)]
    inside = set(nodes)
    wanted = list(dict.fromkeys(v for v in keep if v in inside))
    best: tuple[int, Strategy, dict[int, Bucket]] | None = None
    for strategy in tried:
        bucket_of = {v: _bucket(graph, v, strategy, tag_of(v)) for v in nodes}
        # every bucket stays (an upper bound); the room left goes to the components to keep
        room = max(limit - len(set(bucket_of.values())), 1)
        kept = set(wanted[:room])
        buckets = {v: b for v, b in bucket_of.items() if v not in kept}
        count = len(kept) + len(set(buckets.values()))
        if best is None or count < best[0]:
            best = (count, strategy, buckets)
        if count <= limit:
            break
    assert best is not None
    _, strategy, buckets = best
    nodes_made = len(set(buckets.values()))
    note = (
        f"collapsed by {strategy}: {len(buckets):,} of {len(nodes):,} components in "
        f"{nodes_made:,} node{'s' if nodes_made != 1 else ''} (more than {limit:,} to draw)"
    )
    return Collapsed(strategy, buckets, note)


def _bucket(graph: Graph, v: int, strategy: Strategy, tag: str | None) -> Bucket:
    if strategy == "site":
        site = site_of(graph)[v]
        if site >= 0:
            return Bucket("site", graph.ids[site], tag)
    elif strategy == "group":
        groups = [v] if graph.kind_of(v) is Kind.GROUP else graph.groups_of(v)
        if groups:
            return Bucket("group", min(graph.ids[g] for g in groups), tag)
    kind = graph.kind_of(v).value
    return Bucket("kind", kind if strategy == "kind" else f"{kind} (no {strategy})", tag)
