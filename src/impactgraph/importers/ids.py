"""Readable, stable ids for imported components: a slug of the name, clashes settled by rule.

Each record offers candidates in order — the slug of its name, then the name qualified (by
class or kind, then namespace), and last the qualified name with a short hash of its
external id. Candidates are settled level by level over the whole input at once: a candidate
that exactly one record offers at that level, and that no earlier level took, is that
record's id; the others try their next candidate. So the ids depend on the set of records,
never on their order, and the same input always gives the same ids.

Into a destination that holds components already (a store), ids are stable across syncs: a
record whose external id the destination holds for this source keeps that component's id
(:class:`KnownIds`), and every other record avoids every id the destination holds, whatever
its source, and every id kept. So a new record, or another source taking or releasing an id,
never changes the id of a component already there.

>>> offers = {"sn1": candidates("sn1", "web01", "web01 linux_server"),
...           "sn2": candidates("sn2", "web01", "web01 win_server"),
...           "sn3": candidates("sn3", "db01", "db01 linux_server")}
>>> assign(offers)
{'sn3': 'db01', 'sn1': 'web01-linux_server', 'sn2': 'web01-win_server'}
>>> assign({"b": ["x", "x-1"], "a": ["x", "x-1"]}) == assign({"a": ["x", "x-1"], "b": ["x", "x-1"]})
True
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from impactgraph.model import Model

#: the longest slug kept (before a qualifier or hash is added)
MAX_SLUG = 80
_NOT_SLUG = re.compile(r"[^a-z0-9._-]+")
_EDGES = re.compile(r"^[._-]+|[._-]+$")
_RUNS = re.compile(r"([._-])[._-]+")


def slug(text: str | None) -> str:
    """``text`` as a lower-case id of letters, digits, ``-``, ``_`` and ``.`` (accents
    dropped, other characters as ``-``), at most :data:`MAX_SLUG` long; ``""`` if nothing is
    left.

    >>> slug("  Card Payments (EU) "), slug("Säo-Paulo DB"), slug("数据库"), slug("a..b__c")
    ('card-payments-eu', 'sao-paulo-db', '', 'a.b_c')
    """
    if not text:
        return ""
    ascii_text = unicodedata.normalize("NFKD", text[: MAX_SLUG * 4]).encode("ascii", "ignore")
    out = _NOT_SLUG.sub("-", ascii_text.decode("ascii").lower())
    out = _EDGES.sub("", _RUNS.sub(r"\1", out))
    return _EDGES.sub("", out[:MAX_SLUG])


def short_hash(key: str, length: int = 6) -> str:
    """The first ``length`` hex digits of the SHA-256 of ``key`` (stable across runs)."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:length]


def candidates(key: str, *names: str | None, fallback: str = "ci") -> list[str]:
    """The ids a record may take, in order of preference: the slug of each of ``names`` that
    gives one (the first is the plain name, the rest qualified), then the last one with a hash
    of ``key``. A record whose names give no slug is ``fallback-<hash>``.

    >>> candidates("abc", "Web 01", "Web 01 linux_server")
    ['web-01', 'web-01-linux_server', 'web-01-linux_server-ba7816']
    >>> candidates("abc", "数据库", fallback="linux_server")
    ['linux_server-ba7816']
    """
    out: list[str] = []
    for name in names:
        s = slug(name)
        if s and s not in out:
            out.append(s)
    last = out[-1] if out else slug(fallback) or "ci"
    out.append(f"{last}-{short_hash(key)}")
    return out


@dataclass(frozen=True)
class KnownIds:
    """What an import's destination holds already: every id in it, and the ids of the
    importing source's components by their external id (the ids those records keep).

    >>> from impactgraph.model import Component, Kind
    >>> held = Model.build([Component(id="web01", kind=Kind.SITE, source="sn", external_id="a1"),
    ...                     Component(id="hq", kind=Kind.SITE)])
    >>> known = KnownIds.of(held, "sn")
    >>> dict(known.by_external_id), sorted(known.held), sorted(known.others)
    ({'a1': 'web01'}, ['hq', 'web01'], ['hq'])
    """

    #: every id the destination holds, of any source
    held: frozenset[str] = frozenset()
    #: the importing source's components: external id → id
    by_external_id: Mapping[str, str] = field(default_factory=dict)
    #: the ids held by other sources' components and hand-written ones
    others: frozenset[str] = frozenset()

    @classmethod
    def of(cls, model: Model, source: str) -> KnownIds:
        """The ids ``model`` holds, seen by an import of ``source``. Of two components of
        ``source`` with one external id (possible only by hand), the smaller id is kept."""
        by_external_id: dict[str, str] = {}
        others: set[str] = set()
        for comp in model.components:
            if comp.source != source:
                others.add(comp.id)
            elif comp.external_id is not None:
                old = by_external_id.get(comp.external_id)
                if old is None or comp.id < old:
                    by_external_id[comp.external_id] = comp.id
        return cls(frozenset(model.by_id), by_external_id, frozenset(others))


def assign(
    offers: Mapping[str, Sequence[str]],
    reserved: Collection[str] = (),
    kept: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """An id for every key of ``offers`` (key → candidates, best first), unique, none of
    ``reserved`` (ids held by others), and the same whatever the order of ``offers``. A key
    of ``kept`` (key → id) takes that id; the others avoid those ids too. A key whose
    candidates all clash gets its last candidate with more hash digits until it is unique.

    >>> assign({"k": ["web", "web-app"]}, reserved={"web"})
    {'k': 'web-app'}
    >>> assign({"new": ["web", "web-x"], "old": ["web", "web-y"]}, kept={"old": "web"})
    {'old': 'web', 'new': 'web-x'}
    """
    assigned = {k: v for k, v in (kept or {}).items() if k in offers}
    taken: set[str] = set(reserved) | set(assigned.values())
    waiting = sorted(k for k in offers if k not in assigned)
    level = 0
    while waiting:
        if all(level >= len(offers[k]) for k in waiting):
            break
        here = Counter(offers[k][level] for k in waiting if level < len(offers[k]))
        still: list[str] = []
        for key in waiting:
            choices = offers[key]
            if level < len(choices):
                pick = choices[level]
                if here[pick] == 1 and pick not in taken:
                    assigned[key] = pick
                    continue
            still.append(key)
        taken.update(assigned[k] for k in waiting if k in assigned)
        waiting = still
        level += 1
    for key in waiting:  # every candidate taken: lengthen the hash (sorted, so deterministic)
        base = offers[key][-1] if offers[key] else "ci"
        stem = base.rsplit("-", 1)[0] if "-" in base else base
        length = 8
        pick = f"{stem}-{short_hash(key, length)}"
        while pick in taken:
            length += 2
            pick = f"{stem}-{short_hash(key, length)}" if length <= 64 else f"{pick}-x"
        assigned[key] = pick
        taken.add(pick)
    return assigned
