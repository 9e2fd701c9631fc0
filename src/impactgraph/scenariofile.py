"""Scenario files (SPEC §5): YAML or JSON in, the engine's :class:`Scenario` out.

A scenario is the engine's input, so its file reader sits above the engine (beside the CLI
and the API), not in :mod:`impactgraph.modelfile`, which the engine never needs: the text is
parsed by :mod:`impactgraph.document` and the fields checked by the engine's public
:func:`~impactgraph.engine.scenario.scenario_from_document`, the one place that knows them.
"""

from __future__ import annotations

import os

from impactgraph.document import file_format, parse, read_text
from impactgraph.engine.scenario import Scenario, scenario_from_document
from impactgraph.errors import ScenarioError


def load_scenario_file(path: str | os.PathLike[str]) -> Scenario:
    """Read a scenario file; errors name the file (and the line of a syntax error or of a key
    given twice), every one at once."""
    text = read_text(path, ScenarioError)
    parsed = parse(text, str(path), file_format(path, text), ScenarioError)
    if parsed.duplicates:
        raise ScenarioError(
            "\n".join(
                f"{path}:{parsed.line(p)}: key {k!r} is given twice" for p, k in parsed.duplicates
            )
        )
    return scenario_from_document(parsed.document, source=str(path))
