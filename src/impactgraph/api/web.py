"""The web page at ``/``: sign-in, the session cookie, CSRF, the page's own files and the
headers that lock it down.

Sign-in: an API key pasted into the form (``POST /login``), or the one-time login link that
``impactgraph serve`` prints (``GET /login?token=…``, valid once and for
``IMPACTGRAPH_LOGIN_LINK_SECONDS``). Either way the browser gets a session cookie and is sent
to ``/`` (without the token in its address). The key itself never goes into the page, the
cookie or any address.

**Sessions are signed, not stored.** The cookie holds ``<nonce>.<key id>.<expiry>.<HMAC>``
(HMAC-SHA256 with ``IMPACTGRAPH_SESSION_SECRET``, made at start when unset), so every worker
of a server that shares the secret can check it; the key is looked up in the store on every
use (through :class:`~impactgraph.apikeys.CachedKeys`), so a revoke ends its sessions within
``IMPACTGRAPH_KEY_CACHE_SECONDS``, and the role is always the key's role now. A login link is
signed the same way (for another purpose) and *spent* when used; a session is spent when it
signs out. Spent values are remembered in the process, and in ``IMPACTGRAPH_SESSION_DIR`` when
it is set (``serve --workers N`` sets it to a private directory, so that a link works once
across the workers and a sign-out is seen by all of them).

**CSRF**: the cookie is ``HttpOnly; SameSite=Strict; Path=/`` (``Secure`` over https); on top
of that, every unsafe request (``POST``, ``PUT``, ``PATCH``, ``DELETE``) authenticated by the
cookie must carry ``X-CSRF-Token``: an HMAC of the session's nonce that only ``GET /session``
hands out (a 403 otherwise). Requests with ``Authorization: Bearer`` or ``X-API-Key`` need no
token (a browser never adds those by itself). A sign-in form posted from another origin is
refused.

**Headers**: the page and its files are served with ``Content-Security-Policy:
default-src 'self'`` (no inline script or style, ``frame-ancestors 'none'``), everything else
but ``/docs`` with ``default-src 'none'`` and ``sandbox``; every answer with
``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``.

>>> s = Sessions(b"x" * 32, seconds=60, link_seconds=60)
>>> token = s.login_link("k_0123456789abcdef")
>>> s.redeem(token), s.redeem(token)
('k_0123456789abcdef', None)
>>> cookie = s.open("k_0123456789abcdef")
>>> signed = s.read(cookie)
>>> signed is not None and signed.key_id
'k_0123456789abcdef'
>>> s.read(cookie[:-1] + ("A" if cookie[-1] != "A" else "B")) is None
True
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import os
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Annotated, cast
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from impactgraph.apikeys import CachedKeys, authenticate, create_key
from impactgraph.errors import ForbiddenError, NotAuthenticatedError
from impactgraph.store.base import ApiKeyRecord, Store

#: the session cookie's name
COOKIE = "impactgraph_session"
#: the header that carries the CSRF token of a cookie-authenticated unsafe request
CSRF_HEADER = "X-CSRF-Token"
#: the name of the key that login links sign in as (a reader key whose secret nobody holds)
LOGIN_KEY_NAME = "web page login link"
SAFE_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))
#: the longest sign-in form read
MAX_FORM_BYTES = 4096

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
#: paths of the page and its files (the strict page policy)
PAGE_PATHS = ("/", "/login", "/logout", "/session")
PAGE_PREFIX = "/static/"
#: FastAPI's own pages load their scripts elsewhere: no policy of ours
DOC_PATHS = ("/docs", "/docs/oauth2-redirect", "/redoc")

_SIGNED = re.compile(r"^([A-Za-z0-9_-]{22})\.(k_[0-9a-f]{16})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$")

router = APIRouter(include_in_schema=False)


# ---- signed values --------------------------------------------------------------------------


@dataclass(frozen=True)
class Signed:
    """A login link or session checked: its nonce, the key it is for, when it ends (epoch s)."""

    nonce: str
    key_id: str
    expires: int


class Sessions:
    """Login links and sessions, signed with ``secret``; spent ones remembered in memory and,
    with ``spent_dir``, in that directory (shared by the workers of one machine)."""

    def __init__(
        self,
        secret: bytes,
        *,
        seconds: int,
        link_seconds: int,
        spent_dir: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if len(secret) < 32:
            raise ValueError("a session secret needs at least 32 bytes")
        self._secret = secret
        self.seconds = seconds
        self.link_seconds = link_seconds
        self.spent_dir = Path(spent_dir) if spent_dir else None
        self.clock = clock
        self._lock = threading.Lock()
        self._spent: dict[str, int] = {}

    def _mac(self, purpose: str, text: str) -> str:
        digest = hmac.new(self._secret, f"{purpose}\0{text}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def _sign(self, purpose: str, key_id: str, seconds: int) -> str:
        body = f"{secrets.token_urlsafe(16)}.{key_id}.{int(self.clock()) + seconds}"
        return f"{body}.{self._mac(purpose, body)}"

    def _check(self, purpose: str, value: str) -> Signed | None:
        match = _SIGNED.match(value) if len(value) < 200 else None
        if match is None:
            return None
        body = value[: value.rindex(".")]
        if not hmac.compare_digest(match.group(4), self._mac(purpose, body)):
            return None
        expires = int(match.group(3))
        if expires <= self.clock():
            return None
        return Signed(match.group(1), match.group(2), expires)

    def _spend(self, kind: str, signed: Signed) -> bool:
        """Mark ``signed`` spent; False if it was already."""
        name = f"{kind}-{signed.nonce}"
        with self._lock:
            if name in self._spent:
                return False
            now = int(self.clock())
            if len(self._spent) > 10_000:  # forget what has expired anyway
                self._spent = {k: v for k, v in self._spent.items() if v > now}
            self._spent[name] = signed.expires
        if self.spent_dir is not None:
            flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY
            try:
                os.close(os.open(self.spent_dir / name, flags, 0o600))
            except FileExistsError:
                return False
        return True

    def _is_spent(self, kind: str, signed: Signed) -> bool:
        name = f"{kind}-{signed.nonce}"
        with self._lock:
            if name in self._spent:
                return True
        return self.spent_dir is not None and (self.spent_dir / name).exists()

    def login_link(self, key_id: str) -> str:
        """A token that signs in as ``key_id`` once, within ``link_seconds``."""
        return self._sign("login", key_id, self.link_seconds)

    def redeem(self, token: str) -> str | None:
        """The key id a login token signs in as, the first time it is used; else None."""
        signed = self._check("login", token)
        return signed.key_id if signed is not None and self._spend("l", signed) else None

    def open(self, key_id: str) -> str:
        """A new session's cookie value."""
        return self._sign("session", key_id, self.seconds)

    def read(self, cookie: str) -> Signed | None:
        """The session a cookie value holds, if it is ours, current and not signed out."""
        signed = self._check("session", cookie)
        return None if signed is None or self._is_spent("s", signed) else signed

    def end(self, signed: Signed) -> None:
        """Sign a session out (its cookie is refused from now on)."""
        self._spend("s", signed)

    def csrf(self, signed: Signed) -> str:
        """The session's CSRF token."""
        return self._mac("csrf", signed.nonce)


def sessions_for(
    secret: str | None, *, seconds: int, link_seconds: int, spent_dir: str | None
) -> Sessions:
    """The sessions of an app: signed with ``secret``, or with one made now."""
    key = secret.encode("utf-8") if secret else secrets.token_bytes(32)
    return Sessions(key, seconds=seconds, link_seconds=link_seconds, spent_dir=spent_dir)


def login_key(store: Store) -> ApiKeyRecord:
    """The key login links sign in as: a reader key named :data:`LOGIN_KEY_NAME`, made once
    per store (its secret is thrown away: it is used through links only). Revoke it to end
    every session opened by a link."""
    for record in store.keys():  # noqa: SIM118 -- a store, not a mapping
        if record.name == LOGIN_KEY_NAME and record.role == "reader" and record.revoked is None:
            return record
    return create_key(store, "reader", LOGIN_KEY_NAME)[1]


def link_host(host: str) -> str:
    """The host to name in a link to a server listening on ``host``.

    >>> link_host("0.0.0.0"), link_host("::"), link_host("::1"), link_host("example.org")
    ('127.0.0.1', '[::1]', '[::1]', 'example.org')
    """
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


# ---- who is signed in -----------------------------------------------------------------------


def _app_sessions(request: Request) -> Sessions | None:
    return cast(Sessions | None, getattr(request.app.state, "sessions", None))


def _session(request: Request) -> tuple[Signed, ApiKeyRecord] | None:
    """The request's session and its key as the store has it now (None: not signed in, or the
    key is gone or revoked)."""
    sessions = _app_sessions(request)
    cookie = request.cookies.get(COOKIE)
    if sessions is None or not cookie:
        return None
    signed = sessions.read(cookie)
    if signed is None:
        return None
    record = cast(CachedKeys, request.app.state.keys).key(signed.key_id)
    if record is None or record.revoked is not None:
        return None
    return signed, record


def _check_csrf(request: Request, sessions: Sessions, signed: Signed) -> None:
    sent = request.headers.get(CSRF_HEADER, "").encode("utf-8", "replace")
    if not hmac.compare_digest(sent, sessions.csrf(signed).encode("ascii")):
        raise ForbiddenError(
            f"a request signed in by the page's session cookie must send its CSRF token as "
            f"{CSRF_HEADER} (GET /session gives it); API clients send their key instead"
        )


def session_caller(request: Request) -> tuple[str, str] | None:
    """``(key id, role)`` of the page's signed-in session, or None; an unsafe request without
    the session's CSRF token is a :class:`~impactgraph.errors.ForbiddenError` (403)."""
    found = _session(request)
    if found is None:
        return None
    signed, record = found
    if request.method not in SAFE_METHODS:
        _check_csrf(request, cast(Sessions, _app_sessions(request)), signed)
    return record.id, record.role


# ---- the page's files -----------------------------------------------------------------------

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str
    etag: str


@cache
def assets() -> dict[str, Asset]:
    """The page's files (package data under ``impactgraph/api/static``), read once."""
    out = {}
    for item in files("impactgraph.api").joinpath("static").iterdir():
        suffix = Path(item.name).suffix
        if item.is_file() and suffix in _TYPES:
            body = item.read_bytes()
            etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            out[item.name] = Asset(body, _TYPES[suffix], etag)
    return out


NO_STORE = {"Cache-Control": "no-store"}


def _page(name: str, message: str | None = None, status: int = 200) -> Response:
    text = assets()[name].body.decode("utf-8")
    if message is not None:
        text = text.replace("<!--message-->", html.escape(message), 1)
    return Response(text, status_code=status, media_type=_TYPES[".html"], headers=NO_STORE)


def _signed_in_redirect(request: Request, record: ApiKeyRecord) -> Response:
    sessions = cast(Sessions, _app_sessions(request))
    response = RedirectResponse("/", status_code=303, headers=NO_STORE)
    response.set_cookie(
        COOKIE,
        sessions.open(record.id),
        max_age=sessions.seconds,
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return response


def _same_origin(request: Request) -> bool:
    """Whether a browser sent this from this server's own page: ``Sec-Fetch-Site`` when the
    browser sends it, else ``Origin`` (a page with ``no-referrer`` posts ``Origin: null``, which
    only the first can vouch for); neither: not a browser, nothing to forge."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return True
    parts = urlsplit(origin)
    return parts.scheme == request.url.scheme and parts.netloc == request.headers.get("host")


# ---- routes ---------------------------------------------------------------------------------


@router.get("/")
def page(request: Request) -> Response:
    """The page when signed in, else the sign-in form."""
    return _page("index.html" if _session(request) is not None else "login.html")


@router.get("/login")
def login_link(
    request: Request, token: Annotated[str | None, Query(max_length=500)] = None
) -> Response:
    """Sign in with the one-time link ``impactgraph serve`` prints."""
    if token is None:
        return RedirectResponse("/", status_code=303)
    sessions = _app_sessions(request)
    key_id = sessions.redeem(token) if sessions is not None else None
    record = cast(CachedKeys, request.app.state.keys).key(key_id) if key_id else None
    if record is None or record.revoked is not None:
        return _page(
            "login.html",
            "This login link has been used already, has expired or is not valid. Paste an API "
            "key, or restart 'impactgraph serve' for a new link.",
            401,
        )
    return _signed_in_redirect(request, record)


@router.post("/login")
async def login_form(request: Request) -> Response:
    """Sign in with an API key posted by the form (``key=…``, form-encoded)."""
    if not _same_origin(request):
        return _page("login.html", "Sign in from this server's own page.", 403)
    body = await request.body()
    presented = ""
    if len(body) <= MAX_FORM_BYTES:
        try:
            fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=8)
        except ValueError:  # more fields than a sign-in form has
            fields = {}
        presented = (fields.get("key") or [""])[0].strip()
    keys = cast(CachedKeys, request.app.state.keys)
    record = await run_in_threadpool(authenticate, keys, presented) if presented else None
    if record is None:
        return _page("login.html", "That API key is not valid (unknown, revoked or mistyped).", 401)
    return _signed_in_redirect(request, record)


@router.get("/session")
def session_info(request: Request) -> Response:
    """Who is signed in, until when, and the CSRF token the page sends with its POSTs."""
    found = _session(request)
    sessions = _app_sessions(request)
    if found is None or sessions is None:
        raise NotAuthenticatedError("not signed in: open / and sign in")
    signed, record = found
    expires = datetime.fromtimestamp(signed.expires, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return JSONResponse(
        {
            "key_id": record.id,
            "key_name": record.name,
            "role": record.role,
            "expires": expires,
            "csrf_token": sessions.csrf(signed),
        },
        headers=NO_STORE,
    )


@router.post("/logout")
def logout(request: Request) -> Response:
    """Sign out: the session is refused from now on, and the cookie is cleared."""
    found = _session(request)
    sessions = _app_sessions(request)
    if found is not None and sessions is not None:
        _check_csrf(request, sessions, found[0])
        sessions.end(found[0])
    response = Response(status_code=204, headers=NO_STORE)
    response.delete_cookie(
        COOKIE,
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return response


@router.get("/static/{name}")
def static(request: Request, name: str) -> Response:
    """The page's own script, style sheet and icon (no key needed: they hold nothing)."""
    asset = assets().get(name)
    if asset is None or name.endswith(".html"):
        return Response(status_code=404)
    headers = {"ETag": asset.etag, "Cache-Control": "no-cache"}
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


# ---- headers --------------------------------------------------------------------------------


class SecurityHeaders:
    """A pure ASGI middleware: the page's Content-Security-Policy on the page and its files, a
    deny-all one on the API's answers (an SVG opened on its own runs nothing), and
    ``nosniff`` and ``no-referrer`` on every answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        page = path in PAGE_PATHS or path.startswith(PAGE_PREFIX)
        policy = PAGE_CSP if page else None if path in DOC_PATHS else API_CSP
        extra = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
        ]
        if policy is not None:
            extra.append((b"content-security-policy", policy.encode("ascii")))
        if page:
            extra.append((b"x-frame-options", b"DENY"))
            extra.append((b"cross-origin-opener-policy", b"same-origin"))

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *((k, v) for k, v in extra if k not in names),
                ]
            await send(message)

        await self.app(scope, receive, sending)
