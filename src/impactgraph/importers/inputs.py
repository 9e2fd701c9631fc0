"""The inputs of an import — files, directories, or contents handed over by a caller — read
through :mod:`impactgraph.document`'s bounds, and parsed with lines found on demand.

A reader takes any mix of:

* a :class:`~pathlib.Path` (or any ``os.PathLike``): a file, or a directory walked for the
  suffixes the reader wants (in sorted order, hidden entries skipped);
* :class:`Named` contents: text or bytes with a name for messages (what the HTTP API passes),
  and optionally their format (``json``, ``yaml``, ``csv``) when the name does not say it;
* ``bytes`` or ``str``: contents without a name (``<input 1>``, …). A ``str`` is *text*,
  never a path: pass paths as ``Path``.

Every file is read up to ``$IMPACTGRAPH_MAX_FILE_BYTES`` and must be UTF-8; every JSON or YAML
document is parsed by :func:`impactgraph.document.parse` (node count and YAML alias expansion
bounded). A YAML stream of several documents (a Backstage catalog file) is split at its
``---`` lines and each document parsed alone; the whole stream shares one node budget.

>>> [d.data for d in yaml_documents(Text("c.yaml", "a: 1\\n---\\nb: 2\\n"))]
[{'a': 1}, {'b': 2}]
>>> yaml_documents(Text("c.yaml", "x: 1\\n---\\ny: 2\\n"))[1].line(("y",))
3
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from impactgraph.document import (
    EXTENSIONS,
    DocPath,
    Format,
    check_size,
    max_file_bytes,
    max_nodes,
    parse,
    read_text,
    sniff,
)
from impactgraph.errors import ModelError
from impactgraph.importers.result import ImportInputError, fail

#: the most files one import reads (a directory of a million files is a mistake)
MAX_FILES = 100_000


#: what an input holds, when its name does not say it
InputFormat = Literal["json", "yaml", "csv"]


@dataclass(frozen=True)
class Named:
    """Contents with a name for messages: ``Named("catalog.yaml", b"...")``; ``format`` says
    what they hold when the name does not (``Named("request body", b"...", "yaml")``)."""

    name: str
    data: str | bytes
    format: InputFormat | None = None


#: what a reader accepts: a path, named contents, or bare contents (``str`` is text)
Input = os.PathLike[str] | Named | bytes | str


@dataclass(frozen=True)
class Text:
    """One input's text, the name used in messages, and its format if it was given."""

    name: str
    text: str
    format: InputFormat | None = None

    @property
    def suffix(self) -> str:
        """The lower-case suffix of the name (``.json``), or ``""``."""
        return Path(self.name).suffix.lower() if "." in self.name else ""

    def fmt(self) -> Format:
        """JSON or YAML: as given, else from the suffix, else sniffed."""
        if self.format in ("json", "yaml"):
            return self.format
        return EXTENSIONS.get(self.suffix) or sniff(self.text)


def texts(inputs: Iterable[Input], suffixes: tuple[str, ...]) -> Iterator[Text]:
    """The text of every input, directories walked for files with ``suffixes``."""
    count = 0
    for n, item in enumerate(inputs, start=1):
        if isinstance(item, Named):
            yield Text(item.name, decode(item.data, item.name), item.format)
            count += 1
        elif isinstance(item, bytes | str):
            yield Text(f"<input {n}>", decode(item, f"<input {n}>"))
            count += 1
        else:
            path = Path(os.fspath(item))
            files = walk(path, suffixes) if path.is_dir() else [path]
            for file in files:
                count += 1
                if count > MAX_FILES:
                    raise fail(
                        f"more than {MAX_FILES:,} files to read; name the files or smaller "
                        "directories",
                        file=str(path),
                    )
                yield Text(str(file), _read(file))


def walk(root: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """Files under ``root`` with one of ``suffixes``, sorted; hidden files and directories
    (``.git``) skipped, symbolic links to directories not followed."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for f in files:
            if not f.startswith(".") and Path(f).suffix.lower() in suffixes:
                found.append(Path(folder) / f)
                if len(found) > MAX_FILES:
                    return sorted(found)
    return sorted(found)


def _read(path: Path) -> str:
    try:
        return read_text(path, ModelError)
    except ModelError as e:
        raise ImportInputError(e.issues) from None


def decode(data: str | bytes, name: str) -> str:
    """Contents as text: bytes must be UTF-8; both are bounded like a file."""
    cap = max_file_bytes()
    if len(data) > cap:
        raise fail(
            f"the input is larger than {cap:,} bytes, the most impactgraph reads; set "
            "$IMPACTGRAPH_MAX_FILE_BYTES to read larger inputs",
            file=name,
        )
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        raise fail(f"not UTF-8 text (byte {e.start})", file=name) from None


# ---------------------------------------------------------------------------------------------
# documents


@dataclass(frozen=True)
class Document:
    """One parsed JSON or YAML document, and the line of a place in it (looked up only when a
    message needs it)."""

    name: str
    data: Any
    #: where the document starts in its file (1 for the first)
    first_line: int
    _line: Callable[[DocPath], int | None]

    def line(self, path: DocPath) -> int | None:
        """The line (in the file) of ``path`` in this document."""
        found = self._line(path)
        return None if found is None else found + self.first_line - 1


def json_document(text: Text) -> Document:
    """``text`` parsed as one JSON document."""
    try:
        parsed = parse(text.text, text.name, "json", ModelError)
    except ModelError as e:
        raise ImportInputError(e.issues) from None
    except ValueError as e:
        raise _number_too_long(text.name, e) from None
    return Document(text.name, parsed.document, 1, parsed.line)


def _number_too_long(name: str, error: ValueError) -> ImportInputError:
    # Python refuses to convert integers of more than 4,300 digits (a denial-of-service guard);
    # the parser lets that ValueError out
    return fail(
        f"a value cannot be read: {str(error)[:60]}…; no field holds such a number", file=name
    )


_DOCUMENT_MARK = re.compile(r"^(?:---|\.\.\.)(?=[ \t\r\n]|$)", re.MULTILINE)


def _only_preamble(chunk: str) -> bool:
    """Whether ``chunk`` holds nothing but blank lines, comments and directives."""
    return all(not s or s[0] in "#%" for s in (line.strip() for line in chunk.splitlines()))


def yaml_documents(text: Text) -> list[Document]:
    """Every document of a YAML stream, in order (empty documents left out).

    The stream is split before each ``---`` line (a document marker at the start of a line
    always ends the document before it, even inside a block scalar), so that each document
    goes through :func:`impactgraph.document.parse` and its bounds; the node counts of all
    of them together stay within :func:`impactgraph.document.max_nodes`.
    """
    try:
        check_size(text.text, text.name, "yaml", ModelError)
    except ModelError as e:
        raise ImportInputError(e.issues) from None
    starts = [m.start() for m in _DOCUMENT_MARK.finditer(text.text) if m.group() == "---"]
    bounds = [0, *[s for s in starts if s > 0], len(text.text)]
    out: list[Document] = []
    budget = max_nodes()
    carried = ""  # directives and comments before a '---' belong to the next document
    line = 1
    for start, end in itertools.pairwise(bounds):
        chunk = text.text[start:end]
        first = line - carried.count("\n")
        line += chunk.count("\n")
        if not chunk.startswith("---") and _only_preamble(chunk):
            carried += chunk
            continue
        chunk, carried = carried + chunk, ""
        try:
            parsed = parse(chunk, text.name, "yaml", ModelError)
        except ModelError as e:
            raise ImportInputError([_shift(i, first) for i in e.issues]) from None
        except ValueError as e:
            raise _number_too_long(text.name, e) from None
        if "&" in chunk and "*" in chunk:  # aliases: count what they expand to
            budget -= _expanded_size(parsed.document, budget, text.name)
        if parsed.document is not None:
            out.append(Document(text.name, parsed.document, first, parsed.line))
    return out


def _shift(issue: Any, first: int) -> Any:
    from dataclasses import replace

    return replace(issue, line=issue.line + first - 1) if issue.line else issue


def _expanded_size(data: Any, budget: int, name: str) -> int:
    """The node count of ``data`` with shared (aliased) parts counted each time they appear;
    refuse once it passes ``budget`` (what is left of the stream's node budget)."""
    count = 0
    todo = [data]
    while todo:
        node = todo.pop()
        count += 1
        if count > budget:
            raise fail(
                f"the documents expand (through YAML aliases) to more than {max_nodes():,} "
                "values, the most impactgraph reads; set $IMPACTGRAPH_MAX_NODES to read more",
                file=name,
            )
        if isinstance(node, dict):
            todo.extend(node.values())
            count += len(node)
        elif isinstance(node, list):
            todo.extend(node)
    return count


# ---------------------------------------------------------------------------------------------
# CSV


@dataclass(frozen=True)
class CsvTable:
    """A CSV file's header and rows, each row with the line it starts on."""

    name: str
    header: tuple[str, ...]
    rows: list[tuple[int, dict[str, str]]]


def csv_table(text: Text) -> CsvTable:
    """``text`` read as CSV with a header row (comma-separated, as exports write it; a
    header that holds semicolons and no commas is read as semicolon-separated)."""
    first = text.text.split("\n", 1)[0]
    delimiter = ";" if ";" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text.text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, dict[str, str]]] = []
    header: tuple[str, ...] = ()
    line = 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not header:
                header = tuple(c.strip() for c in cells)
                _check_header(header, text.name)
                continue
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(header):
                raise fail(
                    f"{len(cells)} cells, but the header has {len(header)} columns",
                    file=text.name,
                    line=start,
                )
            rows.append((start, dict(zip(header, cells, strict=False))))
    except csv.Error as e:
        raise fail(f"not CSV: {e}", file=text.name, line=reader.line_num or None) from None
    if not header:
        raise fail("no header row: the first line names the columns", file=text.name, line=1)
    return CsvTable(text.name, header, rows)


def _check_header(header: tuple[str, ...], name: str) -> None:
    seen: set[str] = set()
    for column in header:
        if not column:
            raise fail("a column of the header has no name", file=name, line=1)
        if column in seen:
            raise fail("the column is named twice in the header", file=name, line=1, field=column)
        seen.add(column)
