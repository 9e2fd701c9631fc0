"""The estate model (SPEC §2): components, dependencies, groups (durations: :mod:`.durations`).

Two layers:

* :class:`ComponentIn` / :class:`DependencyIn` / :class:`ModelIn` are the *file form* of SPEC §5
  (``needs:`` short and long forms, top-level ``dependencies:``); unknown fields are errors.
* :class:`Component` / :class:`Dependency` / :class:`Model` are the canonical, frozen form the
  rest of impactgraph uses: every edge in one list, ids checked.

>>> m = Model.from_input(ModelIn.model_validate(
...     {"version": 1, "components": [{"id": "dc1", "kind": "site"},
...                                   {"id": "host1", "kind": "infrastructure",
...                                    "recovery_time": "2h", "needs": ["dc1"]}]}))
>>> m.dependencies[0].source, m.dependencies[0].target, m.component("host1").recovery_time
('host1', 'dc1', 7200)
"""

from __future__ import annotations

import math
import re
from collections import Counter
from enum import StrEnum
from functools import cached_property
from itertools import pairwise
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from impactgraph.durations import (
    MAX_COMPONENTS,
    Duration,
    DurationReq,
    FileDuration,
    FileDurationReq,
)

# re-exported: callers that read the model's durations in words
from impactgraph.durations import format_duration as format_duration
from impactgraph.durations import parse_duration as parse_duration
from impactgraph.errors import Issue, ModelError, quote

# ---------------------------------------------------------------------------------------------
# vocabularies


class Kind(StrEnum):
    """What a component is (SPEC §2)."""

    BUSINESS_SERVICE = "business_service"
    SERVICE = "service"
    INFRASTRUCTURE = "infrastructure"
    SITE = "site"
    SUPPLIER = "supplier"
    GROUP = "group"


KIND_ALIASES = {"application": Kind.SERVICE, "app": Kind.SERVICE}


def _kind(value: object) -> object:
    if isinstance(value, str):
        return KIND_ALIASES.get(value.strip().lower(), value.strip().lower())
    return value


class Strength(StrEnum):
    """Whether losing a dependency takes the dependent DOWN (hard) or only DEGRADED (soft)."""

    HARD = "hard"
    SOFT = "soft"


class MemberMode(StrEnum):
    """A group member is active (serving) or a standby that takes over after ``activation``."""

    ACTIVE = "active"
    STANDBY = "standby"


STANDARD_DEPENDENCY_TYPES = ("depends_on", "runs_on", "located_at", "supplied_by")
DEPENDENCY_TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def _dep_type(value: object) -> object:
    if isinstance(value, str):
        v = value.strip().lower().replace("-", "_").replace(" ", "_")
        if not DEPENDENCY_TYPE_PATTERN.match(v):
            raise ValueError(
                f"dependency type {quote(value)} must be a word of letters, digits and '_' "
                "(e.g. depends_on, runs_on, located_at, supplied_by, replicates_to)"
            )
        return v
    return value


DependencyType = Annotated[str, BeforeValidator(_dep_type)]

MAX_IMPACT_PER_HOUR = 1e12
"""The largest ``impact_per_hour`` (money per hour): a trillion, far above any real service."""
MAX_MIN_UP = MAX_COMPONENTS


def _not_bool(what: str) -> BeforeValidator:
    # pydantic reads true as 1; a tier or an amount written `true` is a mistake, not a 1
    def check(value: object) -> object:
        if isinstance(value, bool):
            raise ValueError(f"{str(value).lower()} is not {what}")
        return value

    return BeforeValidator(check)


def _finite(value: object) -> object:
    # .inf, .nan and 1e400 (which JSON reads as inf) would make money lost inf or NaN
    try:
        number = float(value) if isinstance(value, int | float | str) else 0.0
    except (ValueError, OverflowError):
        return value
    if not math.isfinite(number):
        raise ValueError(f"{quote(value)} is not a finite amount; write a number such as 2500")
    return value


Tier = Annotated[int, _not_bool("a tier; write a whole number from 1 (most critical) to 9")]
Money = Annotated[
    float, BeforeValidator(_finite), _not_bool("an amount; write a number such as 2500")
]
Count = Annotated[int, _not_bool("a count; write a whole number")]

#: where a component came from: a system's name (``servicenow``, ``backstage``, ``csv``, ``api``)
SOURCE_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")
MAX_SOURCE = 64
#: the longest key in a source (a ServiceNow sys_id, a Backstage ref ``kind:namespace/name``)
MAX_EXTERNAL_ID = 512
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def valid_source(value: object) -> bool:
    """Whether ``value`` may be a component's ``source``: 1–64 letters, digits, ``.``, ``_``
    or ``-``."""
    return isinstance(value, str) and SOURCE_PATTERN.fullmatch(value) is not None


def valid_external_id(value: object) -> bool:
    """Whether ``value`` may be a component's ``external_id``: 1–512 characters, none of them
    a control character."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_EXTERNAL_ID
        and _CONTROL.search(value) is None
    )


def _source(value: object) -> object:
    if isinstance(value, str) and not valid_source(value):
        raise ValueError(
            f"source {quote(value)} must be 1 to {MAX_SOURCE} letters, digits, '.', '_' or '-' "
            "(the system the component came from, e.g. servicenow, backstage, csv, api)"
        )
    return value


def _external_id(value: object) -> object:
    if isinstance(value, str) and not valid_external_id(value):
        if not value:
            raise ValueError("is empty; write the component's key in its source or leave it out")
        if len(value) > MAX_EXTERNAL_ID:
            raise ValueError(
                f"external_id is {len(value)} characters long; at most {MAX_EXTERNAL_ID} are "
                "allowed"
            )
        raise ValueError(f"external_id {quote(value)} holds a control character")
    return value


Source = Annotated[str, BeforeValidator(_source)]
ExternalId = Annotated[str, BeforeValidator(_external_id)]

_STRICT = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

# ---------------------------------------------------------------------------------------------
# canonical model


class Member(BaseModel):
    """A member edge ``group → member``."""

    model_config = _STRICT

    id: str = Field(min_length=1)
    mode: MemberMode = MemberMode.ACTIVE
    activation: DurationReq = 0


class Component(BaseModel):
    """One thing in the estate (SPEC §2). Durations are seconds."""

    model_config = _STRICT

    id: str = Field(min_length=1)
    name: str | None = None
    kind: Annotated[Kind, BeforeValidator(_kind)]
    type: str | None = None
    tier: Tier | None = Field(default=None, ge=1, le=9)
    rto: Duration = None
    rpo: Duration = None
    mtpd: Duration = None
    recovery_time: Duration = None
    restart_time: Duration = None
    backup_interval: Duration = None
    impact_per_hour: Money | None = Field(
        default=None, ge=0, le=MAX_IMPACT_PER_HOUR, allow_inf_nan=False
    )
    owner: str | None = None
    team: str | None = None
    tags: tuple[str, ...] = ()
    #: the system the component came from (``servicenow``, ``backstage``, ``csv``, ``api``);
    #: provenance only, the engine never reads it
    source: Source | None = None
    #: the component's key in ``source`` (a ServiceNow sys_id, a Backstage ref)
    external_id: ExternalId | None = None
    min_up: Count | None = Field(default=None, le=MAX_MIN_UP)
    members: tuple[Member, ...] = ()

    @property
    def label(self) -> str:
        """The name if there is one, else the id."""
        return self.name or self.id


class Dependency(BaseModel):
    """``source → target``: *source needs target*; failure flows from target to source."""

    model_config = _STRICT

    source: str = Field(min_length=1, alias="from")
    target: str = Field(min_length=1, alias="to")
    type: DependencyType = "depends_on"
    strength: Strength = Strength.HARD
    tolerance: DurationReq = 0


class Model(BaseModel):
    """A whole, validated estate. Build it with :meth:`build` or :meth:`from_input`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    components: tuple[Component, ...] = ()
    dependencies: tuple[Dependency, ...] = ()

    @cached_property
    def by_id(self) -> dict[str, Component]:
        """Components by id."""
        return {c.id: c for c in self.components}

    def component(self, component_id: str) -> Component:
        """The component with this id (``KeyError`` if there is none)."""
        return self.by_id[component_id]

    @classmethod
    def build(
        cls,
        components: list[Component] | tuple[Component, ...],
        dependencies: list[Dependency] | tuple[Dependency, ...] = (),
    ) -> Model:
        """Check cross-references and return the model, or raise :class:`ModelError`."""
        issues = check_references(components, dependencies)
        if issues:
            raise ModelError(issues)
        return cls.model_construct(components=tuple(components), dependencies=tuple(dependencies))

    @classmethod
    def from_input(cls, spec: ModelIn) -> Model:
        """Normalise the file form (``needs`` and ``dependencies``) into a checked model."""
        components, dependencies, paths = spec.normalise()
        issues = check_references(components, dependencies, paths)
        if issues:
            raise ModelError(issues)
        return cls.model_construct(components=tuple(components), dependencies=tuple(dependencies))


def check_references(
    components: list[Component] | tuple[Component, ...],
    dependencies: list[Dependency] | tuple[Dependency, ...],
    dep_paths: list[tuple[str | int, ...]] | None = None,
) -> list[Issue]:
    """Every cross-reference problem of SPEC §5 at once.

    Duplicate ids, dependencies on unknown ids, self-dependencies, duplicate edges, a group
    without members, ``min_up`` outside 1..members, members or ``min_up`` on a non-group, an
    ``external_id`` without a ``source``, two components with the same ``(source,
    external_id)``. ``dep_paths[i]`` is where dependency *i* was written (to find its line).
    """
    issues: list[Issue] = []
    if len(components) > MAX_COMPONENTS:
        issues.append(
            Issue(f"{len(components)} components: a model holds at most {MAX_COMPONENTS:,}")
        )
    counts = Counter(c.id for c in components)
    ids = set(counts)
    first_seen: set[str] = set()
    provenance: dict[tuple[str, str], str] = {}
    for i, c in enumerate(components):
        if c.external_id is not None:
            _check_provenance(c, i, provenance, issues)
        if counts[c.id] > 1:
            if c.id in first_seen:
                issues.append(
                    Issue("duplicate id", component=c.id, field="id", path=("components", i, "id"))
                )
            first_seen.add(c.id)
        if c.kind is Kind.GROUP:
            if not c.members:
                issues.append(
                    Issue(
                        "a group needs at least one member",
                        component=c.id,
                        field="members",
                        path=("components", i),
                    )
                )
            else:
                k = 1 if c.min_up is None else c.min_up
                actives = sum(1 for m in c.members if m.mode is MemberMode.ACTIVE)
                if not 1 <= k <= len(c.members):
                    issues.append(
                        Issue(
                            f"min_up {k} is outside 1..{len(c.members)} (the number of members)",
                            component=c.id,
                            field="min_up",
                            path=("components", i, "min_up"),
                        )
                    )
                elif k > actives:
                    # standbys count only after a failover: such a group would be DOWN with
                    # nothing failed
                    issues.append(
                        Issue(
                            f"min_up {k} exceeds the {actives} active member(s); standby members "
                            "count only after a failover, so make more members active or lower "
                            "min_up",
                            component=c.id,
                            field="min_up",
                            path=("components", i, "min_up"),
                        )
                    )
            seen_members: set[str] = set()
            for j, m in enumerate(c.members):
                where: tuple[str | int, ...] = ("components", i, "members", j)
                if m.id not in ids:
                    issues.append(
                        Issue(
                            f"member {quote(m.id)} is not a component in the model",
                            component=c.id,
                            field="members",
                            path=where,
                        )
                    )
                if m.id == c.id:
                    issues.append(
                        Issue(
                            "a group cannot be its own member",
                            component=c.id,
                            field="members",
                            path=where,
                        )
                    )
                if m.id in seen_members:
                    issues.append(
                        Issue(
                            f"member {quote(m.id)} is listed twice",
                            component=c.id,
                            field="members",
                            path=where,
                        )
                    )
                seen_members.add(m.id)
                if m.mode is MemberMode.ACTIVE and m.activation:
                    issues.append(
                        Issue(
                            "activation applies to standby members only",
                            component=c.id,
                            field="activation",
                            path=(*where, "activation"),
                        )
                    )
        else:
            if c.members:
                issues.append(
                    Issue(
                        f"members are only allowed on kind 'group', not {c.kind}",
                        component=c.id,
                        field="members",
                        path=("components", i, "members"),
                    )
                )
            if c.min_up is not None:
                issues.append(
                    Issue(
                        f"min_up is only allowed on kind 'group', not {c.kind}",
                        component=c.id,
                        field="min_up",
                        path=("components", i, "min_up"),
                    )
                )
    seen_edges: set[tuple[str, str, str]] = set()
    for n, d in enumerate(dependencies):
        where = dep_paths[n] if dep_paths else ("dependencies", n)
        if d.source not in ids:
            issues.append(
                Issue(
                    f"dependency from unknown component {quote(d.source)}",
                    component=d.source,
                    field="from",
                    path=where,
                )
            )
        if d.target not in ids:
            issues.append(
                Issue(
                    f"depends on unknown component {quote(d.target)}",
                    component=d.source,
                    field="needs",
                    path=where,
                )
            )
        if d.source == d.target:
            issues.append(
                Issue(
                    "a component cannot depend on itself",
                    component=d.source,
                    field="needs",
                    path=where,
                )
            )
        key = (d.source, d.target, d.type)
        if key in seen_edges:
            issues.append(
                Issue(
                    f"dependency on {quote(d.target)} ({d.type}) is given twice",
                    component=d.source,
                    field="needs",
                    path=where,
                )
            )
        seen_edges.add(key)
    return issues


def _check_provenance(
    c: Component, i: int, seen: dict[tuple[str, str], str], issues: list[Issue]
) -> None:
    """An ``external_id`` needs its ``source``, and names one component of that source."""
    assert c.external_id is not None
    where: tuple[str | int, ...] = ("components", i, "external_id")
    if c.source is None:
        issues.append(
            Issue(
                "external_id needs a source: say which system the key belongs to "
                "(e.g. source: servicenow)",
                component=c.id,
                field="external_id",
                path=where,
            )
        )
        return
    key = (c.source, c.external_id)
    first = seen.setdefault(key, c.id)
    if first != c.id:
        issues.append(
            Issue(
                f"components {quote(first)} and {quote(c.id)} have the same source "
                f"{quote(c.source)} and external_id {quote(c.external_id)}; a component of a "
                "source is in the model once",
                component=c.id,
                field="external_id",
                path=where,
            )
        )


# ---------------------------------------------------------------------------------------------
# file form (SPEC §5)


class NeedIn(BaseModel):
    """Long form of an entry under ``needs:``."""

    model_config = _STRICT

    id: str = Field(min_length=1)
    type: DependencyType = "depends_on"
    strength: Strength = Strength.HARD
    tolerance: FileDurationReq = 0


class MemberIn(BaseModel):
    """Long form of an entry under ``members:``."""

    model_config = _STRICT

    id: str = Field(min_length=1)
    mode: MemberMode = MemberMode.ACTIVE
    activation: FileDurationReq = 0


class DependencyIn(Dependency):
    """An entry of the top-level ``dependencies:`` list."""

    tolerance: FileDurationReq = 0


def _short_need(value: object) -> object:
    return {"id": value} if isinstance(value, str) else value


class ComponentIn(Component):
    """A component as written in a model file: the canonical fields plus ``needs``."""

    rto: FileDuration = None
    rpo: FileDuration = None
    mtpd: FileDuration = None
    recovery_time: FileDuration = None
    restart_time: FileDuration = None
    backup_interval: FileDuration = None
    needs: tuple[Annotated[NeedIn, BeforeValidator(_short_need)], ...] = ()
    members: tuple[Annotated[MemberIn, BeforeValidator(_short_need)], ...] = ()  # type: ignore[assignment]

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, v: Any) -> Any:
        return (v,) if isinstance(v, str) else v


class ModelIn(BaseModel):
    """A model file's top level (``version: 1``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1]
    components: tuple[ComponentIn, ...] = ()
    dependencies: tuple[DependencyIn, ...] = ()

    def normalise(
        self,
    ) -> tuple[list[Component], list[Dependency], list[tuple[str | int, ...]]]:
        """Canonical components, every edge in one list, and where each edge was written."""
        components: list[Component] = []
        deps: list[Dependency] = []
        paths: list[tuple[str | int, ...]] = []
        for i, c in enumerate(self.components):
            data = c.__dict__.copy()
            del data["needs"]
            data["members"] = tuple(
                _construct(Member, {"id": m.id, "mode": m.mode, "activation": m.activation})
                for m in c.members
            )
            components.append(_construct(Component, data))
            for j, n in enumerate(c.needs):
                deps.append(
                    _construct(
                        Dependency,
                        {
                            "source": c.id,
                            "target": n.id,
                            "type": n.type,
                            "strength": n.strength,
                            "tolerance": n.tolerance,
                        },
                    )
                )
                paths.append(("components", i, "needs", j))
        for j, d in enumerate(self.dependencies):
            deps.append(
                _construct(
                    Dependency,
                    {
                        "source": d.source,
                        "target": d.target,
                        "type": d.type,
                        "strength": d.strength,
                        "tolerance": d.tolerance,
                    },
                )
            )
            paths.append(("dependencies", j))
        return components, deps, paths


_M = TypeVar("_M", bound=BaseModel)


def _construct(cls: type[_M], values: dict[str, Any]) -> _M:
    """An instance from complete, already-validated field values: no validation, no defaults.

    What ``model_construct`` does without its per-field alias and default look-ups, which are
    most of the time of loading a 100k-component file. ``values`` must hold every field.
    """
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


def model_to_document(model: Model) -> dict[str, Any]:
    """The model as a SPEC §5 document (short forms where possible).

    Dependencies go under each component's ``needs:`` when their order allows it (grouped by
    dependent, in component order, as :meth:`ModelIn.normalise` reads them back); otherwise all
    of them go in the top-level ``dependencies:`` list, so that loading the result with
    :meth:`ModelIn.model_validate` and :meth:`Model.from_input` gives an equal model.
    """
    position = {c.id: i for i, c in enumerate(model.components)}
    order = [position.get(d.source, len(position)) for d in model.dependencies]
    as_needs = all(a <= b for a, b in pairwise(order))
    needs: dict[str, list[Any]] = {}
    top: list[dict[str, Any]] = []
    for d in model.dependencies:
        entry: dict[str, Any] = {"id": d.target} if as_needs else {"from": d.source, "to": d.target}
        if d.type != "depends_on":
            entry["type"] = d.type
        if d.strength is not Strength.HARD:
            entry["strength"] = d.strength.value
        if d.tolerance:
            entry["tolerance"] = format_duration(d.tolerance)
        if not as_needs:
            top.append(entry)
        else:
            needs.setdefault(d.source, []).append(d.target if len(entry) == 1 else entry)
    out = []
    for c in model.components:
        doc: dict[str, Any] = {"id": c.id, "kind": c.kind.value}
        for f in ("name", "type", "tier", "impact_per_hour", "owner", "team"):
            v = getattr(c, f)
            if v is not None:
                doc[f] = v
        for f in ("rto", "rpo", "mtpd", "recovery_time", "restart_time", "backup_interval"):
            v = getattr(c, f)
            if v is not None:
                doc[f] = format_duration(v)
        if c.tags:
            doc["tags"] = list(c.tags)
        for f in ("source", "external_id"):
            v = getattr(c, f)
            if v is not None:
                doc[f] = v
        if c.min_up is not None:
            doc["min_up"] = c.min_up
        if c.members:
            doc["members"] = [
                m.id
                if m.mode is MemberMode.ACTIVE and not m.activation
                else {"id": m.id, "mode": m.mode.value, "activation": format_duration(m.activation)}
                for m in c.members
            ]
        if c.id in needs:
            doc["needs"] = needs[c.id]
        out.append(doc)
    document: dict[str, Any] = {"version": 1, "components": out}
    if top:
        document["dependencies"] = top
    return document
