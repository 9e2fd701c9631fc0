"""The engine: pure functions over an in-memory :class:`~impactgraph.graph.Graph`.

No I/O, no storage, no HTTP, no CLI here.
"""

from impactgraph.engine.impact import Cause, Impact, Interval, Rule, State, Summary
from impactgraph.engine.scenario import Failure, RootFailure, Scenario, parse_failure, resolve

__all__ = [
    "Cause",
    "Failure",
    "Impact",
    "Interval",
    "RootFailure",
    "Rule",
    "Scenario",
    "State",
    "Summary",
    "parse_failure",
    "resolve",
]
