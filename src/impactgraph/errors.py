"""Every error impactgraph raises on purpose, each mapped once to an exit code and a problem type.

::

    ImpactGraphError                 exit 1   (internal; a bug if it escapes)
    ├── InputError                   exit 2   bad input from the user
    │   ├── DurationError                      a duration that cannot be parsed
    │   ├── ModelError                         a model file / payload with one or more issues
    │   ├── ScenarioError                      a scenario, failure spec or selector that is wrong
    │   └── UnknownComponentError              an id that is not in the model
    └── StoreError                   exit 2   the store cannot do what was asked
        ├── StoreUnavailableError              cannot reach / open the store
        └── StoreIntegrityError                the store holds something impossible

The CLI prints ``str(error)`` and exits with ``error.exit_code``; the HTTP API answers with
RFC 9457 problem details built from ``problem_type``, ``title`` and ``str(error)``.
"""

from __future__ import annotations

from dataclasses import dataclass

PROBLEM_BASE = "https://impactgraph.dev/problems/"


class ImpactGraphError(Exception):
    """Base of every impactgraph error."""

    exit_code: int = 1
    problem_type: str = "internal"
    title: str = "Internal error"
    http_status: int = 500


class InputError(ImpactGraphError):
    """The user's input is wrong; the message says where and how to fix it."""

    exit_code = 2
    problem_type = "bad-input"
    title = "Bad input"
    http_status = 400


class DurationError(InputError):
    """A duration that cannot be parsed, or is negative."""

    problem_type = "bad-duration"
    title = "Bad duration"


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
            what.append(f"component {self.component!r}")
        if self.field:
            what.append(f"field {self.field!r}")
        prefix = (", ".join(what) + ": ") if what else ""
        return f"{where}{prefix}{self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "component": self.component,
            "field": self.field,
        }


class ModelError(InputError):
    """A model with one or more issues; all of them are reported at once."""

    problem_type = "invalid-model"
    title = "Invalid model"
    http_status = 422

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = list(issues)
        n = len(self.issues)
        head = f"{n} error{'s' if n != 1 else ''} in model"
        super().__init__(head + ":\n" + "\n".join(f"  {i}" for i in self.issues))


class ScenarioError(InputError):
    """A scenario, failure spec or selector that is wrong."""

    problem_type = "invalid-scenario"
    title = "Invalid scenario"
    http_status = 422


class UnknownComponentError(InputError):
    """An id that the model does not have."""

    problem_type = "unknown-component"
    title = "Unknown component"
    http_status = 404

    def __init__(self, component_id: str, hint: str = "") -> None:
        self.component_id = component_id
        msg = f"unknown component {component_id!r}"
        super().__init__(msg + (f" ({hint})" if hint else ""))


class StoreError(ImpactGraphError):
    """The store cannot do what was asked."""

    exit_code = 2
    problem_type = "store"
    title = "Store error"
    http_status = 503


class StoreUnavailableError(StoreError):
    """The store cannot be reached or opened (server down, bad URL, wrong password)."""

    problem_type = "store-unavailable"
    title = "Store unavailable"


class StoreIntegrityError(StoreError):
    """The store holds data impactgraph cannot read (wrong schema version, corruption)."""

    problem_type = "store-integrity"
    title = "Store integrity error"
    http_status = 500
