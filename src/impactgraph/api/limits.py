"""The request body limit, as a pure ASGI middleware: no body above ``max_bytes`` is read.

A ``Content-Length`` above the limit is answered 413 before a byte of the body is read; a body
sent in chunks is counted as it is read and refused (413) as soon as it passes the limit.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from impactgraph.api.problems import problem_of, problem_response
from impactgraph.errors import MalformedBodyError, TooLargeError


class BodyLimit:
    """Refuse request bodies above ``max_bytes`` with a 413 problem."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _message(self) -> str:
        return (
            f"the request body is larger than {self.max_bytes:,} bytes, the most this server "
            "reads (IMPACTGRAPH_MAX_BODY_BYTES)"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            error: Exception | None = None
            if not length.strip().isdigit():
                error = MalformedBodyError("Content-Length is not a number of bytes")
            elif int(length) > self.max_bytes:
                error = TooLargeError(self._message())
            if error is not None:
                assert isinstance(error, MalformedBodyError | TooLargeError)
                response = problem_response(problem_of(error, scope.get("path")))
                response.headers["Connection"] = "close"
                await response(scope, receive, send)
                return
        counted = 0

        async def receiving() -> Message:
            nonlocal counted
            message = await receive()
            if message["type"] == "http.request":
                counted += len(message.get("body", b""))
                if counted > self.max_bytes:
                    # an HTTPException passes through FastAPI's body reading as it is
                    raise HTTPException(413, self._message())
            return message

        await self.app(scope, receiving, send)
