"""Signing in to the web page, in-process: the one-time login link (once, for minutes), the form
with a pasted key, the session cookie (HttpOnly, SameSite=Strict, Path=/, Secure over https,
never the key), CSRF on every cookie-authenticated unsafe request, sign-out and revocation,
the headers that lock the page down, and ``impactgraph serve`` printing the link (one worker
and several)."""

from __future__ import annotations

import logging
import os
import re
import warnings
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi import FastAPI

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from fastapi.testclient import TestClient  # noqa: E402

from impactgraph.api import Settings, create_app  # noqa: E402
from impactgraph.api.web import (  # noqa: E402
    API_CSP,
    COOKIE,
    CSRF_HEADER,
    PAGE_CSP,
    Sessions,
    login_key,
)
from impactgraph.apikeys import create_key, revoke_key  # noqa: E402
from impactgraph.cli.main import cli  # noqa: E402
from impactgraph.model import Component, Kind, Model  # noqa: E402
from impactgraph.store import Store, open_store  # noqa: E402
from impactgraph.store.base import ApiKeyRecord  # noqa: E402

SECRET = b"s" * 32
IMPACT = {"failures": [{"target": "dc1"}]}


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'web.db'}")
    s.load(Model.build([Component(id="dc1", kind=Kind.SITE)]))
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(store: Store, clock: Clock) -> FastAPI:
    made = create_app(Settings(key_cache_seconds=0), store=store)
    made.state.sessions = Sessions(SECRET, seconds=3600, link_seconds=300, clock=clock)
    return made


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def reader(store: Store) -> tuple[str, ApiKeyRecord]:
    return create_key(store, "reader", "alice")


@pytest.fixture
def editor(store: Store) -> tuple[str, ApiKeyRecord]:
    return create_key(store, "editor", "bob")


def set_cookie(response: Any) -> SimpleCookie:
    cookies: SimpleCookie = SimpleCookie()
    cookies.load(response.headers["set-cookie"])
    return cookies


def sign_in(client: TestClient, key: str) -> str:
    """Sign in with the form; the CSRF token of the session."""
    r = client.post("/login", data={"key": key}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/", r.text
    token: str = client.get("/session").json()["csrf_token"]
    return token


# ---- the page without a session ---------------------------------------------------------------


def test_the_page_without_a_session_is_the_sign_in_form(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert '<form id="signin" method="post" action="/login"' in r.text
    assert 'name="key" type="password"' in r.text
    assert "app.js" not in r.text
    assert r.headers["content-security-policy"] == PAGE_CSP
    assert "default-src 'self'" in PAGE_CSP and "frame-ancestors 'none'" in PAGE_CSP
    assert "unsafe-inline" not in PAGE_CSP
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["cache-control"] == "no-store"
    assert client.get("/session").status_code == 401


def test_the_page_has_no_inline_script_or_style() -> None:
    from impactgraph.api.web import assets

    for name in ("index.html", "login.html"):
        text = assets()[name].body.decode()
        assert not re.search(r"<script(?![^>]*\ssrc=)", text), name
        assert "<style" not in text and " style=" not in text, name
        assert not re.search(r"\son[a-z]+=", text), name
        assert "http://" not in text and "https://" not in text, name  # nothing from elsewhere
    script = assets()["app.js"].body.decode()
    assert "innerHTML" not in script and "outerHTML" not in script
    assert "insertAdjacentHTML" not in script and "eval(" not in script
    assert "localStorage" not in script and "sessionStorage" not in script


# ---- signing in with a key --------------------------------------------------------------------


def test_a_key_signs_in_and_stays_out_of_the_page(
    client: TestClient, reader: tuple[str, ApiKeyRecord]
) -> None:
    key, record = reader
    r = client.post("/login", data={"key": key}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = set_cookie(r)[COOKIE]
    assert cookie["httponly"] is True and cookie["samesite"] == "strict"
    assert cookie["path"] == "/" and not cookie["secure"]
    assert key not in cookie.value and key.rsplit("_", 1)[1] not in cookie.value
    assert record.id in cookie.value  # a signed key id, looked up again on every use
    page = client.get("/")
    assert "/static/app.js" in page.text and key not in page.text
    session = client.get("/session").json()
    assert session["key_id"] == record.id and session["role"] == "reader"
    assert session["key_name"] == "alice" and session["csrf_token"]
    assert key not in str(session) and key not in str(dict(r.headers))


def test_the_session_cookie_is_secure_over_https(
    app: FastAPI, reader: tuple[str, ApiKeyRecord]
) -> None:
    with TestClient(app, base_url="https://testserver") as c:
        r = c.post("/login", data={"key": reader[0]}, follow_redirects=False)
        assert set_cookie(r)[COOKIE]["secure"] is True


@pytest.mark.parametrize("key", ["", "igk_k_0123456789abcdef_" + "A" * 43, "x" * 5000])
def test_a_wrong_key_stays_on_the_form(client: TestClient, key: str) -> None:
    r = client.post("/login", data={"key": key}, follow_redirects=False)
    assert r.status_code == 401 and "set-cookie" not in r.headers
    assert "That API key is not valid" in r.text and '<form id="signin"' in r.text
    assert "igk_k_" not in r.text and "xxxxx" not in r.text


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"},
        {"Sec-Fetch-Site": "same-site"},
    ],
)
def test_a_form_posted_from_elsewhere_is_refused(
    client: TestClient, reader: tuple[str, ApiKeyRecord], headers: dict[str, str]
) -> None:
    r = client.post("/login", data={"key": reader[0]}, headers=headers, follow_redirects=False)
    assert r.status_code == 403 and "set-cookie" not in r.headers


def test_a_browser_form_of_our_own_is_taken(
    client: TestClient, reader: tuple[str, ApiKeyRecord]
) -> None:
    # what Chromium sends from a page with Referrer-Policy: no-referrer
    headers = {"Sec-Fetch-Site": "same-origin", "Origin": "null"}
    r = client.post("/login", data={"key": reader[0]}, headers=headers, follow_redirects=False)
    assert r.status_code == 303


# ---- the one-time login link ------------------------------------------------------------------


def test_the_login_link_works_once(app: FastAPI, client: TestClient, store: Store) -> None:
    record = login_key(store)
    assert record.role == "reader" and login_key(store).id == record.id  # made once
    token = app.state.sessions.login_link(record.id)
    first = client.get(f"/login?token={token}", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/"
    assert set_cookie(first)[COOKIE]["httponly"] is True
    assert client.get("/session").json()["key_id"] == record.id
    client.cookies.clear()
    again = client.get(f"/login?token={token}", follow_redirects=False)
    assert again.status_code == 401 and "set-cookie" not in again.headers
    assert "used already" in again.text and token not in again.text


def test_the_login_link_expires(
    app: FastAPI, client: TestClient, store: Store, clock: Clock
) -> None:
    token = app.state.sessions.login_link(login_key(store).id)
    clock.now += 301
    r = client.get(f"/login?token={token}", follow_redirects=False)
    assert r.status_code == 401 and "set-cookie" not in r.headers


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature changed
        lambda t: t.replace(".k_", ".k_f", 1)[:-1],  # another key id
        lambda t: Sessions(b"o" * 32, seconds=60, link_seconds=60).login_link(t.split(".")[1]),
        lambda t: "nonsense",
        lambda t: t * 3,
    ],
)
def test_a_forged_login_link_is_refused(
    app: FastAPI, client: TestClient, store: Store, forge: Any
) -> None:
    token = app.state.sessions.login_link(login_key(store).id)
    r = client.get("/login", params={"token": forge(token)}, follow_redirects=False)
    assert r.status_code in (401, 422) and "set-cookie" not in r.headers


def test_a_link_for_a_revoked_key_is_refused(
    app: FastAPI, client: TestClient, store: Store
) -> None:
    record = login_key(store)
    token = app.state.sessions.login_link(record.id)
    revoke_key(store, record.id)
    assert client.get(f"/login?token={token}", follow_redirects=False).status_code == 401
    assert login_key(store).id != record.id  # a new one is made for the next link


# ---- CSRF, roles, sign-out, revocation, expiry -----------------------------------------------


def test_unsafe_requests_of_a_session_need_its_csrf_token(
    client: TestClient, reader: tuple[str, ApiKeyRecord]
) -> None:
    token = sign_in(client, reader[0])
    assert client.get("/v1/components/dc1").status_code == 200  # a GET needs none
    missing = client.post("/v1/impact", json=IMPACT)
    assert missing.status_code == 403
    assert missing.headers["content-type"] == "application/problem+json"
    assert CSRF_HEADER in missing.json()["detail"]
    wrong = client.post("/v1/impact", json=IMPACT, headers={CSRF_HEADER: token[:-2] + "xx"})
    assert wrong.status_code == 403
    assert client.post("/v1/impact", json=IMPACT, headers={CSRF_HEADER: token}).status_code == 200
    plan = client.post("/v1/recovery-plan", json=IMPACT, headers={CSRF_HEADER: token})
    assert plan.status_code == 200


def test_a_key_in_a_header_needs_no_csrf_token(
    client: TestClient, reader: tuple[str, ApiKeyRecord], editor: tuple[str, ApiKeyRecord]
) -> None:
    sign_in(client, reader[0])  # the cookie is there too, but the header speaks
    r = client.post("/v1/impact", json=IMPACT, headers={"Authorization": f"Bearer {reader[0]}"})
    assert r.status_code == 200
    made = client.post(
        "/v1/components", json={"id": "x", "kind": "site"}, headers={"X-API-Key": editor[0]}
    )
    assert made.status_code == 201


def test_a_session_has_its_keys_role(
    client: TestClient, reader: tuple[str, ApiKeyRecord], editor: tuple[str, ApiKeyRecord]
) -> None:
    token = sign_in(client, reader[0])
    body = {"id": "dc2", "kind": "site"}
    assert client.post("/v1/components", json=body, headers={CSRF_HEADER: token}).status_code == 403
    client.cookies.clear()
    token = sign_in(client, editor[0])
    assert client.post("/v1/components", json=body).status_code == 403  # no token
    assert client.post("/v1/components", json=body, headers={CSRF_HEADER: token}).status_code == 201
    assert client.get("/v1/api-keys").status_code == 403


def test_signing_out_ends_the_session(client: TestClient, reader: tuple[str, ApiKeyRecord]) -> None:
    token = sign_in(client, reader[0])
    cookie = client.cookies[COOKIE]
    assert client.post("/logout").status_code == 403  # a cross-site page cannot sign you out
    assert client.get("/session").status_code == 200
    out = client.post("/logout", headers={CSRF_HEADER: token})
    assert out.status_code == 204
    cleared = set_cookie(out)[COOKIE]
    assert cleared.value == "" and cleared["max-age"] == "0"
    client.cookies.set(COOKIE, cookie)  # the old cookie, kept by someone
    assert client.get("/session").status_code == 401
    assert '<form id="signin"' in client.get("/").text
    assert client.get("/v1/components/dc1").status_code == 401


def test_revoking_the_key_ends_its_sessions(
    client: TestClient, reader: tuple[str, ApiKeyRecord], store: Store
) -> None:
    sign_in(client, reader[0])
    revoke_key(store, reader[1].id)
    assert client.get("/session").status_code == 401
    assert client.get("/v1/components/dc1").status_code == 401
    assert '<form id="signin"' in client.get("/").text


def test_a_session_expires(
    client: TestClient, reader: tuple[str, ApiKeyRecord], clock: Clock
) -> None:
    sign_in(client, reader[0])
    clock.now += 3599
    assert client.get("/session").status_code == 200
    clock.now += 2
    assert client.get("/session").status_code == 401


def test_a_tampered_cookie_is_refused(
    client: TestClient, reader: tuple[str, ApiKeyRecord], editor: tuple[str, ApiKeyRecord]
) -> None:
    sign_in(client, reader[0])
    value = client.cookies[COOKIE]
    client.cookies.set(COOKIE, value.replace(reader[1].id, editor[1].id))  # a promotion
    assert client.get("/session").status_code == 401
    client.cookies.set(COOKIE, "garbage")
    assert client.get("/session").status_code == 401


# ---- workers: one secret, one directory of spent values ----------------------------------------


def test_workers_sharing_a_secret_and_a_directory(tmp_path: Path) -> None:
    one = Sessions(SECRET, seconds=60, link_seconds=60, spent_dir=str(tmp_path))
    two = Sessions(SECRET, seconds=60, link_seconds=60, spent_dir=str(tmp_path))
    token = one.login_link("k_0123456789abcdef")
    assert two.redeem(token) == "k_0123456789abcdef"
    assert one.redeem(token) is None and two.redeem(token) is None  # once across both
    cookie = one.open("k_0123456789abcdef")
    signed = two.read(cookie)
    assert signed is not None and one.csrf(signed) == two.csrf(signed)
    one.end(signed)
    assert two.read(cookie) is None  # signed out on every worker
    alone = Sessions(b"t" * 32, seconds=60, link_seconds=60)
    assert alone.read(cookie) is None and alone.redeem(one.login_link("k_0123456789abcdef")) is None


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        Settings(session_secret="short")


# ---- the page's files and the headers -----------------------------------------------------------


def test_static_files_and_their_headers(client: TestClient) -> None:
    r = client.get("/static/app.js")
    assert r.status_code == 200 and r.headers["content-type"] == "text/javascript; charset=utf-8"
    assert r.headers["content-security-policy"] == PAGE_CSP
    assert (
        client.get("/static/app.js", headers={"If-None-Match": r.headers["etag"]}).status_code
        == 304
    )
    assert client.get("/static/app.css").headers["content-type"] == "text/css; charset=utf-8"
    assert client.get("/static/index.html").status_code == 404
    assert client.get("/static/nothing.js").status_code == 404
    assert client.get("/static/..%2Fweb.py").status_code == 404


def test_api_answers_carry_a_deny_all_policy(
    client: TestClient, reader: tuple[str, ApiKeyRecord]
) -> None:
    headers = {"Authorization": f"Bearer {reader[0]}"}
    svg = client.get("/v1/diagrams/estate", headers=headers)
    assert svg.headers["content-type"] == "image/svg+xml"
    assert svg.headers["content-security-policy"] == API_CSP
    assert svg.headers["x-content-type-options"] == "nosniff"
    assert client.get("/healthz").headers["content-security-policy"] == API_CSP
    assert "content-security-policy" not in client.get("/docs").headers  # its page loads a CDN


def test_the_page_routes_are_not_in_the_api_document(app: FastAPI) -> None:
    paths = set(app.openapi()["paths"])
    assert not paths & {"/", "/login", "/logout", "/session", "/static/{name}"}


# ---- impactgraph serve prints the link -----------------------------------------------------------


@pytest.fixture
def served_store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    with open_store(url) as s:
        s.load(Model.build([Component(id="dc1", kind=Kind.SITE)]))
    return url


def test_serve_prints_a_link_that_signs_in_once(
    served_store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    served: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.append((app, kw)))
    result = CliRunner().invoke(cli, ["serve", "--store", served_store, "--port", "8123"])
    assert result.exit_code == 0, result.output
    link = re.search(r"http://127\.0\.0\.1:8123/login\?token=(\S+)", result.output)
    assert link is not None, result.output
    ((app, _options),) = served
    with TestClient(app) as c:
        assert c.get(f"/login?token={link.group(1)}", follow_redirects=False).status_code == 303
        assert c.get("/session").json()["role"] == "reader"
        c.cookies.clear()
        assert c.get(f"/login?token={link.group(1)}", follow_redirects=False).status_code == 401
    none = CliRunner().invoke(cli, ["serve", "--store", served_store, "--no-login-link"])
    assert none.exit_code == 0 and "token=" not in none.output


def test_serve_with_workers_shares_a_secret_and_a_directory(
    served_store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    for name in ("IMPACTGRAPH_STORE", "IMPACTGRAPH_SESSION_SECRET", "IMPACTGRAPH_SESSION_DIR"):
        monkeypatch.delenv(name, raising=False)  # restored after the test
    import click

    seen: dict[str, Any] = {}
    printed: list[str] = []
    echo = click.echo

    def echoing(message: Any = None, **options: Any) -> None:
        printed.append(str(message))
        echo(message, **options)

    def run(target: Any, **options: Any) -> None:
        seen.update(options, target=target, env=dict(os.environ))
        assert os.path.isdir(os.environ["IMPACTGRAPH_SESSION_DIR"])
        # two workers, each with its app made from the environment as uvicorn makes it
        from impactgraph.api.app import app_from_environment

        found = re.search(r"token=(\S+)", "".join(printed))
        assert found is not None, printed
        with TestClient(app_from_environment()) as one:
            assert (
                one.get(f"/login?token={found.group(1)}", follow_redirects=False).status_code == 303
            )
        with TestClient(app_from_environment()) as two:  # spent already
            assert (
                two.get(f"/login?token={found.group(1)}", follow_redirects=False).status_code == 401
            )

    monkeypatch.setattr(click, "echo", echoing)
    monkeypatch.setattr(uvicorn, "run", run)
    result = CliRunner().invoke(
        cli, ["serve", "--store", served_store, "--workers", "2", "--port", "8124"]
    )
    assert result.exit_code == 0, result.output
    assert seen["target"] == "impactgraph.api.app:app_from_environment" and seen["workers"] == 2
    assert len(seen["env"]["IMPACTGRAPH_SESSION_SECRET"]) >= 32
    assert not os.path.exists(seen["env"]["IMPACTGRAPH_SESSION_DIR"])  # removed at the end


def test_the_access_log_never_shows_a_login_token(client: TestClient) -> None:
    """uvicorn logs each request line; the app's filter hides the values of secret-bearing
    query parameters (the one-time login link's token) before any handler formats it."""
    from impactgraph.api.app import RedactQuery

    access = logging.getLogger("uvicorn.access")
    assert any(isinstance(f, RedactQuery) for f in access.filters)  # installed at start-up
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/login?token=s3cr3t-t0ken&next=/", "1.1", 303),
        None,
    )
    for f in access.filters:
        f.filter(record)
    line = record.getMessage()
    assert "s3cr3t-t0ken" not in line
    assert "/login?token=***&next=/" in line
