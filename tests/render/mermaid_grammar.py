"""A checker of the Mermaid impactgraph writes, against Mermaid's own grammar.

Mermaid's flowchart lexer (``flow.jison``) and Gantt lexer (``gantt.jison``) decide what a line
is by its first characters, and read a few things anywhere in the text (``%%{…}%%``
directives, ``#name;`` entities, a line holding ``direction TB``). This module accepts exactly
the statements impactgraph writes, token by token as those lexers would read them, and checks
what the lexers cannot: that every id used is defined once, every ``linkStyle`` index names an
edge, subgraphs are closed, a label holds no character that would end its string or open
HTML, Markdown or a directive, and Gantt names never start like a statement. It returns the
flowchart's nodes (id → decoded label) so that a test can compare them with the components.

>>> check_flowchart('flowchart BT\\n  c_a["x #amp; y"]\\n  c_a --> c_a\\n').nodes
{'c_a': 'x & y'}
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime

ID = r"[A-Za-z][A-Za-z0-9_]*"
#: a flowchart STR token: anything but a quote (the lexer's ``<string>[^"]+``)
STRING = r'"([^"\n]*)"'
SHAPES = {
    ("([", "])"),
    ("[", "]"),
    ("[[", "]]"),
    ("{{", "}}"),
    (">", "]"),
    ("(", ")"),
    ("[(", ")]"),
}
NODE = re.compile(
    rf"^(?P<id>{ID})(?P<open>\(\[|\[\[|\[\(|\{{\{{|\[|>|\()"
    rf"{STRING}(?P<close>\]\)|\]\]|\)\]|\}}\}}|\]|\))(?::::(?P<cls>{ID}))?$"
)
EDGE = re.compile(rf"^(?P<a>{ID}) (?P<arrow>-->|-\.->|==>|-\.-o|~~~)(?:\|{STRING}\|)? (?P<b>{ID})$")
SUBGRAPH = re.compile(rf"^subgraph (?P<id>{ID})\[{STRING}\]$")
STYLE = r"[a-z-]+:(?:#[0-9a-f]{6}|\d+px)"
CLASSDEF = re.compile(rf"^classDef (?P<name>{ID}) {STYLE}(?:,{STYLE})*$")
CLASS = re.compile(rf"^class (?P<ids>{ID}(?:,{ID})*) (?P<name>{ID})$")
LINKSTYLE = re.compile(rf"^linkStyle (?P<links>\d+(?:,\d+)*) {STYLE}(?:,{STYLE})*$")
#: words a flowchart lexer reads as keywords where an id starts
KEYWORDS = re.compile(
    r"^(?:end|graph|flowchart|flowchart-elk|subgraph|style|default|linkStyle|interpolate|"
    r"classDef|class|click|call|href|direction|_self|_blank|_parent|_top)(?![A-Za-z0-9_])"
)
#: the entity codes a label may hold (``#name;`` or ``#123;``), and the one tag
ENTITY = re.compile(r"#(?:[a-z]+|\d+);")
BREAK = "<br>"


class GrammarError(AssertionError):
    """Mermaid text that Mermaid would read otherwise than impactgraph meant."""


@dataclass
class Flowchart:
    nodes: dict[str, str] = field(default_factory=dict)
    classes: dict[str, set[str]] = field(default_factory=dict)
    edges: list[tuple[str, str, str]] = field(default_factory=list)
    subgraphs: list[str] = field(default_factory=list)
    title: str | None = None


def _label(raw: str, where: str) -> str:
    """A quoted label's text as Mermaid shows it, after checking it is inert."""
    if re.search(r"%%|[\x00-\x1f\x7f`&<>]", raw.replace(BREAK, "")):
        raise GrammarError(f"{where}: raw special character in label {raw!r}")
    if re.search(r"(?i)direction\s", raw):
        raise GrammarError(f"{where}: 'direction' would make the line a direction statement")
    for hash_at in (m.start() for m in re.finditer("#", raw)):
        if not ENTITY.match(raw, hash_at):
            raise GrammarError(f"{where}: '#' that is not an entity code in {raw!r}")
    decoded = ENTITY.sub(lambda m: ("&#" if m.group()[1].isdigit() else "&") + m.group()[1:], raw)
    return "\n".join(html.unescape(part) for part in decoded.split(BREAK))


def check_flowchart(text: str) -> Flowchart:
    """Check a flowchart and return what it draws."""
    out = Flowchart()
    lines = text.split("\n")
    if lines and lines[0] == "---":
        if lines[2] != "---" or not lines[1].startswith("title: "):
            raise GrammarError("front matter is '---', 'title: \"…\"', '---'")
        title = json.loads(lines[1][len("title: ") :])
        if not isinstance(title, str) or "\n" in title:
            raise GrammarError("the title is one JSON string")
        out.title, lines = title, lines[3:]
    if not lines or lines[0] not in ("flowchart BT", "flowchart TB", "flowchart LR"):
        raise GrammarError(f"the first line is 'flowchart BT', not {lines[:1]!r}")
    open_subgraphs: list[str] = []
    used: list[tuple[int, str]] = []
    links: list[tuple[int, list[int]]] = []
    for number, line in enumerate(lines[1:], start=2):
        statement = line.strip()
        if not statement:
            continue
        if not line.startswith("  "):
            raise GrammarError(f"line {number}: statements are indented")
        if statement == "end":
            if not open_subgraphs:
                raise GrammarError(f"line {number}: 'end' without a subgraph")
            open_subgraphs.pop()
        elif m := SUBGRAPH.match(statement):
            _check_id(m["id"], number)
            open_subgraphs.append(m["id"])
            out.subgraphs.append(_label(m.group(2), f"line {number}"))
        elif m := NODE.match(statement):
            _check_id(m["id"], number)
            if (m["open"], m["close"]) not in SHAPES:
                raise GrammarError(f"line {number}: unknown shape {m['open']}…{m['close']}")
            if m["id"] in out.nodes:
                raise GrammarError(f"line {number}: {m['id']} defined twice")
            out.nodes[m["id"]] = _label(m.group(3), f"line {number}")
            if m["cls"]:
                used.append((number, m["cls"]))
        elif m := EDGE.match(statement):
            label = _label(m.group(3), f"line {number}") if m.group(3) is not None else ""
            out.edges.append((m["a"], m["b"], label))
        elif m := CLASSDEF.match(statement):
            out.classes.setdefault(m["name"], set())
        elif m := CLASS.match(statement):
            for node in m["ids"].split(","):
                out.classes.setdefault(m["name"], set()).add(node)
        elif m := LINKSTYLE.match(statement):
            links.append((number, [int(x) for x in m["links"].split(",")]))
        else:
            raise GrammarError(f"line {number}: not a statement impactgraph writes: {line!r}")
    if open_subgraphs:
        raise GrammarError(f"subgraph(s) {open_subgraphs} not closed")
    for a, b, _ in out.edges:
        for node in (a, b):
            if node not in out.nodes:
                raise GrammarError(f"edge to {node}, which is not defined")
    for members in out.classes.values():
        if members - set(out.nodes):
            raise GrammarError(f"class given to undefined nodes {members - set(out.nodes)}")
    for number, name in used:
        if name not in out.classes:
            raise GrammarError(f"line {number}: class {name} has no classDef")
    for number, indices in links:
        if max(indices) >= len(out.edges):
            raise GrammarError(f"line {number}: linkStyle {max(indices)} names no edge")
    return out


def _check_id(node: str, number: int) -> None:
    if KEYWORDS.match(node) or node == "v" or len(node) < 2:
        raise GrammarError(f"line {number}: id {node!r} would read as a keyword")


GANTT_STATEMENT = re.compile(
    r"(?i)^(?:gantt|dateformat|inclusiveenddates|topaxis|axisformat|tickinterval|includes|"
    r"excludes|todaymarker|weekday|title|accdescription|accdescr|acctitle|section|click|call|"
    r"href|vert)(?![a-z0-9])|^\d{4}-\d\d-\d\d"
)
DATE = "%Y-%m-%d %H:%M:%S"
TASK = re.compile(
    r"^(?P<name>[^#:\n;%]+) :(?P<tag>crit, |active, |done, |milestone, )?"
    r"(?P<start>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d), (?P<end>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d|0s)$"
)


@dataclass
class Gantt:
    title: str | None = None
    sections: list[str] = field(default_factory=list)
    tasks: list[tuple[str, str, datetime, datetime | None]] = field(default_factory=list)


def check_gantt(text: str) -> Gantt:
    """Check a Gantt chart and return its sections and tasks (section, name, start, end)."""
    out = Gantt()
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines[0].startswith("%%{init: {'theme': 'base', 'themeVariables': {") or not lines[
        0
    ].endswith("}}}%%"):
        raise GrammarError("the first line is impactgraph's init directive")
    if re.search(r"[^-#0-9a-zA-Z{}:,' %]", lines[0][3:-3]):
        raise GrammarError("the init directive holds only the palette")
    if lines[1] != "gantt":
        raise GrammarError("the second line is 'gantt'")
    section = None
    for number, line in enumerate(lines[2:], start=3):
        if not line.startswith("  "):
            raise GrammarError(f"line {number}: statements are indented")
        statement = line[2:]
        if re.search(r"[#;%]", statement) and not statement.startswith("axisFormat %"):
            raise GrammarError(f"line {number}: '#', ';' or '%' would cut the line: {line!r}")
        if statement.startswith("title "):
            out.title = statement[len("title ") :]
        elif statement.startswith(("dateFormat ", "axisFormat ")):
            if statement.startswith("dateFormat") and statement != "dateFormat YYYY-MM-DD HH:mm:ss":
                raise GrammarError(f"line {number}: unexpected {statement!r}")
        elif statement.startswith("section "):
            section = statement[len("section ") :]
            if ":" in section or not section.strip():
                raise GrammarError(f"line {number}: bad section name {section!r}")
            out.sections.append(section)
        elif m := TASK.match(statement):
            if section is None:
                raise GrammarError(f"line {number}: a task before any section")
            if GANTT_STATEMENT.match(m["name"]):
                raise GrammarError(f"line {number}: task name reads as a statement: {m['name']!r}")
            start = datetime.strptime(m["start"], DATE)
            end = None if m["end"] == "0s" else datetime.strptime(m["end"], DATE)
            if end is not None and end < start:
                raise GrammarError(f"line {number}: a task ending before it starts")
            out.tasks.append((section, m["name"], start, end))
        else:
            raise GrammarError(f"line {number}: not a statement impactgraph writes: {line!r}")
    return out
