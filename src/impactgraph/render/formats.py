"""The encodings every answer is written in, and where answers go: one escaping layer per format.

Text that comes from the user (ids, names, teams, scenario names, messages quoting them) is
made safe here and nowhere else:

* JSON (:func:`to_json`, :func:`json_line`): strict, never ``NaN`` or ``Infinity``;
* CSV (:func:`csv_text`, on the :mod:`csv` module): a cell holding a quote, comma, line feed
  or bare carriage return is quoted, and a text cell starting ``=``, ``+``, ``-``, ``@``, tab
  or carriage return is prefixed with ``'`` so that no spreadsheet runs it as a formula
  (OWASP CSV injection); numbers stay numbers;
* Markdown (:func:`markdown_cell`, :func:`markdown_table`): ``|``, HTML (``<``, ``>``,
  ``&``) and the characters that start code, emphasis or links escaped, line breaks
  flattened;
* terminal tables (:func:`plain`): rich markup printed literally, control characters shown
  as visible symbols (:func:`visible`) so that no escape sequence reaches the terminal.

DOT labels for Graphviz are escaped in :mod:`impactgraph.render.graphviz`, with
:func:`visible` too. :func:`show` prints an answer in the format asked for and
:func:`answering` guards every write to stdout: a reader that goes away (``| head``) ends the
output quietly, and a full disk is an :class:`~impactgraph.errors.InputError` (exit 2).

>>> print(csv_text(("id", "slack"), [('a"b,c', 60), ("=cmd|x", -1500)]), end="")
id,slack
"a""b,c",60
'=cmd|x,-1500
>>> csv_text(("id",), [("a\\rb",)])
'id\\n"a\\rb"\\n'
>>> print("\\n".join(markdown_table(("id",), [("a|b\\nc <i>",)])))
| id |
| --- |
| a\\|b c &lt;i&gt; |
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from impactgraph.errors import InputError, InternalError
from impactgraph.modelfile import write_atomically

#: the formats of ``--format`` for answers; ``table`` is for people, the others for tools
FORMATS = ("table", "json", "csv", "markdown")


# ---- JSON -----------------------------------------------------------------------------------


def to_json(document: Any) -> str:
    """JSON laid out for reading: mappings open two levels deep, then each list element
    (an interval, a failure, a component) on its own line. Readable, diff-able, and fast:
    the C encoder writes each line (``indent=`` would fall back to the pure-Python encoder,
    10× slower on large answers). Strict: a non-finite number is a bug
    (:class:`~impactgraph.errors.InternalError`), never ``NaN`` in the output.

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


def json_line(document: Any, *, sort_keys: bool = False, indent: int | None = None) -> str:
    r"""``document`` as strict JSON on one line (or indented by ``indent``), ending in a newline.

    >>> json_line({"b": 1, "a": None}, sort_keys=True)
    '{"a": null, "b": 1}\n'
    """
    try:
        text = json.dumps(
            document, ensure_ascii=False, sort_keys=sort_keys, indent=indent, allow_nan=False
        )
    except ValueError as e:
        raise InternalError(f"an answer holds a number JSON cannot carry: {e}") from None
    return text + "\n"


def _dumps(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "), allow_nan=False)
    except ValueError as e:
        raise InternalError(f"an answer holds a number JSON cannot carry: {e}") from None


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


# ---- CSV ------------------------------------------------------------------------------------

#: a text cell starting with one of these is a formula to a spreadsheet (OWASP CSV injection)
FORMULA_START = frozenset("=+-@\t\r")


def csv_cell(value: object) -> object:
    """A value as a CSV cell: text that a spreadsheet would run as a formula gets a leading
    ``'``; numbers (``-1500``) and everything else stay as they are.

    >>> csv_cell("=1+1"), csv_cell("-x"), csv_cell(-1500), csv_cell("dc1")
    ("'=1+1", "'-x", -1500, 'dc1')
    """
    if value.__class__ is str and value[:1] in FORMULA_START:
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A header and rows as CSV (``\\n`` line ends; ``None`` is an empty cell). Quotes,
    commas and line breaks inside a cell are quoted the way :mod:`csv` reads them back, a bare
    carriage return included; formula-like text is neutralised by :func:`csv_cell`."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    # Python's writer quotes only the line terminator's characters: a row holding a bare CR
    # is written with every text cell quoted, so that no reader splits it
    quoted = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    for row in _chain(header, rows):
        cells = [csv_cell(v) for v in row]
        if any(c.__class__ is str and "\r" in c for c in cells):
            quoted.writerow(cells)
        else:
            writer.writerow(cells)
    return buf.getvalue()


def _chain(first: Sequence[object], rest: Iterable[Sequence[object]]) -> Iterator[Sequence[object]]:
    yield first
    yield from rest


# ---- Markdown -------------------------------------------------------------------------------

# `\` first so that the escapes added after it are not escaped again; `_` only where it could
# open or close emphasis (not inside a word: depends_on stays as it is)
_MARKDOWN_ACTIVE = re.compile(r"[\\`*\[\]<>&|~]|(?<![^\W_])_|_(?![^\W_])")
_MARKDOWN_ESCAPE = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}


class Markdown(str):
    """Text already written in Markdown by a renderer (``**late 1h**``): not escaped again."""

    __slots__ = ()


def markdown_text(value: object) -> str:
    r"""User text for Markdown: HTML escaped (``<script>`` → ``&lt;script&gt;``), the
    characters that start code, emphasis, links and table cells backslash-escaped, control
    characters shown visibly and line breaks flattened to spaces. :class:`Markdown` passes
    as it is.

    >>> markdown_text("<b>x</b> & *y* `z` [l](u) a_b _c_")
    '&lt;b&gt;x&lt;/b&gt; &amp; \\*y\\* \\`z\\` \\[l\\](u) a_b \\_c\\_'
    """
    if isinstance(value, Markdown):
        return str(value)
    text = str(value).replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
    text = _MARKDOWN_ACTIVE.sub(_markdown_escape, text)
    return visible(text)


def _markdown_escape(match: re.Match[str]) -> str:
    char = match.group()
    return _MARKDOWN_ESCAPE.get(char) or "\\" + char


def markdown_cell(value: object) -> str:
    """A Markdown table cell: :func:`markdown_text` (``|`` escaped, newlines flattened)."""
    return markdown_text(value)


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    """The lines of a Markdown table (every cell escaped with :func:`markdown_cell`)."""
    lines = ["| " + " | ".join(markdown_cell(h) for h in header) + " |"]
    lines.append("|" + " --- |" * len(header))
    lines += ["| " + " | ".join(markdown_cell(v) for v in row) + " |" for row in rows]
    return lines


# ---- terminals ------------------------------------------------------------------------------

# C0, DEL, C1, line/paragraph separators, bidirectional overrides, lone surrogates and the
# two non-characters XML forbids: nothing here reaches a terminal, a report or an SVG as is
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)


def _visible_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟ (␛ for ESC, ␊ for a line feed)
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every control character shown as a visible symbol (``\\x1b`` as ``␛``,
    C1 and bidirectional controls as ``\\x9b``/``\\u202e``), so that nothing a model holds
    can move the cursor, change colours, open links or split lines.

    >>> visible("a\\x1b[31mb\\x07\\x9b\\u202ec")
    'a␛[31mb␇\\\\x9b\\\\u202ec'
    """
    return _CONTROL.sub(_visible_char, text) if _CONTROL.search(text) else text


def plain(value: object, style: str = "") -> Text:
    """A table cell, title or line for a rich console from user text: printed literally
    (``[bold]`` is not markup, ``:smile:`` not an emoji), control characters visible."""
    return Text(visible(str(value)), style=style)


#: narrowest table width taken from ``$COLUMNS`` (narrower would print nothing readable)
MIN_WIDTH = 40


def _columns() -> int | None:
    """``$COLUMNS`` as a width, or None when unset or not a positive whole number (a warning
    on stderr says it is ignored)."""
    raw = os.environ.get("COLUMNS")
    if raw is None or not raw.strip():
        return None
    try:
        width = int(raw)
    except ValueError:
        width = 0
    if width <= 0:
        stderr_console().print(
            plain(f"warning: ignoring COLUMNS={raw!r}: not a positive whole number")
        )
        return None
    return max(width, MIN_WIDTH)


class _StdoutConsole(Console):
    """A console whose reader may go away (``| head``): the rest is discarded quietly and the
    command goes on to its own exit code (rich's default exits 1)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        discard_stdout()


def stdout_console() -> Console:
    """A console on the current stdout that prints no markup or emoji codes; as wide as
    ``$COLUMNS`` (at least :data:`MIN_WIDTH`), else the terminal, else at least 160 so that
    pipes are not wrapped."""
    console = _StdoutConsole(highlight=False, markup=False, emoji=False)
    width = _columns()
    if width is None:
        width = shutil.get_terminal_size().columns
        if not console.is_terminal:
            width = max(width, 160)
    console.width = width
    return console


def stderr_console() -> Console:
    """A console on stderr, for progress and notes that must not mix with answers."""
    return Console(stderr=True, highlight=False, markup=False, emoji=False)


# ---- stdout ---------------------------------------------------------------------------------


@contextmanager
def answering() -> Iterator[None]:
    """Guard writes to stdout: a reader that goes away (``| head``) ends the output quietly
    (stdout is pointed at the null device, so nothing fails later and the command still exits
    with its own code); a write that fails for another reason (``> /dev/full``) is an
    :class:`~impactgraph.errors.InputError` naming stdout."""
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        discard_stdout()
    except OSError as e:
        if e.errno == errno.EPIPE:
            discard_stdout()
            return
        raise InputError(f"cannot write to stdout: {e.strerror or e}") from None


def discard_stdout() -> None:
    """Point stdout at the null device after its reader went away, as the Python docs advise
    for SIGPIPE, so that the flush at exit neither fails nor says "Exception ignored"."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, io.UnsupportedOperation):
        pass  # not a real file (a test runner's buffer): nothing is flushed at exit


def write_output(path: Path, data: str | bytes) -> None:
    """``data`` into the file at ``path`` (``--output``): text replaced whole in one step
    (written beside it, then renamed); a device or pipe (``/dev/stdout``) written in place,
    never replaced. Failing to write is an :class:`~impactgraph.errors.InputError` naming the
    path and the reason."""
    try:
        if path.exists() and not path.is_file():
            with path.open("wb") as out:
                out.write(data.encode("utf-8") if isinstance(data, str) else data)
        elif isinstance(data, str):
            write_atomically(path, data)
        else:
            path.write_bytes(data)
    except OSError as e:
        if isinstance(e, FileNotFoundError) and not path.parent.is_dir():
            raise InputError(f"cannot write {path}: no directory {path.parent}") from None
        raise InputError(f"cannot write {path}: {e.strerror or e}") from None


def write(text: str) -> None:
    """Text on stdout, as is."""
    with answering():
        sys.stdout.write(text)


def write_bytes(data: bytes) -> None:
    """Bytes on stdout (an image), as they are."""
    with answering():
        sys.stdout.buffer.write(data)


def show(fmt: str, text: Mapping[str, Callable[[], str]], table: Callable[[Console], None]) -> None:
    """Print an answer: ``table(console)`` for ``table``, else ``text[fmt]()`` on stdout."""
    if fmt == "table":
        with answering():
            table(stdout_console())
    else:
        write(text[fmt]())
