"""Exit codes that tell the truth: every command through a missing ``-o`` directory, a full
disk, a reader that went away and a bad ``$COLUMNS``; and the usage cases of issue 13.

0 ok, 2 the user's mistake or an environment that refuses (with one ``error:`` line naming
what and where), 3 findings (``check``), 1 only for a bug; never a traceback.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from impactgraph.cli.main import cli
from impactgraph.store import open_store
from impactgraph.store.base import ApiKeyRecord

Run = Callable[..., Result]
STORE = "store.db"
#: an API key the walk's store holds (revoking it again is not an error)
WALK_KEY = "k_0000000000000001"
SPEC = Path(__file__).resolve().parents[2] / "examples" / "spec-example.yaml"
IMPORTS = SPEC.parent / "import"
#: the spreadsheet template, written here once per session (``import csv --template``)
CSV = Path(tempfile.mkdtemp(prefix="impactgraph-walk-csv-"))
CSV_TABLES = ("components", "dependencies", "members")


def every_command() -> dict[str, list[str]]:
    """A valid call of every command, run in a directory holding ``spec.yaml`` and a loaded
    ``store.db``."""
    store = ["--store", STORE]
    return {
        "validate": ["validate", "spec.yaml"],
        "load": ["load", "spec.yaml", *store],
        "impact": ["impact", "--model", "spec.yaml", "--fail", "dc1"],
        "explain": ["explain", "--model", "spec.yaml", "--fail", "dc1", "-c", "card-payments"],
        "recover": ["recover", "--model", "spec.yaml", "--fail", "dc1"],
        "deps": ["deps", "db-primary", "--up", "--model", "spec.yaml"],
        "diagram": ["diagram", "--model", "spec.yaml"],
        "check": ["check", "--model", "spec.yaml"],
        "db init": ["db", "init", *store],
        "db load": ["db", "load", "spec.yaml", *store],
        "db export": ["db", "export", *store],
        "db stats": ["db", "stats", *store],
        "db wipe": ["db", "wipe", *store, "--yes"],
        "apikey create": ["apikey", "create", "--role", "reader", *store],
        "apikey list": ["apikey", "list", *store],
        "apikey revoke": ["apikey", "revoke", WALK_KEY, *store],
        # into the store $IMPACTGRAPH_STORE names (store.db), so that -o can be added
        "import servicenow": ["import", "servicenow", str(IMPORTS / "servicenow")],
        "import backstage": ["import", "backstage", str(IMPORTS / "backstage")],
        "import csv": ["import", "csv", *(f"--{t}={CSV / t}.csv" for t in CSV_TABLES)],
    }


COMMANDS = every_command()
WITH_OUTPUT = ("diagram", "db export", "import servicenow", "import backstage", "import csv")
#: commands the walk cannot run: ``serve`` serves until it is stopped (tests/api runs it)
NOT_WALKED = {"serve"}


def test_the_walk_covers_every_command() -> None:
    ctx = click.Context(cli)
    groups = {"db", "apikey", "import"}
    names = set(cli.list_commands(ctx)) - groups - NOT_WALKED
    for group_name in groups:
        group = cli.get_command(ctx, group_name)
        assert isinstance(group, click.Group)
        names |= {f"{group_name} {n}" for n in group.list_commands(ctx)}
    assert set(COMMANDS) == names
    with_output = set()
    for name in names:
        command: click.Command | None = cli
        for word in name.split():
            assert isinstance(command, click.Group)
            command = command.get_command(ctx, word)
        assert command is not None
        if any(p.name == "output" for p in command.params):
            with_output.add(name)
    assert with_output == set(WITH_OUTPUT)


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with ``spec.yaml`` and ``store.db`` holding it."""
    where = tmp_path_factory.mktemp("estate")
    if not (CSV / "components.csv").exists():
        shutil.rmtree(CSV)
        template = CliRunner().invoke(cli, ["import", "csv", "--template", str(CSV)])
        assert template.exit_code == 0, template.output
    shutil.copy(SPEC, where / "spec.yaml")
    env = {k: v for k, v in os.environ.items() if k not in ("IMPACTGRAPH_STORE", "NEO4J_URI")}
    old = Path.cwd()
    os.chdir(where)
    try:
        result = CliRunner(env=env).invoke(cli, ["load", "spec.yaml", "--store", STORE])
        with closing(open_store(STORE)) as store:
            store.add_key(
                ApiKeyRecord(WALK_KEY, "reader", "0" * 64, created="2026-01-01T00:00:00Z")
            )
    finally:
        os.chdir(old)
    assert result.exit_code == 0, result.output
    return where


def _copy(estate: Path, to: Path) -> Path:
    to.mkdir(parents=True, exist_ok=True)
    for name in ("spec.yaml", STORE):
        shutil.copy(estate / name, to / name)
    return to


def _clean(stderr: str) -> None:
    assert "Traceback" not in stderr
    assert "Exception ignored" not in stderr
    assert "internal error" not in stderr


@pytest.fixture
def in_estate(estate: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run) -> Run:
    """``run`` in a fresh copy of the estate directory."""
    monkeypatch.chdir(_copy(estate, tmp_path / "here"))
    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.setenv("IMPACTGRAPH_STORE", STORE)
    return run


# ---- in-process: -o and $COLUMNS ------------------------------------------------------------


@pytest.mark.parametrize("name", WITH_OUTPUT)
@pytest.mark.parametrize("output", ["nodir/out.txt", ""])
def test_output_into_no_directory_or_empty_is_a_usage_error(
    in_estate: Run, name: str, output: str
) -> None:
    result = in_estate(*COMMANDS[name], "-o", output)
    assert result.exit_code == 2, result.output
    _clean(result.stderr)
    assert ("no directory nodir" if output else "empty path") in result.stderr


@pytest.mark.parametrize("name", WITH_OUTPUT)
def test_output_into_a_full_disk_exits_2_naming_it(in_estate: Run, name: str) -> None:
    result = in_estate(*COMMANDS[name], "-o", "/dev/full")
    assert result.exit_code == 2, result.output
    _clean(result.stderr)
    assert result.stderr == "error: cannot write /dev/full: No space left on device\n"
    assert Path("/dev/full").is_char_device()  # written in place, never replaced


@pytest.mark.parametrize("name", WITH_OUTPUT)
def test_output_to_a_directory_without_permission_exits_2(
    in_estate: Run, name: str, tmp_path: Path
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who may write anywhere")
        result = in_estate(*COMMANDS[name], "-o", locked / "out.txt")
    finally:
        locked.chmod(0o700)
    assert result.exit_code == 2
    assert "Permission denied" in result.stderr


@pytest.mark.parametrize("name", list(COMMANDS))
@pytest.mark.parametrize("columns", ["abc", "-5", "0"])
def test_a_bad_columns_is_ignored_with_a_warning(
    in_estate: Run, estate: Path, monkeypatch: pytest.MonkeyPatch, name: str, columns: str
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    expected = in_estate(*COMMANDS[name])
    _copy(estate, Path.cwd())  # the store as it was (db wipe)
    monkeypatch.setenv("COLUMNS", columns)
    result = in_estate(*COMMANDS[name])
    assert result.exit_code == expected.exit_code, result.output
    # db load says how long it took; apikey create makes a new key each time
    untimed = re.compile(r"[0-9.]+s\b|igk_[A-Za-z0-9_-]+|k_[0-9a-f]{16}|\d{4}-\d\d-\d\dT[\d:]+Z")
    assert untimed.sub("", result.stdout) == untimed.sub("", expected.stdout)
    assert result.stderr in (
        "",
        f"warning: ignoring COLUMNS='{columns}': not a positive whole number\n",
    )
    _clean(result.stderr)


def test_a_narrow_columns_still_prints_the_table(
    run: Run, spec_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "1")
    result = run("impact", "--model", spec_model, "--fail", "dc1")
    assert result.exit_code == 0
    assert "card-payments" in result.stdout


# ---- in-process: usage ----------------------------------------------------------------------


def test_deps_up_and_down_together_is_a_usage_error(run: Run, spec_model: Path) -> None:
    result = run("deps", "db-primary", "--up", "--down", "--model", spec_model)
    assert result.exit_code == 2
    assert "not both" in result.stderr


def test_declining_db_wipe_wipes_nothing_and_exits_0(in_estate: Run) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["db", "wipe", "--store", STORE], input="n\n")
    assert result.exit_code == 0, result.output
    assert "nothing wiped" in result.stderr
    assert result.stdout == ""
    stats = in_estate("db", "stats", "--store", STORE, "--format", "json")
    assert '"components": 13' in stats.stdout


def test_no_answer_to_db_wipe_exits_2_and_says_yes(in_estate: Run) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["db", "wipe", "--store", STORE], input="")
    assert result.exit_code == 2, result.output
    assert "--yes" in result.stderr
    _clean(result.stderr)


@pytest.mark.parametrize("url", ["neo4j://[::1", "neo4j://:7687", "ftp://x"])
def test_a_bad_store_url_exits_2_with_one_line(run: Run, url: str) -> None:
    result = run("impact", "--store", url, "--fail", "dc1")
    assert result.exit_code == 2, result.output
    _clean(result.stderr)
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


# ---- subprocesses: a full disk and a closed pipe on the real stdout ---------------------------


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("IMPACTGRAPH_STORE", "NEO4J_URI")}
    src = str(Path(__file__).resolve().parents[2] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    env["IMPACTGRAPH_DEBUG"] = ""
    return env


def _run(args: list[str], where: Path, stdout: int) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "impactgraph", *args],
        cwd=where,
        stdout=stdout,
        stderr=subprocess.PIPE,
        env=_environment(),
        timeout=120,
        check=False,
    )
    return done.returncode, done.stderr.decode("utf-8", "replace")


def _closed_pipe(args: list[str], where: Path) -> tuple[int, str]:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first byte
    try:
        return _run(args, where, write)
    finally:
        os.close(write)


def _full_disk(args: list[str], where: Path) -> tuple[int, str]:
    fd = os.open("/dev/full", os.O_WRONLY)
    try:
        return _run(args, where, fd)
    finally:
        os.close(fd)


@pytest.fixture(scope="module")
def walked(
    estate: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, tuple[int, str]]]:
    """Every command with its stdout a closed pipe, then a full disk, two at a time."""
    if not Path("/dev/full").is_char_device():
        pytest.skip("no /dev/full")
    jobs = {}
    for name, args in COMMANDS.items():
        for case, how in (("pipe", _closed_pipe), ("full", _full_disk)):
            where = _copy(estate, tmp_path_factory.mktemp(f"{case}-{name.replace(' ', '-')}"))
            jobs[(name, case)] = (how, args, where)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {key: pool.submit(how, args, where) for key, (how, args, where) in jobs.items()}
        yield {f"{name}/{case}": f.result() for (name, case), f in futures.items()}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_closed_pipe_exits_quietly_with_the_commands_own_code(
    walked: dict[str, tuple[int, str]], in_estate: Run, name: str
) -> None:
    own = in_estate(*COMMANDS[name]).exit_code
    code, stderr = walked[f"{name}/pipe"]
    assert code == own, stderr
    assert stderr == ""


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_full_disk_on_stdout_exits_2_naming_stdout(
    walked: dict[str, tuple[int, str]], name: str
) -> None:
    code, stderr = walked[f"{name}/full"]
    assert code == 2, stderr
    assert stderr == "error: cannot write to stdout: No space left on device\n"


def test_check_with_findings_piped_into_head_exits_3(tmp_path: Path) -> None:
    lines = ["version: 1", "components:"]
    for i in range(3000):  # more than a pipe holds
        lines += [f"  - {{id: svc-{i}, kind: business_service, rto: 1h, mtpd: 30m}}"]
    (tmp_path / "big.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    reader = subprocess.Popen(["head", "-1"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    assert reader.stdin is not None
    code, stderr = _run(["check", "--model", "big.yaml"], tmp_path, reader.stdin.fileno())
    reader.stdin.close()
    reader.wait()
    assert (code, stderr) == (3, "")
