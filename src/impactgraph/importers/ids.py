"""Readable, stable ids for imported components: a slug of the name, clashes settled by rule.

Each record offers candidates in order — the slug of its name, then the name qualified (by
class or kind, then namespace), and last the qualified name with a short hash of its
external id. Candidates are settled level by level over the whole input at once: a candidate
that exactly one record offers at that level, and that no earlier level took, is that
record's id; the others try their next candidate. So the ids depend on the set of records,
never on their order, and the same input always gives the same ids.

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


def assign(offers: Mapping[str, Sequence[str]], reserved: Collection[str] = ()) -> dict[str, str]:
    """An id for every key of ``offers`` (key → candidates, best first), unique, none of
    ``reserved`` (ids held by others), and the same whatever the order of ``offers``. A key
    whose candidates all clash gets its last candidate with more hash digits until it is
    unique.

    >>> assign({"k": ["web", "web-app"]}, reserved={"web"})
    {'k': 'web-app'}
    """
    assigned: dict[str, str] = {}
    taken: set[str] = set(reserved)
    waiting = sorted(offers)
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
