"""The examples in the docstrings run and say what they show (every module of the package)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import impactgraph

MODULES = sorted(m.name for m in pkgutil.walk_packages(impactgraph.__path__, prefix="impactgraph."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
