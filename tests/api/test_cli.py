"""``impactgraph apikey`` and ``impactgraph serve``: keys printed once, bad input exit 2."""

from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path

from click.testing import CliRunner

from impactgraph.apikeys import authenticate
from impactgraph.cli.main import cli
from impactgraph.store import open_store


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_create_list_revoke(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    code, out, _ = run("apikey", "create", "--role", "editor", "--store", url, "--format", "json")
    assert code == 0
    made = json.loads(out)
    assert set(made) == {"key", "id", "role"} and made["role"] == "editor"
    with closing(open_store(url)) as store:
        assert authenticate(store, made["key"]) is not None
    code, out, _ = run("apikey", "list", "--store", url, "--format", "json")
    assert code == 0 and made["key"] not in out
    assert [k["id"] for k in json.loads(out)] == [made["id"]]
    code, out, _ = run("apikey", "revoke", made["id"], "--store", url)
    assert code == 0 and made["id"] in out
    with closing(open_store(url)) as store:
        assert authenticate(store, made["key"]) is None


def test_bad_input_exits_2(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    code, _, err = run("apikey", "create", "--role", "root", "--store", url)
    assert code == 2 and "root" in err
    code, _, err = run("apikey", "revoke", "k_nope", "--store", url)
    assert code == 2 and "k_nope" in err and "Traceback" not in err
    code, _, err = run("serve", "--port", "0")
    assert code == 2
    code, _, err = run("serve", "--store", "ftp://nowhere")
    assert code == 2 and "unknown store URL" in err


def test_help() -> None:
    for command in (["serve"], ["apikey"], ["apikey", "create"], ["apikey", "list"]):
        code, out, _ = run(*command, "--help")
        assert code == 0 and "Example" in out
