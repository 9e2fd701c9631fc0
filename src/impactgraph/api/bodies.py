"""Request bodies that are model documents: read raw, parsed by the model files' parser, and
their issues pointed at the body (``location`` from ``"body"``, with the line where known).

JSON always (``application/json``, ``application/merge-patch+json``, any ``+json``); YAML
(``application/yaml``) as well, so ``curl --data-binary @estate.yaml`` works. A body that is
empty, not UTF-8 or not parseable is a 400 ``malformed-body`` problem with its line.
"""

from __future__ import annotations

import dataclasses
from email.message import Message
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from impactgraph.document import DocPath, Format, Parsed, parse, sniff
from impactgraph.errors import Issue, MalformedBodyError, ModelError, quote

#: how a request body is named in messages
BODY = "request body"
YAML_MEDIA_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})


def body_format(content_type: str | None, raw: bytes) -> Format:
    """The format a ``Content-Type`` names: JSON, YAML, or (none given) sniffed.

    >>> body_format("application/merge-patch+json; charset=utf-8", b"{}")
    'json'
    """
    if not content_type:
        return sniff(raw[:64].decode("utf-8", "replace"))
    header = Message()
    header["content-type"] = content_type
    media = header.get_content_type()
    if media == "application/json" or media.endswith("+json"):
        return "json"
    if media in YAML_MEDIA_TYPES:
        return "yaml"
    raise MalformedBodyError(
        f"content type {quote(content_type)} is not accepted here; send application/json "
        "(or application/yaml)"
    )


async def read_document(request: Request) -> Parsed:
    """The request's body, parsed (off the event loop: a large body takes a while)."""
    raw = await request.body()
    if not raw.strip():
        raise MalformedBodyError("the request body is empty; send a JSON document")
    fmt = body_format(request.headers.get("content-type"), raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise MalformedBodyError(f"the request body is not UTF-8 (byte {e.start})") from None
    try:
        return await run_in_threadpool(parse, text, BODY, fmt, ModelError)
    except ModelError as e:
        issue = e.issues[0]
        raise MalformedBodyError(
            f"the request body is not valid {fmt.upper()}: {issue.message}", line=issue.line
        ) from None


#: a route parameter: the parsed body
Document = Annotated[Parsed, Depends(read_document)]


def mapping(parsed: Parsed, what: str) -> dict[str, Any]:
    """The body's document, which must be a mapping (a JSON object)."""
    if not isinstance(parsed.document, dict):
        raise ModelError(
            [Issue(f"{what} is a JSON object, got {quote(parsed.document)}", path=("body",))]
        )
    return parsed.document


def duplicate_issues(parsed: Parsed, within: DocPath = ()) -> list[Issue]:
    """A key given twice in the body is an issue (JSON parsers keep the last silently)."""
    return [
        Issue(f"key {quote(key)} is given twice (only one is allowed)", field=key, path=path)
        for path, key in parsed.duplicates
        if path[: len(within)] == within
    ]


def in_body(error: ModelError, parsed: Parsed, *, inside: DocPath = ()) -> ModelError:
    """``error`` with each issue's path made a place in the body (``("body", …)``) and its
    line looked up. ``inside`` is where the checked document sits in the body when it was
    checked wrapped (a single component checked as ``{"components": [it]}``: ``("components",
    0)``)."""
    issues = []
    for issue in error.issues:
        path = issue.path
        if path[: len(inside)] == inside:
            path = path[len(inside) :]
        line = issue.line if issue.line is not None else _line(parsed, path)
        issues.append(dataclasses.replace(issue, path=("body", *path), line=line, file=None))
    return ModelError(issues)


def _line(parsed: Parsed, path: DocPath) -> int | None:
    if not path:
        return None
    try:
        return parsed.line(path)
    except (KeyError, IndexError, TypeError, ValueError):  # a place the body does not have
        return None
