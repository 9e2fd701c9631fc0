"""Model files (SPEC §5): YAML or JSON in, every error at once with its line; and out again.

Reading is get → validate → build. :mod:`impactgraph.document` parses the text without caring
about lines; only when something is wrong are the lines of the offending places looked up, so
that a 100k-component file that is right costs no more than parsing and validating it.

This module reads and writes models only, and depends on the model and the errors, never on
the engine: data flows file → model → store → graph → engine. Scenario files, whose answer is
the engine's :class:`~impactgraph.engine.scenario.Scenario`, are read by
:mod:`impactgraph.scenariofile`, which sits above the engine.

>>> m = parse_model_text('''
... version: 1
... components:
...   - {id: dc1, kind: site}
...   - {id: host1, kind: infrastructure, needs: [{id: dc1, type: located_at}]}
... ''')
>>> [(d.source, d.target, d.type) for d in m.dependencies]
[('host1', 'dc1', 'located_at')]
>>> try:
...     parse_model_text('{"version": 1, "components": [{"id": "a", "kind": "site", "rto": 30}]}',
...                      "m.json")
... except ModelError as e:
...     print(e.issues[0])  # doctest: +ELLIPSIS
m.json:1: component 'a', field 'rto': unit-less duration 30 is ambiguous; write it with a unit...
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import json
import os
import tempfile
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import TypeAdapter, ValidationError, ValidatorFunctionWrapHandler, WrapValidator
from pydantic_core import ErrorDetails

from impactgraph._gc import no_gc
from impactgraph.document import (
    EXTENSIONS,
    DocPath,
    Format,
    Parsed,
    parse,
    read_text,
    sniff,
)
from impactgraph.errors import Issue, ModelError, quote
from impactgraph.model import (
    Component,
    ComponentIn,
    Dependency,
    DependencyIn,
    Kind,
    MemberIn,
    Model,
    ModelIn,
    NeedIn,
    check_references,
    model_to_document,
)


def parse_model_text(text: str, filename: str = "<model>", fmt: Format | None = None) -> Model:
    """Parse and validate a model document; raise one :class:`ModelError` with every issue.

    ``fmt`` is ``"yaml"`` or ``"json"``; ``None`` sniffs it (a leading ``{`` means JSON).
    """
    with no_gc():
        return _parse_model(text, filename, fmt or sniff(text))


def _parse_model(text: str, filename: str, fmt: Format) -> Model:
    return _model_of(parse(text, filename, fmt, ModelError), filename)


def read_model_document(parsed: Parsed, filename: str) -> Model:
    """The model of a parsed model document (an HTTP request's body, say), checked exactly as
    a model file is: one :class:`ModelError` with every issue, each with its line."""
    with no_gc():
        return _model_of(parsed, filename)


def check_parts(
    document: dict[str, Any], known: Collection[str]
) -> tuple[list[Component], list[Dependency]]:
    """The components and dependencies of ``{"components": [...], "dependencies": [...]}``
    (the lists of a model file, as a bulk write sends them), checked as a model file's are:
    fields with the same messages, references against what is sent and ``known`` (the ids
    a store holds), group and dependency rules.

    Raises one :class:`ModelError` with every issue; their paths point into ``document``
    (no file or line: the caller knows where the document came from).

    >>> comps, deps = check_parts({"components": [{"id": "h1", "kind": "infrastructure",
    ...                                           "needs": ["dc1"]}]}, known={"dc1"})
    >>> [c.id for c in comps], [(d.source, d.target) for d in deps]
    (['h1'], [('h1', 'dc1')])
    """
    whole = {"version": 1, **document}
    try:
        spec = ModelIn.model_validate(whole)
    except ValidationError as e:
        errors = e.errors()
        raise ModelError(
            [
                _issue_from_error(err, whole, suggest=n < _MAX_SUGGESTIONS)
                for n, err in enumerate(errors)
            ]
            + _salvaged_reference_issues(whole, errors, known)
        ) from None
    components, dependencies, paths = spec.normalise()
    stand_ins = _stand_ins(components, dependencies, known)
    issues = check_references([*components, *stand_ins], dependencies, paths)
    if issues:
        raise ModelError(issues)
    return components, dependencies


def _model_of(parsed: Parsed, filename: str) -> Model:
    issues = [
        Issue(
            f"key {quote(key)} is given twice (only one is allowed)",
            path=path,
            field=key,
            component=_owner(path, parsed.document),
        )
        for path, key in parsed.duplicates
    ]
    try:
        spec = ModelIn.model_validate(parsed.document)
    except ValidationError as e:
        errors = e.errors()
        issues += [
            _issue_from_error(err, parsed.document, suggest=n < _MAX_SUGGESTIONS)
            for n, err in enumerate(errors)
        ]
        issues += _salvaged_reference_issues(parsed.document, errors)
    else:
        try:
            model = Model.from_input(spec)
        except ModelError as e:
            issues += e.issues
        else:
            if not issues:
                return model
    raise ModelError(_locate(issues, parsed, filename))


def load_model_file(path: str | os.PathLike[str]) -> Model:
    """Read a model file (format from ``.yaml``/``.yml``/``.json``, else sniffed)."""
    text = read_text(path, ModelError)
    return parse_model_text(text, str(path), EXTENSIONS.get(Path(path).suffix.lower()))


def write_model_file(model: Model, path: str | os.PathLike[str]) -> None:
    """Write ``model`` as JSON (``.json``) or YAML (anything else); loading it gives ``model``.

    The file is replaced atomically, so a reader never sees half a model.
    """
    write_atomically(path, model_file_text(model, path))


def model_file_text(model: Model, path: str | os.PathLike[str]) -> str:
    """``model`` as the text of a model file at ``path``: JSON for ``.json``, else YAML."""
    doc = model_to_document(model)
    if Path(path).suffix.lower() == ".json":
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text: str = yaml.dump(doc, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)
    return text


def write_atomically(path: str | os.PathLike[str], text: str) -> None:
    """Replace the file at ``path`` with ``text`` (UTF-8) in one step: written to a temporary
    file beside it, then renamed over it, so a reader never sees half a file. A target that
    exists and is not a regular file (a device such as ``/dev/stdout``, a pipe) is written in
    place instead: renaming over it would replace the device."""
    target = Path(path)
    if target.exists() and not target.is_file():
        with open(target, "w", encoding="utf-8") as out:
            out.write(text)
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------------------------
# issues: from pydantic, from cross-references, with their lines


def _locate(issues: list[Issue], parsed: Parsed, filename: str) -> list[Issue]:
    located = [dataclasses.replace(i, file=filename, line=parsed.line(i.path)) for i in issues]
    return sorted(located, key=lambda i: i.line if i.line is not None else 1 << 62)


_FIELDS_TOP = ("version", "components", "dependencies")
_FIELDS_DEPENDENCY = ("from", "to", "type", "strength", "tolerance")


def _allowed_fields(loc: DocPath) -> tuple[str, ...]:
    """The fields that may be written where ``loc`` (ending in the bad field) points."""
    where = loc[:-1]
    if not where:
        return _FIELDS_TOP
    if where[0] == "dependencies":
        return _FIELDS_DEPENDENCY
    if len(where) == 2:
        return tuple(ComponentIn.model_fields)
    if len(where) == 4 and where[2] == "needs":
        return tuple(NeedIn.model_fields)
    if len(where) == 4 and where[2] == "members":
        return tuple(MemberIn.model_fields)
    return ()


def _describe(value: object) -> str:
    return quote(value)


def _owner(loc: DocPath, document: Any) -> str | None:
    """The id of the component an error location belongs to, when it can be read."""
    if len(loc) < 2 or not isinstance(loc[1], int) or not isinstance(document, dict):
        return None
    items = document.get(str(loc[0]))
    if not isinstance(items, list) or not 0 <= loc[1] < len(items):
        return None
    item = items[loc[1]]
    key = "id" if loc[0] == "components" else "from"
    value = item.get(key) if isinstance(item, dict) else None
    return value if isinstance(value, str) else None


# "did you mean" costs a fuzzy match per error: offered for the first ones only, which are
# the ones listed (a file with 40,000 unknown fields must not take seconds to refuse)
_MAX_SUGGESTIONS = 1000


@functools.lru_cache(maxsize=1024)
def _suggestion(name: str, allowed: tuple[str, ...]) -> str | None:
    hint = difflib.get_close_matches(name, allowed, n=1, cutoff=0.75)
    return hint[0] if hint else None


def _message(err: ErrorDetails, loc: DocPath, suggest: bool = True) -> str:
    kind, given = err["type"], err.get("input")
    name = next((str(p) for p in reversed(loc) if isinstance(p, str)), "")
    if kind == "extra_forbidden":
        hint = [h] if suggest and (h := _suggestion(name[:100], _allowed_fields(loc))) else []
        return f"unknown field {quote(name)}" + (f"; did you mean {hint[0]!r}?" if hint else "")
    if kind == "missing":
        return "this field is required"
    if kind == "value_error":
        return err["msg"].removeprefix("Value error, ")
    if kind == "literal_error" and loc == ("version",):
        return f"version {_describe(given)} is not supported; write version: 1"
    if kind == "enum":
        return f"{_describe(given)} is not one of {err.get('ctx', {}).get('expected', '')}"
    if kind in ("string_type", "string_too_short"):
        if given is None or given == "":
            return "is empty; write a value or leave the field out"
        return f"{_describe(given)} is not text; put it in quotes"
    if kind in ("tuple_type", "list_type"):
        return f"expected a list, got {_describe(given)}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        if not loc:
            return "a model file is a mapping with 'version: 1' and 'components'"
        if len(loc) == 2 and loc[0] == "components":
            return f"a component is a mapping with 'id' and 'kind', got {_describe(given)}"
        if len(loc) == 4 and loc[2] in ("needs", "members"):
            return f"expected an id or a mapping with 'id', got {_describe(given)}"
        return f"expected a mapping, got {_describe(given)}"
    msg = err["msg"].replace("Input should be", "should be")
    return f"{_describe(given)}: {msg}" if given is not None else msg


def _issue_from_error(err: ErrorDetails, document: Any, suggest: bool = True) -> Issue:
    loc: DocPath = tuple(err["loc"])
    field = next((str(p) for p in reversed(loc) if isinstance(p, str)), None)
    if len(loc) <= 2 and loc[:1] in (("components",), ("dependencies",)):
        field = None if len(loc) == 2 else field
    return Issue(
        _message(err, loc, suggest), component=_owner(loc, document), field=field, path=loc
    )


def _none_if_invalid(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    try:
        return handler(value)
    except ValidationError:
        return None


_SOME_COMPONENTS = TypeAdapter(list[Annotated[ComponentIn | None, WrapValidator(_none_if_invalid)]])
_SOME_DEPENDENCIES = TypeAdapter(
    list[Annotated[DependencyIn | None, WrapValidator(_none_if_invalid)]]
)


def _salvaged_reference_issues(
    document: Any, errors: list[ErrorDetails], known: Collection[str] = ()
) -> list[Issue]:
    """Cross-reference issues among the parts of a schema-invalid document that did validate.

    Each component stays at its index (an unreadable one becomes a placeholder nobody can
    name) so that the paths, and so the lines, of the issues are right. ``errors`` are the
    document's schema errors: they say which fields of which component are wrong.
    """
    if not isinstance(document, dict):
        return []
    bad_fields: dict[int, set[str]] = {}
    for err in errors:
        loc = err["loc"]
        if len(loc) >= 3 and loc[0] == "components" and isinstance(loc[1], int):
            bad_fields.setdefault(loc[1], set()).add(str(loc[2]))
    raw_components = document.get("components")
    raw_components = raw_components if isinstance(raw_components, list) else []
    kept: list[ComponentIn] = []
    salvaged: list[Dependency] = []
    salvaged_paths: list[DocPath] = []
    for i, (raw, valid) in enumerate(
        zip(raw_components, _SOME_COMPONENTS.validate_python(raw_components), strict=True)
    ):
        if valid is None:
            valid, needs = _salvage_component(i, raw, bad_fields.get(i))
            for j, need in needs:
                salvaged.append(
                    Dependency.model_construct(
                        source=valid.id,
                        target=need.id,
                        type=need.type,
                        strength=need.strength,
                        tolerance=need.tolerance,
                    )
                )
                salvaged_paths.append(("components", i, "needs", j))
        kept.append(valid)
    raw_dependencies = document.get("dependencies")
    raw_dependencies = raw_dependencies if isinstance(raw_dependencies, list) else []
    top = list(enumerate(_SOME_DEPENDENCIES.validate_python(raw_dependencies)))
    components, dependencies, paths = ModelIn.model_construct(
        version=1, components=tuple(kept), dependencies=tuple(d for _, d in top if d is not None)
    ).normalise()
    paths = [p for p in paths if p[0] == "components"] + [
        ("dependencies", j) for j, d in top if d is not None
    ]
    return check_references(
        components + _stand_ins(components, dependencies + salvaged, known),
        dependencies + salvaged,
        paths + salvaged_paths,
    )


def _stand_ins(
    components: list[Component], dependencies: list[Dependency], known: Collection[str]
) -> list[Component]:
    """Placeholders for the ids in ``known`` that the dependencies and members name but the
    components sent are not: references to them are good."""
    if not known:
        return []
    sent = {c.id for c in components}
    named = {d.source for d in dependencies} | {d.target for d in dependencies}
    named |= {m.id for c in components for m in c.members}
    return [
        Component.model_construct(id=cid, kind=Kind.SERVICE)
        for cid in sorted(named - sent)
        if cid in known
    ]


def _salvage_component(
    i: int, raw: Any, bad: set[str] | None
) -> tuple[ComponentIn, list[tuple[int, NeedIn]]]:
    """The valid part of invalid component ``i`` (without ``needs``), and its valid ``needs``
    entries with their indices; ``bad`` are its fields that are wrong."""
    if not isinstance(raw, dict) or bad is None or bad & {"id", "kind"}:
        return ComponentIn.model_construct(id=f"\0components[{i}]", kind=Kind.SERVICE), []
    needs = list(_valid_needs(raw.get("needs")))
    if "members" not in bad:  # else it cannot judge the group: keep only its id
        rest = {k: v for k, v in raw.items() if k not in bad and k != "needs"}
        try:
            return ComponentIn.model_validate(rest), needs
        except ValidationError:
            pass
    return ComponentIn.model_construct(id=raw["id"], kind=Kind.SERVICE), needs


def _valid_needs(raw: Any) -> Iterator[tuple[int, NeedIn]]:
    for j, entry in enumerate(raw if isinstance(raw, list) else []):
        try:
            yield j, NeedIn.model_validate({"id": entry} if isinstance(entry, str) else entry)
        except ValidationError:
            continue
