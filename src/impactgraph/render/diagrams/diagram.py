"""The answer of every picture function: a :class:`Diagram` (DOT and Mermaid text, images laid
out by Graphviz on demand), and the :class:`DiagramOptions` they all take.

A diagram is an immutable value with no I/O until an image is asked for, so that a server can
cache it and serve ``dot``, ``mermaid``, ``svg``, ``png`` or ``pdf`` from it
(:data:`MEDIA_TYPES` says what each is).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from impactgraph.errors import InputError, LayoutError, QueryError, SetupError
from impactgraph.render.diagrams.collapse import CHOICES as COLLAPSE_CHOICES

#: every format a diagram is written in; the images are laid out by Graphviz
FORMATS = ("dot", "svg", "png", "pdf", "mermaid")
IMAGE_FORMATS = ("svg", "png", "pdf")
TEXT_FORMATS = ("dot", "mermaid")
MEDIA_TYPES = {
    "dot": "text/vnd.graphviz; charset=utf-8",
    "mermaid": "text/vnd.mermaid; charset=utf-8",
    "svg": "image/svg+xml",
    "png": "image/png",
    "pdf": "application/pdf",
}
#: components drawn before a picture collapses them (``--max-nodes``)
MAX_NODES = 300


@dataclass(frozen=True, slots=True)
class DiagramOptions:
    """What to draw and how much.

    ``focus``/``depth``: only that component and what it needs and what needs it, within
    ``depth`` hops each way. ``max_nodes``: past this many nodes, collapse (0: never) by
    ``collapse`` (``auto``, ``site``, ``kind`` or ``group``). ``context``: for an impact, the
    UP components within this many hops of what is hit (None: the whole estate).
    ``components``: a timeline row per component, not only per business service.
    """

    focus: str | None = None
    depth: int | None = None
    max_nodes: int = MAX_NODES
    collapse: str = "auto"
    context: int | None = 1
    components: bool = False

    def __post_init__(self) -> None:
        if self.collapse not in COLLAPSE_CHOICES:
            raise QueryError(f"collapse by {', '.join(COLLAPSE_CHOICES)}, not {self.collapse!r}")
        for name, least in (("depth", 1), ("max_nodes", 0), ("context", 0)):
            value = getattr(self, name)
            if value is not None and value < least:
                raise QueryError(f"{name} must be at least {least}, not {value}")


@dataclass(frozen=True, slots=True)
class Diagram:
    """A picture: ``kind`` (estate, impact, timeline, recovery, schedule), its Graphviz
    ``dot`` source and ``mermaid`` text; ``shown`` the components drawn as their own node,
    row or bar (the SVG element with their id; a bootstrap step's bar has its first
    component's), ``collapsed`` the title of each collapsed node and the components it holds;
    ``notes`` what the picture says about itself (collapsed, rows left out)."""

    kind: str
    dot: str
    mermaid: str
    shown: frozenset[str] = frozenset()
    collapsed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def image(self, fmt: str) -> bytes:
        """The picture laid out by Graphviz as ``svg``, ``png`` or ``pdf``."""
        return render_image(self.dot, fmt, self.kind)

    def svg(self) -> str:
        """The picture as SVG text (well-formed XML; each component's node has its id)."""
        return self.image("svg").decode("utf-8")

    def render(self, fmt: str) -> bytes:
        """The picture in any of :data:`FORMATS`."""
        if fmt == "dot":
            return (self.dot + "\n").encode("utf-8")
        if fmt == "mermaid":
            return self.mermaid.encode("utf-8")
        return self.image(fmt)


#: the most lines of Graphviz's complaint a :class:`~impactgraph.errors.LayoutError` quotes
GRAPHVIZ_LINES = 4


def render_image(dot: str, fmt: str, kind: str = "diagram") -> bytes:
    """Lay out DOT source with Graphviz into svg, png or pdf (the source picks its layout
    engine: ``dot``, or ``neato`` for the pinned Gantt charts). Graphviz refusing the source
    (every id and label is escaped, so a limit of its layout rather than a syntax error) is a
    :class:`~impactgraph.errors.LayoutError` naming the picture ``kind`` and Graphviz's words."""
    if fmt not in IMAGE_FORMATS:
        raise InputError(f"an image is svg, png or pdf, not {fmt!r}")
    import graphviz

    try:
        out: bytes = graphviz.Source(dot).pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise SetupError(
            "Graphviz's 'dot' program is not installed; install graphviz, or use --format dot"
        ) from None
    except graphviz.CalledProcessError as e:
        stderr = e.stderr.decode("utf-8", "replace") if isinstance(e.stderr, bytes) else ""
        raise LayoutError(layout_failure(kind, fmt, stderr)) from None
    return out


def layout_failure(kind: str, fmt: str, stderr: str) -> str:
    """What a :class:`~impactgraph.errors.LayoutError` says: the picture, Graphviz's first
    distinct lines (at most :data:`GRAPHVIZ_LINES`), and what still works.

    >>> layout_failure("recovery", "svg", "Error: lost a b edge\\nError: lost a b edge\\n")[:77]
    'Graphviz could not lay out the recovery diagram as svg: Error: lost a b edge;'
    """
    lines = list(dict.fromkeys(line.strip() for line in stderr.splitlines() if line.strip()))
    said = "; ".join(lines[:GRAPHVIZ_LINES]) or "no message"
    if len(lines) > GRAPHVIZ_LINES:
        said += f" (and {len(lines) - GRAPHVIZ_LINES} more lines)"
    return (
        f"Graphviz could not lay out the {kind} diagram as {fmt}: {said}; the DOT and Mermaid "
        "text still work (--format dot|mermaid), or draw fewer nodes (--max-nodes N, --focus ID)"
    )
