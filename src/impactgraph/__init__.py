"""impactgraph: dependency and impact engine for IT service continuity."""

__version__ = "0.1.0"
