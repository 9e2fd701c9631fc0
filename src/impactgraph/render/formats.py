"""The encodings every answer is written in, and where answers go.

One JSON layout (:func:`to_json`), one CSV writer on the :mod:`csv` module (:func:`csv_text`),
one Markdown table (:func:`markdown_table`, which escapes ``|`` and newlines), and
:func:`show`, which prints an answer in the format asked for: a rich table for people, or
the text of a machine format on stdout. No renderer builds CSV or Markdown tables by hand.

>>> print(csv_text(("id", "name"), [('a"b,c', "=cmd|x")]), end="")
id,name
"a""b,c",=cmd|x
>>> print("\\n".join(markdown_table(("id",), [("a|b\\nc",)])))
| id |
| --- |
| a\\|b c |
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from rich.console import Console

#: the formats of ``--format`` for answers; ``table`` is for people, the others for tools
FORMATS = ("table", "json", "csv", "markdown")


def to_json(document: Any) -> str:
    """JSON laid out for reading: mappings open two levels deep, then each list element
    (an interval, a failure, a component) on its own line. Readable, diff-able, and fast:
    the C encoder writes each line (``indent=`` would fall back to the pure-Python encoder,
    10× slower on large answers).

    >>> print(to_json({"a": {"x": [1, {"k": 2}], "y": None}, "b": 3}), end="")
    {
      "a": {
        "x": [
          1,
          {"k": 2}
        ],
        "y": null
      },
      "b": 3
    }
    """
    return _layout(document, "") + "\n"


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _layout(value: Any, indent: str, depth: int = 0) -> str:
    inner = indent + "  "
    if isinstance(value, dict) and value and depth < 2:
        items = [
            f"{inner}{_dumps(str(k))}: {_layout(v, inner, depth + 1)}" for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    if isinstance(value, list) and value and depth < 3:
        items = [f"{inner}{_dumps(v)}" for v in value]
        return "[\n" + ",\n".join(items) + f"\n{indent}]"
    return _dumps(value)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A header and rows as CSV (``\\n`` line ends; ``None`` is an empty cell); quotes, commas
    and newlines inside a cell are quoted the way :mod:`csv` reads them back."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def markdown_cell(value: object) -> str:
    """A Markdown table cell: ``|`` escaped, line breaks (``\\n``, ``\\r``) flattened to spaces."""
    text = str(value).replace("|", "\\|")
    return text.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    """The lines of a Markdown table (every cell escaped with :func:`markdown_cell`)."""
    lines = ["| " + " | ".join(markdown_cell(h) for h in header) + " |"]
    lines.append("|" + " --- |" * len(header))
    lines += ["| " + " | ".join(markdown_cell(v) for v in row) + " |" for row in rows]
    return lines


def stdout_console() -> Console:
    """A console on the current stdout; wide when not a terminal, so pipes are not wrapped."""
    console = Console(highlight=False)
    if not console.is_terminal:
        width = int(os.environ.get("COLUMNS", 0)) or max(shutil.get_terminal_size().columns, 160)
        console = Console(highlight=False, width=width)
    return console


def stderr_console() -> Console:
    """A console on stderr, for progress and notes that must not mix with answers."""
    return Console(stderr=True, highlight=False)


def write(text: str) -> None:
    """Text on stdout, as is."""
    sys.stdout.write(text)
    sys.stdout.flush()


def show(fmt: str, text: Mapping[str, Callable[[], str]], table: Callable[[Console], None]) -> None:
    """Print an answer: ``table(console)`` for ``table``, else ``text[fmt]()`` on stdout."""
    if fmt == "table":
        table(stdout_console())
    else:
        write(text[fmt]())
