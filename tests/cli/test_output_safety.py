"""Output safe by construction: hostile ids through every format read back as written (CSV),
stay inert (Markdown, terminal tables) and keep the SVG well-formed; JSON is strict."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from impactgraph.errors import InternalError
from impactgraph.graph import Graph
from impactgraph.model import Component, Kind, Model
from impactgraph.render.formats import (
    csv_cell,
    csv_text,
    json_line,
    markdown_text,
    to_json,
    visible,
)
from impactgraph.render.graphviz import diagram_dot

Run = Callable[..., Result]
HOSTILE = (
    'a"b,c',
    "=cmd|x",
    "a\rb",
    "a\nb",
    "a\r\nb",
    "+x",
    "-y",
    "@z",
    "\tt",
    "<script>alert(1)</script>",
    "x\x1b[31mred\x1b[0m",
    "\x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\",
    "[bold]b[/bold]",
    ":smile:",
    "n\x00ul",
    "b\x07el",
    "c1\x85\x9b",
    "del\x7f",
    "&amp;",
    "&#x41;",
    "`code`",
    "*em* _u_ [l](http://x)",
    "back\\slash\\",
    "rtl\u202eoverride",
)
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]")


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """A site ``root``, a service per hostile id that needs it, a business service needing all."""
    components: list[dict[str, object]] = [{"id": "root", "kind": "site", "recovery_time": "1h"}]
    components += [
        {"id": i, "kind": "service", "needs": ["root"], "recovery_time": "30m"} for i in HOSTILE
    ]
    components.append(
        {"id": "biz", "kind": "business_service", "tier": 1, "rto": "1h", "needs": list(HOSTILE)}
    )
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps({"version": 1, "components": components}), encoding="utf-8")
    return path


def neutralised(text: str) -> str:
    """What a CSV reader gets back for a text cell: formula-like text starts with ``'``."""
    return "'" + text if text[:1] in "=+-@\t\r" and text else text


# ---- CSV ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("impact", "--fail", "root"),
        ("impact", "--fail", "root", "--at", "1m"),
        ("recover", "--fail", "root"),
        ("deps", "root", "--up"),
    ],
)
def test_csv_reads_back_to_every_id(run: Run, hostile: Path, args: tuple[str, ...]) -> None:
    result = run(*args, "--model", hostile, "--format", "csv")
    assert result.exit_code == 0, result.output
    # click's result.stdout turns CR LF into LF: read the bytes
    rows = list(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8"), newline="")))
    header, body = rows[0], rows[1:]
    assert all(len(r) == len(header) for r in body)
    ids = {r[0] for r in body}
    assert {neutralised(i) for i in HOSTILE} <= ids
    assert ids <= {neutralised(i) for i in HOSTILE} | {"root", "biz"}


def test_csv_neutralises_formulas_but_not_numbers() -> None:
    text = csv_text(("id", "slack"), [("=1+1", -1500), ("-x", 0), ("a\rb", None)])
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["id", "slack"],
        ["'=1+1", "-1500"],
        ["'-x", "0"],
        ["a\rb", ""],
    ]
    assert csv_cell(-1.5) == -1.5 and csv_cell("") == ""


def test_csv_of_ordinary_rows_is_unchanged() -> None:
    assert csv_text(("a", "b"), [("dc1", 3), ('x"y', None)]) == 'a,b\ndc1,3\n"x""y",\n'


# ---- Markdown -------------------------------------------------------------------------------


def _unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


@pytest.mark.parametrize(
    "args",
    [
        ("impact", "--fail", "root"),
        ("impact", "--fail", "root", "--at", "1m"),
        ("recover", "--fail", "root", "--teams", "2"),
        ("check",),
        ("deps", "root", "--up"),
        ("explain", "--fail", "root", "-c", "biz"),
    ],
)
def test_markdown_is_inert(run: Run, hostile: Path, args: tuple[str, ...]) -> None:
    result = run(*args, "--model", hostile, "--format", "markdown")
    assert result.exit_code in (0, 3), result.output
    text = result.stdout
    assert "<" not in text and ">" not in text.replace("→", "")
    assert "\r" not in result.stdout_bytes.decode() and not CONTROL.search(text)
    assert "](" not in text.replace("\\](", "")
    assert "&amp;amp;" in text or args[0] in ("explain", "check")
    for table in re.findall(r"(?m)(?:^\|.*\n)+", text):
        lines = table.splitlines()
        assert {_unescaped_pipes(line) for line in lines} == {_unescaped_pipes(lines[0])}


def test_markdown_text_escapes_html_and_markdown() -> None:
    assert markdown_text("<script>") == "&lt;script&gt;"
    assert markdown_text("a|b\r\nc\rd") == "a\\|b c d"
    assert markdown_text("`x` *y* [z](u) ~~s~~") == "\\`x\\` \\*y\\* \\[z\\](u) \\~\\~s\\~\\~"
    assert markdown_text("depends_on _u_") == "depends_on \\_u\\_"


# ---- terminal tables ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("impact", "--fail", "root"),
        ("impact", "--fail", "root", "--at", "1m"),
        ("recover", "--fail", "root"),
        ("check",),
        ("deps", "root", "--up"),
        ("explain", "--fail", "root", "-c", "b\x07el"),
    ],
)
def test_tables_show_control_characters_and_markup_literally(
    run: Run, hostile: Path, args: tuple[str, ...]
) -> None:
    result = run(*args, "--model", hostile)
    assert result.exit_code in (0, 3), result.output
    assert not CONTROL.search(result.stdout), repr(CONTROL.search(result.stdout))
    if args[0] not in ("explain", "check"):
        assert "[bold]b[/bold]" in result.stdout
        assert "␛[31mred␛[0m" in result.stdout
        assert ":smile:" in result.stdout
    elif args[0] == "explain":
        assert "b␇el" in result.stdout


def test_visible_shows_every_control_character() -> None:
    assert visible("\x1b]8;;x\x07") == "␛]8;;x␇"
    assert visible("a\nb\tc\x7f\x85") == "a␊b␉c␡\\x85"
    assert visible("plain text – ∞") == "plain text – ∞"


# ---- DOT / SVG ------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
@pytest.mark.parametrize("fail", [(), ("--fail", "root")])
def test_svg_is_well_formed_and_shows_every_id(
    run: Run, hostile: Path, fail: tuple[str, ...]
) -> None:
    result = run("diagram", "--model", hostile, "--format", "svg", *fail)
    assert result.exit_code == 0, result.output
    root = ET.fromstring(result.stdout_bytes)
    texts = {t.text for t in root.iter() if t.text}
    for cid in HOSTILE:
        shown = visible(cid).replace("\n", "")
        assert shown in texts or any(shown in t for t in texts), cid
    assert "&amp;" in texts and "&#x41;" in texts


def test_dot_names_stay_distinct_when_escaping_would_merge_them() -> None:
    graph = Graph.from_model(
        Model.build([Component(id="a\x00", kind=Kind.SITE), Component(id="a␀", kind=Kind.SITE)], [])
    )
    dot = diagram_dot(graph)
    assert '  n0 [label="a␀"' in dot and '  n1 [label="a␀"' in dot


def test_ordinary_dot_is_unchanged() -> None:
    graph = Graph.from_model(Model.build([Component(id="dc-1 (R&D)", kind=Kind.SITE)], []))
    assert '"dc-1 (R&amp;D)" [label="dc-1 (R&amp;D)", shape=house];' in diagram_dot(graph)


# ---- JSON -----------------------------------------------------------------------------------


@pytest.mark.parametrize("number", [float("nan"), float("inf"), -float("inf")])
def test_json_never_writes_a_non_finite_number(number: float) -> None:
    with pytest.raises(InternalError):
        to_json({"money_lost": number})
    with pytest.raises(InternalError):
        to_json({"a": {"b": [number]}})
    with pytest.raises(InternalError):
        json_line({"x": number})
