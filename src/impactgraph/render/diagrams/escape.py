"""The one escaping layer of every picture: user text (ids, names, teams, scenario names) made
safe for Graphviz DOT, Graphviz HTML-like labels, Mermaid flowcharts and Mermaid Gantt charts.

Control characters are first shown as visible symbols (:func:`~impactgraph.render.formats.visible`),
so that no picture can hold a NUL, a line break of the user's or a terminal escape, and the SVG
Graphviz writes is always well-formed XML.

* DOT strings (:func:`dot_string`): quotes and backslashes escaped, ``&`` written ``&amp;``
  (Graphviz reads entities in every string, so an id ``&amp;`` is shown as typed);
* DOT HTML-like labels (:func:`dot_html`): ``& < > "`` as entities;
* Mermaid flowchart labels (:func:`mermaid_text`): inside ``"…"``, with ``#`` ``&`` ``"``
  ``<`` ``>`` ``%``, the backtick and the ``d`` of "direction" written as Mermaid entity codes
  (``#35;``, ``#amp;`` …), so that nothing ends the string, opens HTML, Markdown or a
  ``%%{…}%%`` directive, reads as an entity or as a statement;
* Mermaid node ids (:func:`mermaid_id`): a prefix and letters, digits and ``_`` only, one
  id per component and never a keyword (``end``, ``class``, ``style`` …);
* Mermaid Gantt words (:func:`gantt_text`): the Gantt grammar cannot quote, so ``:`` ``;``
  ``#`` and ``%`` are shown as full-width look-alikes.

>>> print(dot_string('a"b', "&amp;"), dot_string("bell\\x07"))
"a\\"b\\n&amp;amp;" "bell␇"
>>> mermaid_text('<b>"x"</b> #1 & `y` 5% direction TB')
'#lt;b#gt;#quot;x#quot;#lt;/b#gt; #35;1 #amp; #96;y#96; 5#37; #100;irection TB'
>>> mermaid_id("c", "card-payments"), mermaid_id("c", "end"), mermaid_id("c", "a_b")
('c_card_2d_payments', 'c_end', 'c_a__b')
>>> gantt_text("db: primary; #1 50%"), gantt_text("click me")
('db∶ primary； ＃1 50％', '· click me')
"""

from __future__ import annotations

import re
from html import escape as _html_escape

from impactgraph.render.formats import visible

# ---- Graphviz --------------------------------------------------------------------------------


def dot_string(*lines: str) -> str:
    """A DOT double-quoted string of ``lines`` (joined by line breaks) that Graphviz shows as
    written."""
    escaped = (
        visible(line).replace("&", "&amp;").replace("\\", "\\\\").replace('"', '\\"')
        for line in lines
    )
    return '"' + "\\n".join(escaped) + '"'


def dot_html(text: str) -> str:
    """Text for a Graphviz HTML-like label (``<TD>…</TD>``): entities for ``& < > "``.

    >>> dot_html("R&D <x>")
    'R&amp;D &lt;x&gt;'
    """
    return _html_escape(visible(text), quote=True)


# ---- Mermaid ---------------------------------------------------------------------------------

# one pass, each match replaced once: characters that end a string, open HTML, Markdown, an
# entity or a directive (%%{…}%% is read anywhere in the text), the two characters Mermaid
# itself uses to hide entities, and the word that its lexer takes for a direction statement
# wherever it is on a line
_MERMAID_ACTIVE = re.compile('[#&"<>`%\ufb02\xb6]|(?i:d)(?=(?i:irection))')


def _mermaid_entity(match: re.Match[str]) -> str:
    char = match.group()
    return {"&": "#amp;", '"': "#quot;", "<": "#lt;", ">": "#gt;"}.get(char, f"#{ord(char)};")


def mermaid_text(text: str) -> str:
    """User text for a quoted Mermaid flowchart label (``c_x["…"]``, ``-->|"…"|``)."""
    return _MERMAID_ACTIVE.sub(_mermaid_entity, visible(text))


def mermaid_label(*lines: str) -> str:
    """A quoted Mermaid label of ``lines``, joined by ``<br>``."""
    return '"' + "<br>".join(mermaid_text(line) for line in lines) + '"'


_ID_PLAIN = re.compile(r"[A-Za-z0-9]+")


def mermaid_id(prefix: str, key: str) -> str:
    """A Mermaid node id for ``key``: ``prefix_`` then letters and digits as they are, ``_`` as
    ``__`` and any other character as ``_<hex>_``. Distinct keys give distinct ids, and no id
    is a Mermaid keyword (every id of a picture kind starts with its prefix and ``_``)."""
    out = [prefix, "_"]
    i = 0
    while i < len(key):
        plain = _ID_PLAIN.match(key, i)
        if plain:
            out.append(plain.group())
            i = plain.end()
            continue
        char = key[i]
        out.append("__" if char == "_" else f"_{ord(char):x}_")
        i += 1
    return "".join(out)


_GANTT_ACTIVE = re.compile("[:;#%]")
_GANTT_TITLE_ACTIVE = re.compile("[;#%]")
_GANTT_LOOKALIKE = {":": "∶", ";": "；", "#": "＃", "%": "％"}


# what the Gantt lexer reads as a statement (case-insensitively) where a task name starts
_GANTT_STATEMENT = re.compile(
    r"(?i)(?:gantt|dateformat|inclusiveenddates|topaxis|axisformat|tickinterval|includes|"
    r"excludes|todaymarker|weekday|title|accdescription|accdescr|acctitle|section|click|call|"
    r"href|vert)(?![a-z0-9])|\d{4}-\d\d-\d\d"
)


def gantt_text(text: str, *, title: bool = False) -> str:
    """User text for a Mermaid Gantt section or task name, or (``title``) the chart's title,
    where a ``:`` may stay (never empty; text that would read as a statement, ``click x`` or a
    date, starts with ``·``)."""
    active = _GANTT_ACTIVE if not title else _GANTT_TITLE_ACTIVE
    shown = active.sub(lambda m: _GANTT_LOOKALIKE[m.group()], visible(text)).strip()
    if _GANTT_STATEMENT.match(shown):
        shown = "· " + shown
    return shown or "␠"
