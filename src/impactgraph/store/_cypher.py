"""The Cypher statements of the Neo4j store, one per file under ``cypher/``, loaded by name.

Every statement impactgraph sends to Neo4j lives in its own ``NAME.cypher`` file and is run
with parameters only: no user string is ever put into Cypher text. The files are found in
the package (``impactgraph/cypher``, a link to the repository's ``cypher/`` that wheels copy)
or, in a source checkout, in the repository's ``cypher/`` folder.

>>> "MATCH" in statement("meta_read")
True
>>> "blast_radius" in names()
True
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import LiteralString

from impactgraph.errors import SetupError

_HERE = Path(__file__).resolve().parent
#: where the ``.cypher`` files are looked for, first match wins
SEARCH_PATH = (_HERE.parent / "cypher", _HERE.parents[2] / "cypher")


def folder() -> Path:
    """The folder that holds the ``.cypher`` files."""
    for candidate in SEARCH_PATH:
        if (candidate / "meta_read.cypher").is_file():
            return candidate
    raise SetupError(
        "the Cypher files of impactgraph are missing (looked in "
        + ", ".join(str(p) for p in SEARCH_PATH)
        + "); reinstall impactgraph"
    )


def names() -> list[str]:
    """Every statement's name, sorted."""
    return sorted(p.stem for p in folder().glob("*.cypher"))


@cache
def statement(name: str) -> LiteralString:
    """The text of ``cypher/NAME.cypher``.

    Typed ``LiteralString`` for the driver: the text is impactgraph's own file, never input.
    """
    path = folder() / f"{name}.cypher"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SetupError(f"no Cypher statement {name!r} ({path} is missing)") from None
    # mypy reads LiteralString as str; a type checker that does not would need a cast here
    return text.strip()
