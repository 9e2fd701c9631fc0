"""Gantt charts (an impact's timelines, a recovery plan's steps per team): one :class:`Chart`
of rows of bars and marks over a time axis, written as Graphviz DOT with every element pinned
where the axis puts it (laid out by ``neato``, so svg, png and pdf come from Graphviz like
every other picture), or as a Mermaid ``gantt``.

The axis runs from 0 to the last moment anything happens (bars that last until recovered run
on past it, marked ∞); its ticks are whole minutes, hours or days (:func:`ticks`).

>>> ticks(5 * 3600)
[0, 3600, 7200, 10800, 14400, 18000]
>>> ticks(3 * 86400)[:3]
[0, 43200, 86400]
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from impactgraph.durations import format_duration
from impactgraph.render.diagrams.dot import graph_label
from impactgraph.render.diagrams.escape import dot_string, gantt_text
from impactgraph.render.diagrams.style import (
    DEGRADED,
    DOWN,
    EDGE_FONT_SIZE,
    FONT,
    FONT_SIZE,
    GRID,
    LATE,
    MUTED,
    ON_TIME,
    TEXT,
    LegendItem,
    Paint,
    text_width,
)

#: tick steps, seconds: the first that gives at most :data:`MAX_TICKS` ticks is used
STEPS = (
    *(60, 300, 600, 900, 1800),
    *(h * 3600 for h in (1, 2, 3, 6, 12)),
    *(d * 86400 for d in (1, 2, 7, 14, 28, 91, 182, 365, 730, 1825, 3650, 36500)),
)
MAX_TICKS = 8
#: geometry, in points
WIDTH = 640.0
ROW = 18.0
BAR = 11.0
AXIS = 26.0
#: Mermaid has no durations: the chart starts at this moment, in the reader's time zone
MERMAID_EPOCH = datetime(2000, 1, 1)


@dataclass(frozen=True, slots=True)
class Bar:
    """``[start, end)`` in ``paint`` (``end`` None: until recovered); ``text`` written inside
    when it fits; ``component`` the bar's SVG id (one bar per component); ``task`` its Mermaid
    task name. A ``summary`` bar stands for bars not drawn (``+ 120 more steps``): its border
    is dashed and its text always written (after the bar when it does not fit inside)."""

    start: int
    end: int | None
    paint: Paint
    task: str
    text: str = ""
    tooltip: str = ""
    component: str | None = None
    summary: bool = False


@dataclass(frozen=True, slots=True)
class Mark:
    """A moment on a row (an RTO, a deadline) or across the chart (the horizon)."""

    at: int
    text: str
    colour: str = TEXT


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the chart: ``label`` at the left (``""`` for a further lane of the same
    heading), ``section`` its Mermaid section, ``component`` its label's SVG id."""

    label: str
    section: str
    bars: tuple[Bar, ...]
    marks: tuple[Mark, ...] = ()
    component: str | None = None


@dataclass(frozen=True, slots=True)
class Chart:
    """A Gantt chart: rows, marks across every row (``lines``), title, notes and legend."""

    title: str
    rows: tuple[Row, ...]
    lines: tuple[Mark, ...] = ()
    notes: tuple[str, ...] = ()
    legend: tuple[LegendItem, ...] = ()

    @property
    def end(self) -> int:
        """Where the axis ends: the last moment anything happens (at least a minute)."""
        moments = [m.at for m in self.lines]
        for row in self.rows:
            moments += [m.at for m in row.marks]
            moments += [b.end if b.end is not None else b.start for b in row.bars]
        return max([60, *moments])

    @property
    def open_ended(self) -> bool:
        return any(b.end is None for row in self.rows for b in row.bars)


def ticks(end: int) -> list[int]:
    """Whole-unit moments from 0 to ``end`` (at most :data:`MAX_TICKS` + 1 of them)."""
    step = next((s for s in STEPS if end / s <= MAX_TICKS), STEPS[-1])
    return list(range(0, end + 1, step))


# ---- Graphviz, pinned --------------------------------------------------------------------------


class _Canvas:
    """Pinned DOT nodes and edges, in points with y downwards."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._names: Iterator[int] = itertools.count()

    def _name(self) -> str:
        return f"_{next(self._names)}"

    def text(
        self,
        x: float,
        y: float,
        text: str,
        anchor: str = "start",
        size: float = FONT_SIZE,
        extra: str = "",
    ) -> None:
        """``text`` starting (``start``), ending (``end``) or centred (``middle``) at x."""
        # a box wide enough for any glyph (an em each): the text is justified inside it, so
        # only the anchored edge has to be exact
        width = len(text) * size + 8
        centre = {"start": x + width / 2, "end": x - width / 2}.get(anchor, x)
        just = {"start": "\\l", "end": "\\r"}.get(anchor, "")
        label = dot_string(text)[:-1] + just + '"'
        attrs = f"shape=plaintext, label={label}, fontsize={size}{extra}"
        self.node(centre, y, width, size * 1.4, attrs)

    def box(self, x0: float, x1: float, y: float, height: float, attrs: str) -> None:
        self.node((x0 + x1) / 2, y, max(x1 - x0, 0.75), height, f"shape=box, {attrs}")

    def line(self, x0: float, y0: float, x1: float, y1: float, attrs: str) -> None:
        a, b = self._name(), self._name()
        for name, x, y in ((a, x0, y0), (b, x1, y1)):
            self.lines.append(f'  {name} [pos="{x:.2f},{-y:.2f}!", shape=point, style=invis];')
        self.lines.append(f"  {a} -> {b} [{attrs}];")

    def node(self, x: float, y: float, width: float, height: float, attrs: str) -> None:
        """A node of ``width`` × ``height`` points centred at (x, y)."""
        self.lines.append(
            f'  {self._name()} [pos="{x:.2f},{-y:.2f}!", width={width / 72:.4f}, '
            f"height={height / 72:.4f}, {attrs}];"
        )


def chart_dot(chart: Chart) -> str:
    """The chart as DOT source laid out by ``neato`` at pinned positions."""
    end = chart.end
    label_width = min(max([60.0, *(text_width(r.label) for r in chart.rows)]) + 12, 260.0)
    overrun = 24.0 if chart.open_ended else 0.0

    def x(t: int | None) -> float:
        """Where moment ``t`` is (None: the end of a bar that lasts until recovered)."""
        return label_width + (end if t is None else t) * WIDTH / end + (overrun if t is None else 0)

    top, bottom = AXIS, AXIS + ROW * max(len(chart.rows), 1)
    canvas = _Canvas()
    for t in ticks(end):
        canvas.line(x(t), top - 4, x(t), bottom, f'color="{GRID}"')
        canvas.text(x(t), top - 12, format_duration(t), "middle", EDGE_FONT_SIZE)
    canvas.line(x(0), bottom, x(None), bottom, f'color="{MUTED}"')
    for i, row in enumerate(chart.rows):
        y = top + ROW * i + ROW / 2
        if row.label:
            extra = f", id={dot_string(row.component)}" if row.component is not None else ""
            canvas.text(label_width - 6, y, row.label, "end", extra=extra)
        for bar in row.bars:
            _bar(canvas, bar, x(bar.start), x(bar.end), y)
        for mark in row.marks:
            canvas.node(
                x(mark.at),
                y,
                8,
                8,
                f'shape=diamond, style=filled, fillcolor="{mark.colour}", color="{mark.colour}", '
                f"penwidth=0.5, tooltip={dot_string(mark.text)}",
            )
    for mark in chart.lines:
        style = f'color="{mark.colour}", style=dashed, penwidth=1.2'
        canvas.line(x(mark.at), top - 4, x(mark.at), bottom + 4, style)
        canvas.text(x(mark.at) + 3, bottom + 9, mark.text, "start", EDGE_FONT_SIZE)
    header = [
        "digraph impactgraph {",
        "  graph [layout=neato, inputscale=72, notranslate=true, splines=line, "
        f'outputorder=edgesfirst, pad=0.2, bgcolor="white", fontname="{FONT}", '
        f"fontsize={FONT_SIZE}];",
        f'  node [fontname="{FONT}", fontsize={FONT_SIZE}, fixedsize=true, margin=0, '
        f'penwidth=0, label="", id="\\N", fontcolor="{TEXT}"];',
        "  edge [arrowhead=none, penwidth=0.6];",
    ]
    label = graph_label(chart.title, chart.notes, chart.legend)
    if label:
        header.append(f"  labelloc=t; labeljust=l; label={label};")
    return "\n".join([*header, *canvas.lines, "}"])


def _bar(canvas: _Canvas, bar: Bar, x0: float, x1: float, y: float) -> None:
    """A bar from ``x0`` to ``x1``: its box (with its component's id), ∞ after an open end,
    its text inside when it fits."""
    style = '"filled,dashed"' if bar.summary else "filled"
    attrs = (
        f'style={style}, fillcolor="{bar.paint.fill}", color="{bar.paint.pen}", '
        f"penwidth=0.8, tooltip={dot_string(bar.tooltip or bar.task)}"
    )
    if bar.component is not None:
        attrs += f", id={dot_string(bar.component)}"
    canvas.box(x0, x1, y, BAR, attrs)
    after = x1 + 2
    if bar.end is None:
        canvas.text(after, y, "∞", "start", EDGE_FONT_SIZE)
        after += 10
    if bar.text and text_width(bar.text, EDGE_FONT_SIZE) + 4 < x1 - x0:
        canvas.text(x0 + 1, y, bar.text, "start", EDGE_FONT_SIZE)
    elif bar.text and bar.summary:
        canvas.text(after, y, bar.text, "start", EDGE_FONT_SIZE)


# ---- Mermaid -------------------------------------------------------------------------------------


def _when(t: int) -> str:
    return (MERMAID_EPOCH + timedelta(seconds=t)).strftime("%Y-%m-%d %H:%M:%S")


def chart_mermaid(chart: Chart) -> str:
    """The chart as a Mermaid ``gantt`` (time 0 is :data:`MERMAID_EPOCH`)."""
    end = chart.end
    theme = (
        f"'critBkgColor': '{DOWN.fill}', 'critBorderColor': '{DOWN.pen}', "
        f"'activeTaskBkgColor': '{DEGRADED.fill}', 'activeTaskBorderColor': '{DEGRADED.pen}', "
        f"'doneTaskBkgColor': '{ON_TIME.fill}', 'doneTaskBorderColor': '{ON_TIME.pen}'"
    )
    lines = [
        f"%%{{init: {{'theme': 'base', 'themeVariables': {{{theme}}}}}}}%%",
        "gantt",
        f"  title {gantt_text(chart.title, title=True)}" if chart.title else "",
        "  dateFormat YYYY-MM-DD HH:mm:ss",
        f"  axisFormat {'%H:%M' if end <= 86400 else '%d %H:%M'}",
    ]
    section = None
    for row in chart.rows:
        if row.section != section:
            section = row.section
            lines.append(f"  section {gantt_text(section)}")
        for bar in row.bars:
            tag = {DOWN.name: "crit, ", LATE.name: "crit, ", DEGRADED.name: "active, "}.get(
                bar.paint.name, "done, " if bar.paint is ON_TIME else ""
            )
            finish = max(bar.end if bar.end is not None else end, bar.start)
            lines.append(f"  {gantt_text(bar.task)} :{tag}{_when(bar.start)}, {_when(finish)}")
        lines += [f"  {gantt_text(m.text)} :milestone, {_when(m.at)}, 0s" for m in row.marks]
    if chart.lines:
        lines.append("  section ·")
        lines += [f"  {gantt_text(m.text)} :milestone, {_when(m.at)}, 0s" for m in chart.lines]
    return "\n".join(line for line in lines if line) + "\n"


def lanes(bars: Sequence[Bar]) -> list[list[Bar]]:
    """Bars split into lanes in which none overlaps (each bar in the first lane free at its
    start; bars in start order).

    >>> [len(lane) for lane in lanes([Bar(0, 10, DOWN, "a"), Bar(5, 15, DOWN, "b"),
    ...                                 Bar(10, 20, DOWN, "c")])]
    [2, 1]
    """
    out: list[list[Bar]] = []
    free: list[int] = []
    for bar in sorted(bars, key=lambda b: (b.start, b.end is None, b.end or 0)):
        finish = bar.end if bar.end is not None else 1 << 62
        for i, at in enumerate(free):
            if at <= bar.start:
                out[i].append(bar)
                free[i] = finish
                break
        else:
            out.append([bar])
            free.append(finish)
    return out
