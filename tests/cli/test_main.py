"""The ``impactgraph`` group: version, help, exit codes, the console script itself."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import Result

import impactgraph
from impactgraph.cli import impact as impact_cmd
from impactgraph.cli import main as main_module
from impactgraph.cli.main import cli

Run = Callable[..., Result]
OWN_COMMANDS = ("validate", "load", "impact", "explain", "deps", "diagram")


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


def test_optional_commands_skip_only_their_own_missing_module(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    group = click.Group()
    present = types.ModuleType("impactgraph_test_present")

    @click.command()
    def present_cmd() -> None:
        """A command."""

    present.extra = present_cmd  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "impactgraph_test_present", present)
    monkeypatch.setattr(
        main_module,
        "OPTIONAL_COMMANDS",
        (("impactgraph_test_absent", "absent"), ("impactgraph_test_present", "extra")),
    )
    main_module._register_optional(group)
    assert list(group.commands) == ["extra"]

    # a module that exists but imports something missing is a real error, not a skip
    def import_broken(name: str) -> types.ModuleType:
        raise ModuleNotFoundError("No module named 'somedep'", name="somedep")

    monkeypatch.setattr(main_module.importlib, "import_module", import_broken)
    monkeypatch.setattr(main_module, "OPTIONAL_COMMANDS", (("impactgraph_test_broken", "x"),))
    with pytest.raises(ModuleNotFoundError):
        main_module._register_optional(group)


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
