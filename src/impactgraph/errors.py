"""Every error impactgraph raises on purpose, each mapped once to an exit code and a problem type.

::

    class                          exit  HTTP  problem type        what
    ImpactGraphError                  1   500  internal            (the base; never raised)
    ├── InternalError                 1   500  internal            a bug, not the input
    ├── SetupError                    1   500  setup               a part of the install is missing
    ├── LayoutError                   2   500  layout-failed       Graphviz cannot lay a picture out
    ├── InputError                    2   400  bad-input           the user's input is wrong
    │   ├── DurationError             2   400  bad-duration        a duration that cannot be read
    │   ├── ModelError                2   422  invalid-model       a model with one or more issues
    │   │   └── ImportInputError      2   422  invalid-import      an import's input, unreadable (*)
    │   ├── ScenarioError             2   422  invalid-scenario    failures, scenario file, selector
    │   ├── CapacityError             2   422  invalid-capacity    recovery crews (``--teams``)
    │   ├── QueryError                2   422  bad-query           a question the answer cannot take
    │   ├── UnknownComponentError     2   404  unknown-component   an id not in the model
    │   ├── UnknownDependencyError    2   404  unknown-dependency  an edge key not in the model
    │   ├── StoreUrlError             2   400  bad-store-url       a store URL of an unknown form
    │   ├── NoModelError              2   404  no-model            no store there, or an empty one
    │   ├── VersionConflictError      2   412  version-conflict    a write made for another version
    │   ├── ConflictError             2   409  conflict            exists already, or still named
    │   ├── TooLargeError             2   413  too-large           a body or model above the limits
    │   ├── MalformedBodyError        2   400  malformed-body      a body that cannot be read
    │   ├── RequestError              2   422  invalid-request     parameters that fit no schema
    │   ├── UnknownApiKeyError        2   404  unknown-api-key     an API key id the store lacks
    │   ├── NotAuthenticatedError     2   401  unauthenticated     no API key, or not a valid one
    │   └── ForbiddenError            2   403  forbidden           a key whose role is too low
    └── StoreError                    2   503  store               cannot do what was asked
        ├── StoreUnavailableError     2   503  store-unavailable   cannot reach / open the store
        └── StoreIntegrityError       2   500  store-integrity     it holds something impossible

(*) :class:`~impactgraph.importers.result.ImportInputError` lives with the importers (its
issues name the file, line, record and field too); every other class is here.

Each class states its row once, in its ``class`` line; subclasses inherit what they do not
say. The CLI prints ``str(error)`` and exits with ``error.exit_code``; the HTTP API answers
with :meth:`ImpactGraphError.problem`, RFC 9457 problem details. Anything else that escapes
(an ``AssertionError``, a ``KeyError``) is a bug too, and exits 1 like :class:`InternalError`.

>>> e = UnknownComponentError("dc9", "not in the model")
>>> e.exit_code, e.problem()["type"], e.problem()["status"]
(2, 'https://impactgraph.dev/problems/unknown-component', 404)
>>> InternalError("plan: a step that never becomes ready").exit_code
1
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass, fields
from typing import ClassVar

PROBLEM_BASE = "https://impactgraph.dev/problems/"
QUOTE_LIMIT = 80
"""The most characters of a value that an error message quotes."""
MAX_LISTED_ISSUES = 100
"""The most issues a :class:`ModelError`'s message lists; the rest are counted."""

_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother = 3, QUOTE_LIMIT, QUOTE_LIMIT
_REPR.maxdict = _REPR.maxlist = _REPR.maxtuple = _REPR.maxset = 4


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``repr(value)`` for an error message, shortened to about ``limit`` characters with "…".

    Never builds the whole repr of a large or deeply nested value (a YAML alias bomb, a
    100 MB string, a 10**5000 integer): the cost is bounded, whatever ``value`` is.

    >>> quote("dc1"), quote("x" * 200)[-6:], len(quote("x" * 200))
    ("'dc1'", 'xxxxx…', 80)
    >>> quote(10**5000)
    'an integer of about 5000 digits'
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        return f"an integer of about {int(value.bit_length() * 0.30103)} digits"
    if isinstance(value, str | bytes):
        text = repr(value[: limit + 1])
    elif isinstance(value, dict | list | tuple | set | frozenset):
        text = _REPR.repr(value)
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ImpactGraphError(Exception):
    """Base of every impactgraph error; raise one of the classes below, never this one."""

    exit_code: ClassVar[int] = 1
    problem_type: ClassVar[str] = "internal"
    title: ClassVar[str] = "Internal error"
    http_status: ClassVar[int] = 500

    def __init_subclass__(
        cls,
        *,
        problem: str,
        title: str,
        status: int | None = None,
        exit_code: int | None = None,
    ) -> None:
        super().__init_subclass__()
        cls.problem_type, cls.title = problem, title
        if status is not None:
            cls.http_status = status
        if exit_code is not None:
            cls.exit_code = exit_code

    def problem(self) -> dict[str, object]:
        """RFC 9457 problem details: ``type``, ``title``, ``status`` and ``detail``."""
        return {
            "type": PROBLEM_BASE + self.problem_type,
            "title": self.title,
            "status": self.http_status,
            "detail": str(self),
        }


class InternalError(ImpactGraphError, problem="internal", title="Internal error", exit_code=1):
    """impactgraph contradicts itself (an answer that does not match its graph): a bug to report,
    never the user's input."""


class SetupError(ImpactGraphError, problem="setup", title="Incomplete installation"):
    """A part of the installation is missing: impactgraph's Cypher files, Graphviz's ``dot``."""


class LayoutError(
    ImpactGraphError, problem="layout-failed", title="Layout failed", status=500, exit_code=2
):
    """Graphviz refused to lay out a picture we wrote (a limit of its layout, such as ``dot``'s
    "triangulation failed"): the message names the picture kind and Graphviz's own words, and
    says what still works (the DOT or Mermaid text, fewer nodes, a focus). A 500, since the
    request was right; exit 2, since the user can ask for another picture."""


class InputError(ImpactGraphError, problem="bad-input", title="Bad input", status=400, exit_code=2):
    """The user's input is wrong; the message says where and how to fix it."""


class DurationError(InputError, problem="bad-duration", title="Bad duration"):
    """A duration that cannot be parsed, or is negative."""


@dataclass(frozen=True)
class Issue:
    """One problem found in a model: where it is and what is wrong."""

    message: str
    file: str | None = None
    line: int | None = None
    component: str | None = None
    field: str | None = None
    #: where in the document: ("components", 3, "needs", 0, "tolerance"); used to find the line
    path: tuple[str | int, ...] = ()

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "") + ": "
        elif self.line:
            where = f"line {self.line}: "
        what = []
        if self.component is not None:
            what.append(f"component {quote(self.component)}")
        if self.field:
            what.append(f"field {quote(self.field)}")
        prefix = (", ".join(what) + ": ") if what else ""
        return f"{where}{prefix}{self.message}"

    def as_dict(self) -> dict[str, object]:
        """``{message, file, line, component, field}`` (the path stays internal)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "path"}


class ModelError(InputError, problem="invalid-model", title="Invalid model", status=422):
    """A model with one or more issues; all of them are reported at once."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = list(issues)
        n = len(self.issues)
        head = f"{n} error{'s' if n != 1 else ''} in model"
        listed = [f"  {i}" for i in self.issues[:MAX_LISTED_ISSUES]]
        if n > MAX_LISTED_ISSUES:  # the first ones say what is wrong; the rest are counted
            listed.append(f"  … and {n - MAX_LISTED_ISSUES} more")
        super().__init__(head + ":\n" + "\n".join(listed))


class ScenarioError(InputError, problem="invalid-scenario", title="Invalid scenario", status=422):
    """A scenario, failure spec or selector that is wrong."""


class CapacityError(InputError, problem="invalid-capacity", title="Invalid capacity", status=422):
    """Recovery capacity that cannot be used: no crews, a team given twice, ``--teams`` unread."""


class QueryError(InputError, problem="bad-query", title="Bad query", status=422):
    """A question the model or answer cannot take: explaining a component that stays UP, a
    dependency type the model does not have, a strength other than hard or soft."""


class UnknownComponentError(
    InputError, problem="unknown-component", title="Unknown component", status=404
):
    """An id that the model does not have."""

    def __init__(self, component_id: str, hint: str = "") -> None:
        self.component_id = component_id
        msg = f"unknown component {quote(component_id)}"
        super().__init__(msg + (f" ({hint})" if hint else ""))


class UnknownDependencyError(
    InputError, problem="unknown-dependency", title="Unknown dependency", status=404
):
    """A dependency, keyed by (source, target, type), that the model does not have."""


class StoreUrlError(InputError, problem="bad-store-url", title="Bad store URL"):
    """A store URL of an unknown form, or one that names no file or host."""


class NoModelError(InputError, problem="no-model", title="No model", status=404):
    """Nothing to read: no store at that path, or a store that holds no model yet."""


class VersionConflictError(
    InputError, problem="version-conflict", title="Version conflict", status=412
):
    """A write that expected the model at one version found it at another (someone else wrote
    in between); nothing was changed. ``expected`` and ``actual`` are the two versions.

    >>> VersionConflictError(expected=5, actual=7).args[0]
    'the model is at version 7, not 5: read it again and retry'
    """

    def __init__(self, *, expected: int, actual: int) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"the model is at version {actual}, not {expected}: read it again and retry"
        )


class ConflictError(InputError, problem="conflict", title="Conflict", status=409):
    """A write that would clash with what the model holds: an id that exists already, or a
    delete that would leave dependencies or group members naming nothing. ``issues`` name
    each clashing component and field."""

    def __init__(self, message: str, issues: list[Issue] | None = None) -> None:
        self.issues = list(issues or ())
        super().__init__(message)


class TooLargeError(InputError, problem="too-large", title="Too large", status=413):
    """A request body, or the model a write would leave, above the server's limits."""


class MalformedBodyError(InputError, problem="malformed-body", title="Malformed body"):
    """A request body that is not UTF-8 JSON (or YAML where that is accepted), or of a
    content type the route does not take; ``line`` where known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(message)


class RequestError(InputError, problem="invalid-request", title="Invalid request", status=422):
    """Query, path or body values that do not fit the route's schema; every one is listed."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = list(issues)
        n = len(self.issues)
        listed = "; ".join(str(i) for i in self.issues[:MAX_LISTED_ISSUES])
        super().__init__(f"{n} error{'s' if n != 1 else ''} in request: {listed}")


class UnknownApiKeyError(
    InputError, problem="unknown-api-key", title="Unknown API key", status=404
):
    """An API key id that the store does not hold."""


class NotAuthenticatedError(
    InputError, problem="unauthenticated", title="Not authenticated", status=401
):
    """A request without an API key, or with one that is unknown, revoked or malformed."""


class ForbiddenError(InputError, problem="forbidden", title="Forbidden", status=403):
    """A valid API key whose role does not allow the request."""


class StoreError(ImpactGraphError, problem="store", title="Store error", status=503, exit_code=2):
    """The store cannot do what was asked."""


class StoreUnavailableError(StoreError, problem="store-unavailable", title="Store unavailable"):
    """The store cannot be reached or opened (server down, bad URL, wrong password)."""


class StoreIntegrityError(
    StoreError, problem="store-integrity", title="Store integrity error", status=500
):
    """The store holds data impactgraph cannot read (wrong schema version, corruption)."""
