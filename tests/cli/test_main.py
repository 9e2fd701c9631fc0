"""The ``impactgraph`` group: version, help, exit codes, the console script itself."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import Result

import impactgraph
from impactgraph.cli import impact as impact_cmd
from impactgraph.cli.main import cli
from impactgraph.errors import (
    CapacityError,
    InternalError,
    NoModelError,
    SetupError,
    StoreUnavailableError,
)

Run = Callable[..., Result]
OWN_COMMANDS = (
    "validate",
    "load",
    "impact",
    "explain",
    "recover",
    "deps",
    "diagram",
    "check",
)


def test_version(run: Run) -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout == f"impactgraph, version {impactgraph.__version__}\n"


@pytest.mark.parametrize("command", OWN_COMMANDS)
def test_every_command_has_help_with_an_example(run: Run, command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout
    assert f"impactgraph {command}" in result.stdout.split("Example:")[1]


def test_every_registered_command_has_help(run: Run) -> None:
    for name in cli.list_commands(click.Context(cli)):
        assert run(name, "--help").exit_code == 0, name


def test_an_unexpected_exception_exits_1_without_traceback(
    run: Run, spec_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(impact_cmd, "propagate", broken)
    result = run("impact", "--model", spec_model, "--fail", "dc1")
    assert result.exit_code == 1
    assert "internal error" in result.stderr and "RuntimeError: boom" in result.stderr
    assert "Traceback" not in result.output

    monkeypatch.setenv("IMPACTGRAPH_DEBUG", "1")
    result = run("impact", "--model", spec_model, "--fail", "dc1")
    assert result.exit_code == 1
    assert "Traceback" in result.stderr


def test_every_command_is_registered() -> None:
    groups = {"db", "apikey", "import"}
    assert set(cli.list_commands(click.Context(cli))) == {*OWN_COMMANDS, "serve", *groups}


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (InternalError("the plan does not match the graph"), 1),
        (SetupError("Graphviz's 'dot' program is not installed"), 1),
        (CapacityError("capacity: no crews"), 2),
        (NoModelError("the store holds no model"), 2),
        (StoreUnavailableError("cannot reach the server"), 2),
    ],
)
def test_an_error_exits_with_its_own_code(
    run: Run, spec_model: Path, monkeypatch: pytest.MonkeyPatch, error: Exception, code: int
) -> None:
    def broken(*args: object) -> None:
        raise error

    monkeypatch.setattr(impact_cmd, "propagate", broken)
    result = run("impact", "--model", spec_model, "--fail", "dc1")
    assert result.exit_code == code
    assert result.stderr == f"error: {error}\n"


def test_console_script_end_to_end(spec_model: Path, tmp_path: Path) -> None:
    exe = shutil.which("impactgraph")
    assert exe is not None, "the impactgraph console script is not installed"
    env = {"PATH": str(Path(exe).parent), "IMPACTGRAPH_STORE": str(tmp_path / "e.db")}
    ok = subprocess.run(
        [exe, "load", str(spec_model)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    answer = subprocess.run(
        [exe, "impact", "--fail", "dc1", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout)["timelines"]["reporting"][0]["from"] == 4 * 3600
    bad = subprocess.run(
        [exe, "impact", "--fail", "nosuch"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: unknown component 'nosuch'")
    assert "Traceback" not in bad.stderr


def test_python_dash_m(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "impactgraph", "--version"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert out.returncode == 0
    assert impactgraph.__version__ in out.stdout
