"""Scenarios (SPEC §5): failures given as ``TARGET[@AT][+DURATION]`` or as a file; selectors.

A target is a selector (``kind:K``, ``type:T``, ``tag:T``, ``site:S``, ``supplier:S``), an id,
or ``id:ID``, which names the component ``ID`` exactly, whatever it looks like. On the command
line ``id:"…"`` (a JSON string) names any id at all, one holding ``@``, ``+`` or quotes included,
and may be followed by ``@AT`` and ``+DURATION``.

>>> parse_failure("supplier-x@1h+90m")
Failure(target='supplier-x', at=3600, duration=5400)
>>> parse_failure("kind:site")
Failure(target='kind:site', at=0, duration=None)
>>> parse_failure('id:"x+1h"@2h')
Failure(target='id:x+1h', at=7200, duration=None)
>>> parse_failure("id:kind:site")
Failure(target='id:kind:site', at=0, duration=None)
"""

from __future__ import annotations

import json
import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from impactgraph.durations import MAX_SECONDS, parse_duration
from impactgraph.errors import DurationError, ScenarioError, UnknownComponentError, quote
from impactgraph.graph import KIND_CODE, Graph
from impactgraph.model import KIND_ALIASES, Kind

DEFAULT_HORIZON = 86400
MAX_PROBLEMS = 100
SELECTOR_PREFIXES = ("kind", "type", "tag", "site", "supplier")
ID_PREFIX = "id:"


def id_target(component_id: str) -> str:
    """The target that names ``component_id`` exactly (a scenario file's ``target``, or
    :class:`Failure`'s), whatever characters the id holds.

    >>> id_target("kind:site")
    'id:kind:site'
    """
    return ID_PREFIX + component_id


def failure_spec(component_id: str) -> str:
    """The ``--fail`` text that names ``component_id`` exactly, for any id.

    >>> failure_spec("x+1h"), parse_failure(failure_spec("x+1h") + "@1h").target
    ('id:"x+1h"', 'id:x+1h')
    """
    return ID_PREFIX + json.dumps(component_id, ensure_ascii=False)


def _check_time(value: object, what: str, *, infinite: bool = False) -> None:
    if infinite and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SECONDS:
        raise ScenarioError(
            f"{what} {quote(value)} is not a time in whole seconds from 0 to {MAX_SECONDS} "
            "(100 years)"
        )


@dataclass(frozen=True)
class Failure:
    """A target (an id or a selector) DOWN from ``at`` for ``duration`` seconds (None = ∞)."""

    target: str
    at: int = 0
    duration: int | None = None
    #: the failure as written (``--fail x+1h``), for a hint when its target names nothing
    written: str | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        _check_time(self.at, f"failure of {quote(self.target)}: at")
        _check_time(self.duration, f"failure of {quote(self.target)}: duration", infinite=True)


@dataclass(frozen=True)
class Scenario:
    """Named failures and the horizon used for money lost."""

    failures: tuple[Failure, ...]
    name: str | None = None
    horizon: int = DEFAULT_HORIZON

    def __post_init__(self) -> None:
        _check_time(self.horizon, "horizon")


@dataclass(frozen=True)
class RootFailure:
    """A failure resolved to one component (node index), merged per component."""

    node: int
    id: str
    at: int
    end: int | None  # None = ∞

    @property
    def duration(self) -> int | None:
        return None if self.end is None else self.end - self.at


# a bare target holding '@' or '+' cannot be written this way: id:"…" names any id
_FAIL = re.compile(r"^(?P<target>[^@+][^@]*?)(?:@(?P<at>[^+@]+))?(?:\+(?P<dur>[^+@]+))?$")
_TIMES = re.compile(r"^(?:@(?P<at>[^+@]+))?(?:\+(?P<dur>[^+@]+))?$")
_JSON_STRING = json.JSONDecoder()


def parse_failure(spec: str) -> Failure:
    """Parse ``TARGET[@AT][+DURATION]`` (``dc1``, ``dc1@2h``, ``supplier:x@1h+90m``,
    ``id:"x+1h"@2h``)."""
    text = spec.strip()
    if text.startswith(ID_PREFIX + '"'):
        try:
            component_id, end = _JSON_STRING.raw_decode(text, len(ID_PREFIX))
        except json.JSONDecodeError as e:
            raise ScenarioError(
                f"cannot read failure {quote(spec)}: the id after id: is not a JSON string "
                f'({e.msg}); write e.g. id:"x+1h"@2h'
            ) from None
        m = _TIMES.match(text[end:])
        target = id_target(component_id) if isinstance(component_id, str) else ""
    else:
        m = _FAIL.match(text)
        target = m.group("target").strip() if m else ""
    if not m or not target:
        raise ScenarioError(
            f"cannot read failure {quote(spec)}; write TARGET[@AT][+DURATION], or "
            'id:"ID"[@AT][+DURATION] for an id that holds @ or +'
        )
    try:
        at = parse_duration(m.group("at")) if m.group("at") else 0
        dur = parse_duration(m.group("dur"), allow_infinite=True) if m.group("dur") else None
    except DurationError as e:
        raise ScenarioError(f"failure {quote(spec)}: {e}") from None
    assert at is not None
    return Failure(target=target, at=at, duration=dur, written=text)


def scenario_from_document(doc: Any, source: str = "scenario") -> Scenario:
    """Build a scenario from a parsed YAML/JSON document; every problem in one error."""
    if not isinstance(doc, dict):
        raise ScenarioError(f"{source}: a scenario is a mapping with 'failures'")
    problems: list[str] = []
    unknown = set(doc) - {"name", "failures", "horizon", "description"}
    for k in sorted(unknown, key=str)[:MAX_PROBLEMS]:
        problems.append(f"{source}: unknown field {quote(k)}")
    failures: list[Failure] = []
    raw = doc.get("failures")
    if not isinstance(raw, list) or not raw:
        problems.append(f"{source}: 'failures' must be a non-empty list")
        raw = []
    for i, f in enumerate(raw):
        where = f"{source}: failures[{i}]"
        if isinstance(f, str):
            try:
                failures.append(parse_failure(f))
            except ScenarioError as e:
                problems.append(f"{where}: {e}")
            continue
        if not isinstance(f, dict) or "target" not in f:
            problems.append(f"{where}: needs a 'target'")
            continue
        for k in sorted(set(f) - {"target", "at", "duration"}, key=str)[:MAX_PROBLEMS]:
            problems.append(f"{where}: unknown field {quote(k)}")
        try:
            at = parse_duration(f.get("at", 0))
            assert at is not None
        except DurationError as e:
            problems.append(f"{where}: field 'at': {e}")
            continue
        try:
            dur = parse_duration(f.get("duration"), allow_infinite=True)
        except DurationError as e:
            problems.append(f"{where}: field 'duration': {e}")
            continue
        target = f["target"]
        if isinstance(target, int) and not isinstance(target, bool) and abs(target) < 10**30:
            target = str(target)  # an id such as 4711, unquoted in YAML
        if not isinstance(target, str) or not target:
            problems.append(f"{where}: field 'target': {quote(target)} is not an id or a selector")
            continue
        failures.append(Failure(target=target, at=at, duration=dur))
    horizon = DEFAULT_HORIZON
    if doc.get("horizon") is not None:
        try:
            h = parse_duration(doc["horizon"])
            assert h is not None
            horizon = h
        except DurationError as e:
            problems.append(f"{source}: field 'horizon': {e}")
    if problems:
        if len(problems) > MAX_PROBLEMS:
            problems[MAX_PROBLEMS:] = [f"… and {len(problems) - MAX_PROBLEMS} more"]
        raise ScenarioError("\n".join(problems))
    name = doc.get("name")
    return Scenario(failures=tuple(failures), name=str(name) if name else None, horizon=horizon)


@dataclass
class _Selector:
    graph: Graph
    _by_type: dict[str, list[int]] | None = field(default=None)

    def select(self, target: str) -> list[int]:
        g = self.graph
        if target.startswith(ID_PREFIX):
            if target[len(ID_PREFIX) :] in g.index:
                return [g.index[target[len(ID_PREFIX) :]]]
            raise UnknownComponentError(target[len(ID_PREFIX) :], "not an id in the model")
        prefix, sep, value = target.partition(":")
        if not sep or prefix not in SELECTOR_PREFIXES:
            if target in g.index:
                return [g.index[target]]
            raise UnknownComponentError(
                target,
                "not an id in the model, nor a selector id:, kind:, type:, tag:, site:, supplier:",
            )
        if prefix == "kind":
            k = KIND_ALIASES.get(value, None) or (value if value in set(Kind) else None)
            if k is None:
                raise ScenarioError(
                    f"selector {quote(target)}: no kind {quote(value)}; kinds are "
                    + ", ".join(k.value for k in Kind)
                )
            code = KIND_CODE[Kind(k)]
            return [int(v) for v in (g.kind == code).nonzero()[0]]
        if prefix == "type":
            return [v for v, t in enumerate(g.attr("type")) if t == value]
        if prefix == "tag":
            return [v for v, tags in enumerate(g.attr("tags")) if tags and value in tags]
        if value not in g.index:
            raise UnknownComponentError(value, f"in selector {quote(target)}")
        root = g.index[value]
        want = "located_at" if prefix == "site" else "supplied_by"
        code = g.edge_types.index(want) if want in g.edge_types else -1
        out: list[int] = []
        seen = {root}
        todo = deque([root])
        while todo:
            v = todo.popleft()
            for e in range(int(g.dependents.ptr[v]), int(g.dependents.ptr[v + 1])):
                if g.dependents.type[e] != code:
                    continue
                a = int(g.dependents.idx[e])
                if a not in seen:
                    seen.add(a)
                    out.append(a)
                    if prefix == "site":  # what is located at what is located at S
                        todo.append(a)
        return out


def select(graph: Graph, target: str) -> list[int]:
    """Node indices a target names: an id, or ``kind:K``, ``type:T``, ``tag:T``, ``site:S``
    (everything located_at S, transitively; not S itself) or ``supplier:S`` (everything
    supplied_by S), sorted by id. A selector that matches nothing is a :class:`ScenarioError`."""
    nodes = _Selector(graph).select(target)
    if not nodes:
        raise ScenarioError(f"selector {quote(target)} matches no component")
    return sorted(nodes, key=graph.ids.__getitem__)  # by id: the same whatever the model order


def resolve(graph: Graph, scenario: Scenario) -> list[RootFailure]:
    """Resolve every failure to components; one component failing twice keeps both intervals."""
    out: list[RootFailure] = []
    if not scenario.failures:
        raise ScenarioError("a scenario needs at least one failure")
    for f in scenario.failures:
        end = None if f.duration is None else f.at + f.duration
        if end is not None and end <= f.at:
            continue  # a zero-length failure changes nothing
        try:
            nodes = select(graph, f.target)
        except UnknownComponentError:
            meant = f.written.removeprefix(ID_PREFIX) if f.written else None
            if meant and meant != f.target and meant in graph.index:
                raise UnknownComponentError(
                    f.target,
                    f"the model has a component {quote(meant)}: name it with {failure_spec(meant)}",
                ) from None
            raise
        for v in nodes:
            out.append(RootFailure(node=v, id=graph.ids[v], at=f.at, end=end))
    return out
