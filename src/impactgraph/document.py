"""YAML and JSON documents for the file readers: text in, plain data out, lines on demand.

The fast path parses without caring about lines; only when a reader finds something wrong
does it ask :attr:`Parsed.line` where a place is (from the YAML node tree, or by re-scanning
the JSON text), so that a large file that is right costs no more than parsing it. Duplicate
keys, which both parsers would silently drop, are noted with their paths. Errors in the text
itself (not UTF-8, a syntax error) raise the reader's own error class with the file and line.

Input is bounded before it is parsed (docs/semantics.md, "Bounds"): a file is read up to
:func:`max_file_bytes` (``$IMPACTGRAPH_MAX_FILE_BYTES``, default 256 MiB) and no further; a
document may hold at most :func:`max_nodes` values, keys, lists and mappings
(``$IMPACTGRAPH_MAX_NODES``, default 20 million), counted from the text before parsing and, for
YAML aliases, after expanding them (a "billion laughs" file stops before it is expanded).

>>> parsed = parse('a:\\n  - x\\n  - {b: 1, b: 2}\\n', "f.yaml", "yaml", ModelError)
>>> parsed.document, parsed.duplicates, parsed.line(("a", 1, "b"))
({'a': ['x', {'b': 2}]}, [(('a', 1, 'b'), 'b')], 3)
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import yaml

from impactgraph.errors import InternalError, Issue, ModelError, ScenarioError, quote

Format = Literal["yaml", "json"]
DocPath = tuple[str | int, ...]

#: the format a file's suffix says
EXTENSIONS: dict[str, Format] = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}
YAML_MERGE_TAG = "tag:yaml.org,2002:merge"
DEFAULT_MAX_FILE_BYTES = 256 * 1024 * 1024
DEFAULT_MAX_NODES = 20_000_000
MAX_FILE_BYTES_VARIABLE = "IMPACTGRAPH_MAX_FILE_BYTES"
MAX_NODES_VARIABLE = "IMPACTGRAPH_MAX_NODES"


def _limit(variable: str, default: int) -> int:
    raw = os.environ.get(variable, "").strip().replace("_", "")
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1 or len(raw) > 18:
        # a broken limit must not silently become "no limit"
        raise ModelError(
            [Issue(f"${variable} is {quote(raw)}; set it to a whole number of at least 1")]
        )
    return int(raw)


def max_file_bytes() -> int:
    """The largest file a reader reads: ``$IMPACTGRAPH_MAX_FILE_BYTES``, else 256 MiB."""
    return _limit(MAX_FILE_BYTES_VARIABLE, DEFAULT_MAX_FILE_BYTES)


def max_nodes() -> int:
    """The most nodes (values, keys, lists, mappings) a document may hold, aliases expanded:
    ``$IMPACTGRAPH_MAX_NODES``, else 20 million."""
    return _limit(MAX_NODES_VARIABLE, DEFAULT_MAX_NODES)


def file_format(path: str | os.PathLike[str], text: str) -> Format:
    """The format of a file: from its suffix, else sniffed from its text."""
    return EXTENSIONS.get(Path(path).suffix.lower()) or sniff(text)


def read_text(path: str | os.PathLike[str], error: type[ModelError] | type[ScenarioError]) -> str:
    """The text of a UTF-8 file, read up to :func:`max_file_bytes` and no further (so that
    ``/dev/zero`` or a runaway export is refused at once, not read until memory runs out)."""
    cap = max_file_bytes()
    try:
        with open(path, "rb") as f:
            data = f.read(cap + 1)
    except OSError as e:
        fail(error, str(path), None, f"cannot read the file: {e.strerror or e}")
    if len(data) > cap:
        fail(
            error,
            str(path),
            None,
            f"the file is larger than {cap:,} bytes, the most impactgraph reads; "
            f"set ${MAX_FILE_BYTES_VARIABLE} to read larger files",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        fail(error, str(path), None, f"not UTF-8 text (byte {e.start})")
    return text.removeprefix("\ufeff")


# every node but the first follows one of these (JSON: exactly; YAML: one or two per character)
_NODE_MARKS = {"json": "[{,:", "yaml": "[{,:-?\n"}


def check_size(
    text: str, filename: str, fmt: Format, error: type[ModelError] | type[ScenarioError]
) -> None:
    """Refuse a text that would hold more than :func:`max_nodes` nodes, before parsing it.

    Counting the characters that can start a node bounds the node count from above (for YAML,
    within a factor of two), at the speed of ``str.count``.
    """
    cap = max_nodes()
    if len(text) <= cap:  # each node takes a character or more
        return
    estimate = 1 + sum(text.count(c) for c in _NODE_MARKS[fmt])
    if estimate > cap:
        fail(error, filename, None, _too_many_nodes(cap, "holds"))


def _too_many_nodes(cap: int, verb: str) -> str:
    return (
        f"the document {verb} more than {cap:,} values, keys, lists and mappings, the most "
        f"impactgraph reads; set ${MAX_NODES_VARIABLE} to read larger documents"
    )


def fail(
    error: type[ModelError] | type[ScenarioError], filename: str, line: int | None, message: str
) -> Any:
    if error is ModelError:
        raise ModelError([Issue(message, file=filename, line=line)])
    raise ScenarioError(f"{filename}{f':{line}' if line else ''}: {message}")


def sniff(text: str) -> Format:
    return "json" if text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[") else "yaml"


@dataclasses.dataclass
class Parsed:
    """A parsed document, its duplicate keys, and the line of a path (looked up on demand)."""

    document: Any
    duplicates: list[tuple[DocPath, str]]
    line: Callable[[DocPath], int | None]


def parse(
    text: str, filename: str, fmt: Format, error: type[ModelError] | type[ScenarioError]
) -> Parsed:
    check_size(text, filename, fmt, error)
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
            if any(k.tag == YAML_MERGE_TAG for k, _ in node.value):
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
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != YAML_MERGE_TAG:
                key = (key_node.tag, key_node.value)
                if key in seen:
                    self.duplicates.append((node, key_node))
                seen.add(key)
        out: dict[Any, Any] = super().construct_mapping(node, deep)
        return out


def _parse_yaml(text: str, filename: str, error: type[ModelError] | type[ScenarioError]) -> Parsed:
    loader = _YamlDocumentLoader(text)
    try:
        root = loader.get_single_node()
        if root is not None and "&" in text and "*" in text:  # aliases may multiply the nodes
            _check_expansion(root, max_nodes(), filename, error)
        document = None if root is None else loader.plain(root)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = " ".join(p for p in (e.context, e.problem) if p)
        fail(error, filename, mark.line + 1 if mark else None, f"YAML syntax error: {problem}")
    except yaml.YAMLError as e:
        fail(error, filename, None, f"YAML syntax error: {e}")
    except RecursionError:
        fail(error, filename, None, "the document is nested too deeply")
    except ValueError as e:  # an integer past Python's digit limit (sys.get_int_max_str_digits)
        fail(error, filename, None, _too_long_number(str(e)))
    finally:
        loader.dispose()
    if root is None:
        return Parsed(document, [], lambda path: None)
    duplicates: list[tuple[DocPath, str]] = []
    exact: dict[DocPath, int] = {}
    if loader.duplicates:  # rare: only then walk the whole tree to learn the mappings' paths
        paths: dict[int, DocPath] = {}
        _yaml_paths(root, paths)
        for mapping, key_node in loader.duplicates:
            path = (*paths.get(id(mapping), ()), str(key_node.value))
            duplicates.append((path, str(key_node.value)))
            exact[path] = key_node.start_mark.line + 1  # the second key, not the first
    return Parsed(document, duplicates, lambda path: exact.get(path) or _yaml_line(root, path))


def _check_expansion(
    root: yaml.Node, cap: int, filename: str, error: type[ModelError] | type[ScenarioError]
) -> None:
    """Refuse a node tree whose aliases expand to more than ``cap`` nodes, or refer to a node
    that holds them, before anything expands them (each shared node is sized once).

    >>> root = yaml.compose("a: &x [1, 2]\\nb: [*x, *x, *x]\\n")
    >>> _check_expansion(root, 16, "f", ScenarioError)
    >>> try:
    ...     _check_expansion(root, 15, "f", ScenarioError)
    ... except ScenarioError as e:
    ...     print(str(e)[:40])
    f: the document expands (through YAML al
    """
    size: dict[int, int] = {}
    open_nodes: set[int] = set()
    todo: list[tuple[yaml.Node, bool]] = [(root, False)]
    while todo:
        node, done = todo.pop()
        key = id(node)
        children: list[yaml.Node] = (
            [n for pair in node.value for n in pair]
            if isinstance(node, yaml.MappingNode)
            else list(node.value)
            if isinstance(node, yaml.SequenceNode)
            else []
        )
        if done:
            open_nodes.discard(key)
            size[key] = total = 1 + sum(size[id(c)] for c in children)
            if total > cap:
                fail(
                    error, filename, None, _too_many_nodes(cap, "expands (through YAML aliases) to")
                )
            continue
        if key in size:
            continue
        if key in open_nodes:
            fail(
                error,
                filename,
                node.start_mark.line + 1,
                "a YAML alias refers to a node that contains it",
            )
        open_nodes.add(key)
        todo.append((node, True))
        todo.extend((c, False) for c in children if id(c) not in size)


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


def _too_long_number(reason: str) -> str:
    if "integer string conversion" not in reason:
        raise InternalError(f"reading a document: {reason}")
    return (
        f"a number has more than {sys.get_int_max_str_digits()} digits; no field takes a "
        "number that long"
    )


def _parse_json(text: str, filename: str, error: type[ModelError] | type[ScenarioError]) -> Parsed:
    found_duplicate = False

    def pairs_to_dict(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal found_duplicate
        out = dict(pairs)
        if len(out) != len(pairs):
            found_duplicate = True
        return out

    def parse_int(digits: str) -> int:
        try:
            return int(digits)
        except ValueError as e:  # past Python's digit limit: say where
            line = text.count("\n", 0, max(text.find(digits), 0)) + 1
            return fail(error, filename, line, _too_long_number(str(e)))  # type: ignore[no-any-return]

    try:
        document = json.loads(text, object_pairs_hook=pairs_to_dict, parse_int=parse_int)
    except json.JSONDecodeError as e:
        fail(error, filename, e.lineno, f"JSON syntax error: {e.msg} (column {e.colno})")
    except RecursionError:
        fail(error, filename, None, "the document is nested too deeply")
    duplicates: list[tuple[DocPath, str]] = []
    exact: dict[DocPath, int] = {}
    if found_duplicate:  # rare: only then scan every token to learn where the duplicates are
        exact = _json_lines(text, duplicates)
        exact = {path: exact[path] for path, _ in duplicates}
    locator = _JsonLocator(text)
    return Parsed(document, duplicates, lambda path: exact.get(path) or locator.line(path))


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
