"""The shapes of the estate routes' requests and answers, as OpenAPI shows them.

Model documents (a component with its ``needs``, a dependency, a whole model) are the model
file's forms of SPEC §5, so that what a CMDB tool writes to a file it can send, and what it
reads back it can write again. Their bodies are read and checked by the model files' own
reader (the same messages, with the line of the body); the classes here declare them for
OpenAPI and shape the answers. Every input schema forbids unknown fields.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from impactgraph.model import MAX_EXTERNAL_ID, Kind

_FORBID = ConfigDict(extra="forbid")

#: a duration as a model file writes it (``90s``, ``15m``, ``4h``, ``1h30m``, ``PT4H``) or
#: whole seconds
DurationText = str | int
KindName = Literal["business_service", "service", "infrastructure", "site", "supplier", "group"]
assert set(KindName.__args__) == {k.value for k in Kind}  # type: ignore[attr-defined]


class NeedDoc(BaseModel):
    """A dependency of a component, written under its ``needs`` (long form)."""

    model_config = _FORBID

    id: str = Field(min_length=1, description="the component needed")
    type: str = Field(default="depends_on", examples=["runs_on"])
    strength: Literal["hard", "soft"] = "hard"
    tolerance: DurationText = Field(default=0, examples=["4h"])


class MemberDoc(BaseModel):
    """A member of a group (long form)."""

    model_config = _FORBID

    id: str = Field(min_length=1)
    mode: Literal["active", "standby"] = "active"
    activation: DurationText = Field(default=0, examples=["30m"])


class ComponentDoc(BaseModel):
    """A component as a model file writes it, with its dependencies under ``needs``."""

    model_config = _FORBID

    id: str = Field(min_length=1, examples=["payments-api"])
    name: str | None = None
    kind: KindName
    type: str | None = None
    tier: int | None = Field(default=None, ge=1, le=9)
    rto: DurationText | None = None
    rpo: DurationText | None = None
    mtpd: DurationText | None = None
    recovery_time: DurationText | None = None
    restart_time: DurationText | None = None
    backup_interval: DurationText | None = None
    impact_per_hour: float | None = Field(default=None, ge=0)
    owner: str | None = None
    team: str | None = None
    tags: list[str] | None = None
    source: str | None = Field(default=None, examples=["servicenow"])
    external_id: str | None = Field(default=None, max_length=MAX_EXTERNAL_ID)
    min_up: int | None = None
    members: list[str | MemberDoc] | None = None
    needs: list[str | NeedDoc] | None = None


class ComponentPatch(BaseModel):
    """A JSON merge patch (RFC 7396) of a component: the fields given replace the component's,
    ``null`` removes one; ``needs`` and ``members``, when given, replace the whole list."""

    model_config = ConfigDict(extra="forbid", title="ComponentPatch")

    name: str | None = None
    kind: KindName | None = None
    type: str | None = None
    tier: int | None = Field(default=None, ge=1, le=9)
    rto: DurationText | None = None
    rpo: DurationText | None = None
    mtpd: DurationText | None = None
    recovery_time: DurationText | None = None
    restart_time: DurationText | None = None
    backup_interval: DurationText | None = None
    impact_per_hour: float | None = Field(default=None, ge=0)
    owner: str | None = None
    team: str | None = None
    tags: list[str] | None = None
    source: str | None = None
    external_id: str | None = None
    min_up: int | None = None
    members: list[str | MemberDoc] | None = None
    needs: list[str | NeedDoc] | None = None


class DependencyDoc(BaseModel):
    """A dependency as the model file's top-level ``dependencies`` writes it: *from* needs
    *to*."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str = Field(alias="from", min_length=1, examples=["payments-api"])
    to: str = Field(min_length=1, examples=["host2"])
    type: str = Field(default="depends_on", examples=["runs_on"])
    strength: Literal["hard", "soft"] = "hard"
    tolerance: DurationText = Field(default=0, examples=["4h"])


class DependencyPatch(BaseModel):
    """A JSON merge patch (RFC 7396) of a dependency: its strength or tolerance (its key,
    ``from``, ``to`` and ``type``, stays)."""

    model_config = _FORBID

    strength: Literal["hard", "soft"] | None = None
    tolerance: DurationText | None = None


class ModelDocument(BaseModel):
    """A whole model, as a model file (SPEC §5) writes it."""

    model_config = _FORBID

    version: Literal[1] = Field(description="the model file format: 1")
    components: list[ComponentDoc] = []
    dependencies: list[DependencyDoc] | None = None


class UpsertRequest(BaseModel):
    """A bulk sync from a source (see ``POST /v1/model:upsert``)."""

    model_config = _FORBID

    source: str | None = Field(
        default=None,
        description="the system that sends (servicenow, backstage, …): every component sent "
        "takes it",
        examples=["servicenow"],
    )
    remove_missing: bool = Field(
        default=False,
        description="remove components of `source` that were not sent, and dependencies from "
        "them that were not sent (needs a source)",
    )
    components: list[ComponentDoc] = []
    dependencies: list[DependencyDoc] = []


# ---------------------------------------------------------------------------------------------
# answers


class Counts(BaseModel):
    """How many items a sync created, updated, left unchanged and removed."""

    created: int
    updated: int
    unchanged: int
    removed: int


class UpsertResult(BaseModel):
    """What a sync did (or, with ``dry_run``, would do), and the model version after it."""

    source: str | None = None
    dry_run: bool
    version: int
    components: Counts
    dependencies: Counts
    changed: dict[str, dict[str, list[str]]] | None = None


class Written(BaseModel):
    """A write's outcome: the model version it made (the current one if nothing changed)."""

    version: int


class Loaded(BaseModel):
    """A whole model replaced: the new version and what the model holds."""

    version: int
    components: int
    dependencies: int


class ComponentPage(BaseModel):
    """One page of components, by id; ``next_cursor`` asks for the next (null: no more)."""

    items: list[ComponentDoc]
    next_cursor: str | None
    version: int


class DependencyPage(BaseModel):
    """One page of dependencies, by (from, to, type); ``next_cursor`` asks for the next."""

    items: list[DependencyDoc]
    next_cursor: str | None
    version: int


class ApiKeyCreate(BaseModel):
    """A key to make: its role and an optional name (who or what uses it)."""

    model_config = _FORBID

    role: Literal["reader", "editor", "admin"]
    name: str | None = Field(default=None, min_length=1, max_length=200)


class ApiKeyInfo(BaseModel):
    """An API key as listed: never its secret."""

    id: str
    role: str
    name: str | None
    created: str
    revoked: str | None


class ApiKeyCreated(ApiKeyInfo):
    """A new key, with the key text itself: shown this once, never again."""

    key: str


class Health(BaseModel):
    """The process answers (``/healthz``), or the store answers too (``/readyz``)."""

    status: Literal["ok", "ready"]
    version: int | None = None
