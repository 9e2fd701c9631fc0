"""The estate's items as the API shows them — a component with its ``needs``, a dependency —
and the indexes a snapshot keeps to find them (each built once per model version).

>>> merge_patch({"a": 1, "b": {"c": 2, "d": 3}}, {"b": {"c": None, "e": 4}, "f": [1]})
{'a': 1, 'b': {'d': 3, 'e': 4}, 'f': [1]}
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from impactgraph.api.estate import Snapshot
from impactgraph.errors import UnknownDependencyError, quote
from impactgraph.model import Dependency, Model, format_duration, model_to_document
from impactgraph.store.base import EdgeKey
from impactgraph.sync import edge_key, edge_label


def outgoing(snapshot: Snapshot) -> dict[str, list[Dependency]]:
    """Dependencies by the component that needs them."""

    def build() -> dict[str, list[Dependency]]:
        out: dict[str, list[Dependency]] = defaultdict(list)
        for d in snapshot.model.dependencies:
            out[d.source].append(d)
        return dict(out)

    return snapshot.derived(("outgoing",), build)


def incoming(snapshot: Snapshot) -> dict[str, list[Dependency]]:
    """Dependencies by the component needed."""

    def build() -> dict[str, list[Dependency]]:
        out: dict[str, list[Dependency]] = defaultdict(list)
        for d in snapshot.model.dependencies:
            out[d.target].append(d)
        return dict(out)

    return snapshot.derived(("incoming",), build)


def groups_listing(snapshot: Snapshot) -> dict[str, list[str]]:
    """The groups that list each component as a member."""

    def build() -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for c in snapshot.model.components:
            for m in c.members:
                out[m.id].append(c.id)
        return dict(out)

    return snapshot.derived(("groups",), build)


def edges(snapshot: Snapshot) -> dict[EdgeKey, Dependency]:
    """Dependencies by their key ``(from, to, type)``."""
    return snapshot.derived(
        ("edges",), lambda: {edge_key(d): d for d in snapshot.model.dependencies}
    )


def component_document(snapshot: Snapshot, component_id: str) -> dict[str, Any]:
    """A component as a model file writes it, with its dependencies under ``needs`` (404 for
    an id the model lacks)."""
    component = snapshot.component(component_id)
    needs = tuple(outgoing(snapshot).get(component_id, ()))
    alone = Model.model_construct(components=(component,), dependencies=needs)
    document: dict[str, Any] = model_to_document(alone)["components"][0]
    return document


def dependency_document(dependency: Dependency) -> dict[str, Any]:
    """A dependency as a model file's top-level ``dependencies`` writes it."""
    return {
        "from": dependency.source,
        "to": dependency.target,
        "type": dependency.type,
        "strength": dependency.strength.value,
        "tolerance": format_duration(dependency.tolerance) if dependency.tolerance else 0,
    }


def dependency(snapshot: Snapshot, key: EdgeKey) -> Dependency:
    """The dependency with this key (404 if the model has none)."""
    found = edges(snapshot).get(key)
    if found is None:
        raise UnknownDependencyError(
            f"no dependency {quote(edge_label(key))} in the model at version {snapshot.version}"
        )
    return found


def merge_patch(target: Any, patch: Any) -> Any:
    """``target`` with a JSON merge patch (RFC 7396) applied: objects merge, ``null``
    removes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result
