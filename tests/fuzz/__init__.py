"""Fuzzing (issue 13, item 7): hostile model files, scenarios and ids through the CLI."""
