"""YAML and JSON documents for the file readers: text in, plain data out, lines on demand.

The fast path parses without caring about lines; only when a reader finds something wrong
does it ask :attr:`Parsed.line` where a place is (from the YAML node tree, or by re-scanning
the JSON text), so that a large file that is right costs no more than parsing it. Duplicate
keys, which both parsers would silently drop, are noted with their paths. Errors in the text
itself (not UTF-8, a syntax error) raise the reader's own error class with the file and line.

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
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import yaml

from impactgraph.errors import Issue, ModelError, ScenarioError

Format = Literal["yaml", "json"]
DocPath = tuple[str | int, ...]

#: the format a file's suffix says
EXTENSIONS: dict[str, Format] = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}
YAML_MERGE_TAG = "tag:yaml.org,2002:merge"


def file_format(path: str | os.PathLike[str], text: str) -> Format:
    """The format of a file: from its suffix, else sniffed from its text."""
    return EXTENSIONS.get(Path(path).suffix.lower()) or sniff(text)


def read_text(path: str | os.PathLike[str], error: type[ModelError] | type[ScenarioError]) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        fail(error, str(path), None, f"not UTF-8 text (byte {e.start})")
    except OSError as e:
        fail(error, str(path), None, f"cannot read the file: {e.strerror or e}")
    return text.removeprefix("\ufeff")


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
        document = None if root is None else loader.plain(root)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = " ".join(p for p in (e.context, e.problem) if p)
        fail(error, filename, mark.line + 1 if mark else None, f"YAML syntax error: {problem}")
    except yaml.YAMLError as e:
        fail(error, filename, None, f"YAML syntax error: {e}")
    except RecursionError:
        fail(error, filename, None, "the document is nested too deeply")
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


def _parse_json(text: str, filename: str, error: type[ModelError] | type[ScenarioError]) -> Parsed:
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
