"""Model and scenario files (SPEC §5): YAML or JSON in, every error at once with its line.

Reading is get → validate → build. The fast path parses without caring about lines; only
when something is wrong are the lines of the offending places looked up (from the YAML node
tree, or by re-scanning the JSON text), so that a 100k-component file that is right costs
no more than parsing and validating it.

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

import bisect
import contextlib
import dataclasses
import difflib
import gc
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import TypeAdapter, ValidationError, ValidatorFunctionWrapHandler, WrapValidator
from pydantic_core import ErrorDetails

from impactgraph.engine.scenario import Scenario, scenario_from_document
from impactgraph.errors import Issue, ModelError, ScenarioError
from impactgraph.model import (
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

Format = Literal["yaml", "json"]
DocPath = tuple[str | int, ...]

_EXTENSIONS: dict[str, Format] = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}
_YAML_MERGE_TAG = "tag:yaml.org,2002:merge"

# ---------------------------------------------------------------------------------------------
# public functions


def parse_model_text(text: str, filename: str = "<model>", fmt: Format | None = None) -> Model:
    """Parse and validate a model document; raise one :class:`ModelError` with every issue.

    ``fmt`` is ``"yaml"`` or ``"json"``; ``None`` sniffs it (a leading ``{`` means JSON).
    """
    with _gc_paused():
        return _parse_model(text, filename, fmt or _sniff(text))


def _parse_model(text: str, filename: str, fmt: Format) -> Model:
    parsed = _parse(text, filename, fmt, ModelError)
    issues = [
        Issue(
            f"key {key!r} is given twice (only one is allowed)",
            path=path,
            field=key,
            component=_owner(path, parsed.document),
        )
        for path, key in parsed.duplicates
    ]
    try:
        spec = ModelIn.model_validate(parsed.document)
    except ValidationError as e:
        issues += [_issue_from_error(err, parsed.document) for err in e.errors()]
        issues += _salvaged_reference_issues(parsed.document)
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
    text = _read(path, ModelError)
    return parse_model_text(text, str(path), _EXTENSIONS.get(Path(path).suffix.lower()))


def write_model_file(model: Model, path: str | os.PathLike[str]) -> None:
    """Write ``model`` as JSON (``.json``) or YAML (anything else); loading it gives ``model``.

    The file is replaced atomically, so a reader never sees half a model.
    """
    doc = model_to_document(model)
    target = Path(path)
    if target.suffix.lower() == ".json":
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    else:
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        text = yaml.dump(doc, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_scenario_file(path: str | os.PathLike[str]) -> Scenario:
    """Read a scenario file (SPEC §5); errors name the file (and the line of a syntax error)."""
    text = _read(path, ScenarioError)
    fmt = _EXTENSIONS.get(Path(path).suffix.lower()) or _sniff(text)
    parsed = _parse(text, str(path), fmt, ScenarioError)
    if parsed.duplicates:
        raise ScenarioError(
            "\n".join(
                f"{path}:{parsed.line(p)}: key {k!r} is given twice" for p, k in parsed.duplicates
            )
        )
    return scenario_from_document(parsed.document, source=str(path))


# ---------------------------------------------------------------------------------------------
# reading and parsing


def _read(path: str | os.PathLike[str], error: type[ModelError] | type[ScenarioError]) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        _raise(error, str(path), None, f"not UTF-8 text (byte {e.start})")
    except OSError as e:
        _raise(error, str(path), None, f"cannot read the file: {e.strerror or e}")
    return text.removeprefix("\ufeff")


def _raise(
    error: type[ModelError] | type[ScenarioError], filename: str, line: int | None, message: str
) -> Any:
    if error is ModelError:
        raise ModelError([Issue(message, file=filename, line=line)])
    raise ScenarioError(f"{filename}{f':{line}' if line else ''}: {message}")


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    # a big file makes ~10^6 acyclic objects; the cyclic collector would rescan them many times
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _sniff(text: str) -> Format:
    return "json" if text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[") else "yaml"


@dataclasses.dataclass
class _Parsed:
    """A parsed document, its duplicate keys, and the line of a path (looked up on demand)."""

    document: Any
    duplicates: list[tuple[DocPath, str]]
    line: Callable[[DocPath], int | None]


def _parse(
    text: str, filename: str, fmt: Format, error: type[ModelError] | type[ScenarioError]
) -> _Parsed:
    if fmt == "json":
        return _parse_json(text, filename, error)
    return _parse_yaml(text, filename, error)


_YAML_STR, _YAML_MAP, _YAML_SEQ = (f"tag:yaml.org,2002:{t}" for t in ("str", "map", "seq"))


class _YamlDocumentLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader (libyaml when present) that also notes duplicate keys in mappings.

    :meth:`plain` turns the node tree into Python data several times faster than the generic
    constructor for the common case (plain mappings, lists and strings) and hands every other
    node (merge keys, ints, timestamps, unknown tags) to the safe constructor.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[yaml.MappingNode, yaml.Node]] = []
        self._made: dict[int, Any] = {}

    def plain(self, node: yaml.Node) -> Any:
        """The Python value of ``node`` (an alias gives the same object, as in PyYAML)."""
        tag = node.tag
        if tag == _YAML_STR and isinstance(node, yaml.ScalarNode):
            return node.value
        made = self._made.get(id(node), self._made)
        if made is not self._made:
            return made
        if tag == _YAML_MAP and isinstance(node, yaml.MappingNode):
            if any(k.tag == _YAML_MERGE_TAG for k, _ in node.value):
                return self.construct_object(node, deep=True)
            out: dict[Any, Any] = {}
            self._made[id(node)] = out
            for key_node, value_node in node.value:
                key = self.plain(key_node)
                if key in out:
                    self.duplicates.append((node, key_node))
                out[key] = self.plain(value_node)
            return out
        if tag == _YAML_SEQ and isinstance(node, yaml.SequenceNode):
            items: list[Any] = []
            self._made[id(node)] = items
            items.extend(self.plain(item) for item in node.value)
            return items
        if isinstance(node, yaml.ScalarNode) and tag in self.yaml_constructors:
            return self.yaml_constructors[tag](self, node)
        return self.construct_object(node, deep=True)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[tuple[str, str]] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _YAML_MERGE_TAG:
                key = (key_node.tag, key_node.value)
                if key in seen:
                    self.duplicates.append((node, key_node))
                seen.add(key)
        out: dict[Any, Any] = super().construct_mapping(node, deep)
        return out


def _parse_yaml(text: str, filename: str, error: type[ModelError] | type[ScenarioError]) -> _Parsed:
    loader = _YamlDocumentLoader(text)
    try:
        root = loader.get_single_node()
        document = None if root is None else loader.plain(root)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = " ".join(p for p in (e.context, e.problem) if p)
        _raise(error, filename, mark.line + 1 if mark else None, f"YAML syntax error: {problem}")
    except yaml.YAMLError as e:
        _raise(error, filename, None, f"YAML syntax error: {e}")
    except RecursionError:
        _raise(error, filename, None, "the document is nested too deeply")
    finally:
        loader.dispose()
    if root is None:
        return _Parsed(document, [], lambda path: None)
    duplicates: list[tuple[DocPath, str]] = []
    exact: dict[DocPath, int] = {}
    if loader.duplicates:  # rare: only then walk the whole tree to learn the mappings' paths
        paths: dict[int, DocPath] = {}
        _yaml_paths(root, paths)
        for mapping, key_node in loader.duplicates:
            path = (*paths.get(id(mapping), ()), str(key_node.value))
            duplicates.append((path, str(key_node.value)))
            exact[path] = key_node.start_mark.line + 1  # the second key, not the first
    return _Parsed(document, duplicates, lambda path: exact.get(path) or _yaml_line(root, path))


def _yaml_line(root: yaml.Node, path: DocPath) -> int:
    """The line of ``path`` (its key, or its list item), else of the nearest enclosing place.

    >>> root = yaml.compose("a:\\n  - x\\n  - {b: 1}\\n")
    >>> _yaml_line(root, ("a", 1, "b")), _yaml_line(root, ("a", 1, "nope")), _yaml_line(root, ())
    (3, 3, 1)
    """
    node, line = root, root.start_mark.line + 1
    for step in path:
        if isinstance(node, yaml.MappingNode):
            found = [(k, v) for k, v in node.value if getattr(k, "value", None) == str(step)]
            if not found:
                break
            key_node, node = found[-1]  # the one the constructor kept
            line = key_node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            if not 0 <= step < len(node.value):
                break
            node = node.value[step]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _yaml_paths(root: yaml.Node, paths: dict[int, DocPath]) -> None:
    """Fill ``paths`` with the document path of every node under ``root`` (by node id)."""
    todo: list[tuple[yaml.Node, DocPath]] = [(root, ())]
    while todo:
        node, path = todo.pop()
        if id(node) in paths:  # an alias seen before: keep its first place
            continue
        paths[id(node)] = path
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
                todo.append((value_node, (*path, key)))
        elif isinstance(node, yaml.SequenceNode):
            todo.extend((item, (*path, i)) for i, item in enumerate(node.value))


def _parse_json(text: str, filename: str, error: type[ModelError] | type[ScenarioError]) -> _Parsed:
    found_duplicate = False

    def pairs_to_dict(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal found_duplicate
        out = dict(pairs)
        if len(out) != len(pairs):
            found_duplicate = True
        return out

    try:
        document = json.loads(text, object_pairs_hook=pairs_to_dict)
    except json.JSONDecodeError as e:
        _raise(error, filename, e.lineno, f"JSON syntax error: {e.msg} (column {e.colno})")
    except RecursionError:
        _raise(error, filename, None, "the document is nested too deeply")
    duplicates: list[tuple[DocPath, str]] = []
    exact: dict[DocPath, int] = {}
    if found_duplicate:  # rare: only then scan every token to learn where the duplicates are
        exact = _json_lines(text, duplicates)
        exact = {path: exact[path] for path, _ in duplicates}
    locator = _JsonLocator(text)
    return _Parsed(document, duplicates, lambda path: exact.get(path) or locator.line(path))


_JSON_SPACE = re.compile(r"[ \t\n\r]*")


def _skip_space(text: str, at: int) -> int:
    space = _JSON_SPACE.match(text, at)
    return space.end() if space else at


class _JsonLocator:
    """Lines of places in a valid JSON text, found by walking down to them.

    Each object or array on the way is split into its members once (the C decoder skips
    over the values), so that locating many issues costs about one extra decode.

    >>> _JsonLocator('{"a": [1,\\n {"b": 2}]}').line(("a", 1, "b", "deeper"))
    2
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._decoder = json.JSONDecoder()
        self._members: dict[DocPath, dict[str | int, tuple[int, int]]] = {}
        self._newlines: list[int] | None = None

    def line(self, path: DocPath) -> int:
        """The line of ``path`` (its key or array element), else of its nearest enclosing place."""
        where = value = _skip_space(self._text, 0)
        for depth, step in enumerate(path):
            members = self._split(path[:depth], value)
            if step not in members:
                break
            where, value = members[step]
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self._text)]
        return bisect.bisect_left(self._newlines, where) + 1

    def _split(self, path: DocPath, start: int) -> dict[str | int, tuple[int, int]]:
        """Where each member of the object or array at ``start`` begins: (key, value) offsets."""
        if path in self._members:
            return self._members[path]
        text, skip, decode = self._text, _skip_space, self._decoder.raw_decode
        members: dict[str | int, tuple[int, int]] = {}
        opener = text[start : start + 1]
        i = skip(text, start + 1)
        index = 0
        while opener in ("{", "[") and text[i : i + 1] not in ("}", "]", ""):
            if opener == "{":
                key, end = decode(text, i)
                value_at = skip(text, skip(text, end) + 1)
                members[key] = (i, value_at)  # a repeated key: the last one, as json keeps
            else:
                value_at = i
                members[index] = (i, i)
                index += 1
            _, end = decode(text, value_at)
            i = skip(text, end)
            if text[i : i + 1] == ",":
                i = skip(text, i + 1)
        self._members[path] = members
        return members


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+|\s+')


@dataclasses.dataclass
class _JsonFrame:
    path: DocPath
    is_object: bool
    index: int = 0
    key: str = ""
    expect_key: bool = True
    keys: set[str] = dataclasses.field(default_factory=set)


def _json_lines(text: str, duplicates: list[tuple[DocPath, str]]) -> dict[DocPath, int]:
    """Line of every key and array element of a valid JSON text; notes duplicate keys.

    >>> _json_lines('{"a": [1,\\n 2]}', [])
    {(): 1, ('a',): 1, ('a', 0): 1, ('a', 1): 2}
    """
    lines: dict[DocPath, int] = {}
    stack: list[_JsonFrame] = []
    line = 1
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        first = token[0]
        if first.isspace():
            line += token.count("\n")
            continue
        top = stack[-1] if stack else None
        if first in "]}":
            stack.pop()
            continue
        if first == ",":
            if top is not None and top.is_object:
                top.expect_key = True
            continue
        if first == ":":
            continue
        if top is not None and top.is_object and top.expect_key:
            top.key = json.loads(token)
            top.expect_key = False
            path = (*top.path, top.key)
            if top.key in top.keys:
                duplicates.append((path, top.key))
                lines[path] = line
            top.keys.add(top.key)
            lines.setdefault(path, line)
            continue
        if top is None:
            path = ()
            lines[path] = line
        elif top.is_object:
            path = (*top.path, top.key)
        else:
            path = (*top.path, top.index)
            top.index += 1
            lines.setdefault(path, line)
        if first in "{[":
            stack.append(_JsonFrame(path, is_object=first == "{"))
    return lines


# ---------------------------------------------------------------------------------------------
# issues: from pydantic, from cross-references, with their lines


def _locate(issues: list[Issue], parsed: _Parsed, filename: str) -> list[Issue]:
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
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


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


def _message(err: ErrorDetails, loc: DocPath) -> str:
    kind, given = err["type"], err.get("input")
    name = next((str(p) for p in reversed(loc) if isinstance(p, str)), "")
    if kind == "extra_forbidden":
        hint = difflib.get_close_matches(name, _allowed_fields(loc), n=1, cutoff=0.75)
        return f"unknown field {name!r}" + (f"; did you mean {hint[0]!r}?" if hint else "")
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


def _issue_from_error(err: ErrorDetails, document: Any) -> Issue:
    loc: DocPath = tuple(err["loc"])
    field = next((str(p) for p in reversed(loc) if isinstance(p, str)), None)
    if len(loc) <= 2 and loc[:1] in (("components",), ("dependencies",)):
        field = None if len(loc) == 2 else field
    return Issue(_message(err, loc), component=_owner(loc, document), field=field, path=loc)


def _none_if_invalid(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    try:
        return handler(value)
    except ValidationError:
        return None


_SOME_COMPONENTS = TypeAdapter(list[Annotated[ComponentIn | None, WrapValidator(_none_if_invalid)]])
_SOME_DEPENDENCIES = TypeAdapter(
    list[Annotated[DependencyIn | None, WrapValidator(_none_if_invalid)]]
)


def _salvaged_reference_issues(document: Any) -> list[Issue]:
    """Cross-reference issues among the parts of a schema-invalid document that did validate.

    Each component stays at its index (an unreadable one becomes a placeholder nobody can
    name) so that the paths, and so the lines, of the issues are right.
    """
    if not isinstance(document, dict):
        return []
    raw_components = document.get("components")
    raw_components = raw_components if isinstance(raw_components, list) else []
    kept: list[ComponentIn] = []
    salvaged: list[Dependency] = []
    salvaged_paths: list[DocPath] = []
    for i, (raw, valid) in enumerate(
        zip(raw_components, _SOME_COMPONENTS.validate_python(raw_components), strict=True)
    ):
        if valid is None:
            valid, needs = _salvage_component(i, raw)
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
    return check_references(components, dependencies + salvaged, paths + salvaged_paths)


def _salvage_component(i: int, raw: Any) -> tuple[ComponentIn, list[tuple[int, NeedIn]]]:
    """The valid part of invalid component ``i`` (without ``needs``), and its valid ``needs``
    entries with their indices."""
    placeholder = ComponentIn.model_construct(id=f"\0components[{i}]", kind=Kind.SERVICE)
    if not isinstance(raw, dict):
        return placeholder, []
    try:
        ComponentIn.model_validate(raw)
    except ValidationError as e:
        bad = {str(err["loc"][0]) for err in e.errors() if err["loc"]}
    if bad & {"id", "kind"}:
        return placeholder, []
    needs = list(_valid_needs(raw.get("needs")))
    only_id = ComponentIn.model_construct(id=raw["id"], kind=Kind.SERVICE)
    if "members" in bad:  # cannot judge the group: keep only its id
        return only_id, needs
    rest = {k: v for k, v in raw.items() if k not in bad and k != "needs"}
    try:
        return ComponentIn.model_validate(rest), needs
    except ValidationError:
        return only_id, needs


def _valid_needs(raw: Any) -> Iterator[tuple[int, NeedIn]]:
    for j, entry in enumerate(raw if isinstance(raw, list) else []):
        try:
            yield j, NeedIn.model_validate({"id": entry} if isinstance(entry, str) else entry)
        except ValidationError:
            continue
