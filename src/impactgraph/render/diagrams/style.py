"""How every picture looks: one palette, shapes per kind, fonts and the legend, shared by the
DOT, Mermaid and Gantt writers so that a state has the same colour everywhere.

A :class:`Paint` is a fill, a pen and a font colour under a name; the name is the Mermaid
``classDef`` of that paint, so Mermaid pictures use the same colours as Graphviz ones.

>>> DOWN.fill, DEGRADED.fill, UP.fill
('#f4c7c3', '#fde9b8', '#f1f3f4')
>>> STATE_PAINT[State.DOWN] is DOWN
True
"""

from __future__ import annotations

from dataclasses import dataclass

from impactgraph.engine.impact import State
from impactgraph.model import Kind

FONT = "Helvetica"
FONT_SIZE = 10
EDGE_FONT_SIZE = 8
TEXT = "#202124"
MUTED = "#5f6368"
GRID = "#dadce0"
#: a cause path (impact) or a critical chain (recovery)
EMPHASIS = "#a50e0e"
EMPHASIS_WIDTH = 2.5
#: the component a picture is focused on
FOCUS = "#1a73e8"


@dataclass(frozen=True, slots=True)
class Paint:
    """A fill, a pen and a font colour; ``name`` is its Mermaid ``classDef``."""

    name: str
    fill: str
    pen: str
    font: str = TEXT

    def mermaid_class(self) -> str:
        """The Mermaid ``classDef`` line of this paint."""
        return f"classDef {self.name} fill:{self.fill},stroke:{self.pen},color:{self.font}"


DOWN = Paint("down", "#f4c7c3", "#c5221f")
DEGRADED = Paint("degraded", "#fde9b8", "#b06000")
UP = Paint("up", "#f1f3f4", "#9aa0a6", MUTED)
#: recovery: a step finishing after its deadline, one on time, one no deadline reaches
LATE = Paint("late", DOWN.fill, DOWN.pen)
ON_TIME = Paint("ontime", "#ceead6", "#137333")
NO_DEADLINE = Paint("nodeadline", UP.fill, UP.pen, MUTED)

STATE_PAINT = {State.DOWN: DOWN, State.DEGRADED: DEGRADED, State.UP: UP}
PAINTS = (DOWN, DEGRADED, UP, LATE, ON_TIME, NO_DEADLINE)

#: Graphviz shape and extra style of each kind; a collapsed node (``None``) is a folder
DOT_SHAPE: dict[Kind | None, tuple[str, str]] = {
    Kind.BUSINESS_SERVICE: ("box", "rounded,bold"),
    Kind.SERVICE: ("box", ""),
    Kind.INFRASTRUCTURE: ("box3d", ""),
    Kind.SITE: ("house", ""),
    Kind.SUPPLIER: ("component", ""),
    Kind.GROUP: ("ellipse", "dashed"),
    None: ("folder", ""),
}

#: Mermaid brackets of each kind (opening, closing) around a quoted label
MERMAID_SHAPE: dict[Kind | None, tuple[str, str]] = {
    Kind.BUSINESS_SERVICE: ("([", "])"),
    Kind.SERVICE: ("[", "]"),
    Kind.INFRASTRUCTURE: ("[[", "]]"),
    Kind.SITE: ("{{", "}}"),
    Kind.SUPPLIER: (">", "]"),
    Kind.GROUP: ("(", ")"),
    None: ("[(", ")]"),
}


@dataclass(frozen=True, slots=True)
class LegendItem:
    """One line of a legend: a swatch of ``paint`` (with a border ``border`` wide) or a
    ``glyph`` drawn in ``colour``, then ``text``."""

    text: str
    paint: Paint | None = None
    glyph: str = ""
    colour: str = TEXT
    border: int = 1


EDGE_LEGEND = (
    LegendItem("needs (a → b: a needs b)", glyph="──▶"),
    LegendItem("soft dependency", glyph="- - ▶"),
    LegendItem("group member (standby: activation)", glyph="···◇"),
    LegendItem("tolerance: how long it rides through an outage", glyph="τ 4h"),
)

IMPACT_LEGEND = (
    LegendItem("DOWN", DOWN),
    LegendItem("DEGRADED", DEGRADED),
    LegendItem("UP (context)", UP),
    LegendItem("failed (root of the scenario)", DOWN, border=3),
    LegendItem("cause path to a business service hit", glyph="━━▶", colour=EMPHASIS),
)

RECOVERY_LEGEND = (
    LegendItem("finishes after its deadline (late)", LATE),
    LegendItem("finishes by its deadline", ON_TIME),
    LegendItem("no RTO reaches it / no step", NO_DEADLINE),
    LegendItem("critical chain of a late business service", glyph="━━▶", colour=EMPHASIS),
)


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """Roughly how wide ``text`` is in points in Helvetica at ``size`` (for layout only)."""
    return len(text) * size * 0.56
