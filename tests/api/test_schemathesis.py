"""Schemathesis against the app's own ``/openapi.json``, bounded: for every operation a few
generated requests (with an admin key, over the SPEC example), and no answer may be a 5xx or
stray from the declared status codes, content types and schemas."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from impactgraph.api import Settings, create_app
from impactgraph.apikeys import create_key
from impactgraph.modelfile import parse_model_text
from impactgraph.store import open_store

from .conftest import SPEC_DOCUMENT

#: generated requests per operation
EXAMPLES = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def admin_key(tmp_path: Path) -> Iterator[tuple[Any, str]]:
    """The app over a SQLite store holding the SPEC example, and an admin key."""
    import json

    store = open_store(f"sqlite:///{tmp_path / 'fuzz.db'}")
    store.load(parse_model_text(json.dumps(SPEC_DOCUMENT), "spec", "json"))
    key, _ = create_key(store, "admin")
    try:
        yield create_app(Settings(key_cache_seconds=0, max_page=50), store=store), key
    finally:
        store.close()


def test_the_api_keeps_its_own_contract(admin_key: tuple[Any, str]) -> None:
    app, key = admin_key
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {key}"}
    failures: dict[str, str] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
        )
        def exercise(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            exercise()
        except Exception as e:  # every operation is tried; all failures are reported at once
            failures[operation.label] = f"{type(e).__name__}: {str(e)[:2000]}"
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
