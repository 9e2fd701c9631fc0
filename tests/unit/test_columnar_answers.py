"""Questions asked of a store answer from its columns: no pydantic model object is built.

A graph read from a store (``read_graph``) carries its attributes as columns; impact, recovery
plans, continuity checks and explanations read those columns. Building a million pydantic
components on the way would cost more than the answer itself, so here every command runs in a
process in which constructing a ``Component``, ``Member``, ``Dependency`` or ``Model`` fails.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from impactgraph.store.sqlite import SqliteStore

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import estate_gen

#: run in a process of its own: a class's ``__new__`` cannot be put back once replaced
_NO_PYDANTIC = """
import sys
from impactgraph.cli.main import cli
from impactgraph.model import Component, Dependency, Member, Model

def refuse(cls, *args, **kwargs):
    raise AssertionError(f"built a pydantic {cls.__name__}")

for cls in (Component, Dependency, Member, Model):
    cls.__new__ = refuse
cli.main(sys.argv[1:], prog_name="impactgraph", standalone_mode=True)
"""


@pytest.fixture(scope="module")
def store_100k(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("estate") / "estate.db"
    with SqliteStore(path) as store:
        store.load(estate_gen.generate(100_000, seed=1).to_model(check=False))
    return f"sqlite:///{path}"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _NO_PYDANTIC, *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_recover_on_the_100k_estate_builds_no_pydantic_component(store_100k: str) -> None:
    done = _run("recover", "--store", store_100k, "--fail", "site-0", "--format", "json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert len(answer["steps"]) > 10_000
    assert answer["business_services"]


@pytest.mark.parametrize(
    "args",
    [
        ("impact", "--fail", "site-0", "--format", "json"),
        ("recover", "--fail", "site-1", "--teams", "5", "--format", "csv"),
        ("check", "--format", "json"),
        ("explain", "--fail", "site-0", "--component", "site-0"),
    ],
    ids=lambda a: a[0],
)
def test_questions_on_a_store_build_no_pydantic_object(store_100k: str, args: tuple[str]) -> None:
    done = _run(*args, "--store", store_100k)
    assert done.returncode in (0, 3), done.stderr  # check exits 3 when it finds something
    assert done.stdout
