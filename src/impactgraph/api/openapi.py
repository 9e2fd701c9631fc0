"""The app's OpenAPI document: FastAPI's, plus the bodies the model files' reader reads, and
every error declared as ``application/problem+json``.

Routes whose body is a model document read it raw (JSON, or YAML where that is accepted) and
hand it to the model files' reader, so FastAPI does not see its schema; :func:`request_body`
declares it, and :func:`problem_openapi` adds the schemas it names.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from impactgraph.api.problems import PROBLEM_MEDIA_TYPE
from impactgraph.api.schemas import (
    ComponentDoc,
    ComponentPatch,
    DependencyDoc,
    DependencyPatch,
    ModelDocument,
    UpsertRequest,
)

#: the schemas of raw bodies, added to the document's components
BODY_SCHEMAS: tuple[type[BaseModel], ...] = (
    ModelDocument,
    ComponentDoc,
    ComponentPatch,
    DependencyDoc,
    DependencyPatch,
    UpsertRequest,
)
JSON_TYPES = ("application/json",)
YAML_TYPES = ("application/yaml",)
MERGE_PATCH_TYPES = ("application/merge-patch+json",)

_REF = "#/components/schemas/{model}"


def request_body(
    schema: type[BaseModel], *, yaml: bool = False, merge_patch: bool = False
) -> dict[str, Any]:
    """``openapi_extra`` declaring a raw body of ``schema`` (JSON; YAML and merge-patch media
    types when accepted)."""
    types = (
        *JSON_TYPES,
        *(YAML_TYPES if yaml else ()),
        *(MERGE_PATCH_TYPES if merge_patch else ()),
    )
    ref = {"$ref": _REF.format(model=schema.__name__)}
    return {
        "requestBody": {
            "required": True,
            "content": {media: {"schema": ref} for media in types},
        }
    }


def problem_openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document of ``app``, with the raw bodies' schemas and problem responses."""
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    _, extra = models_json_schema(
        [(model, "validation") for model in BODY_SCHEMAS], ref_template=_REF
    )
    for name, schema in extra.get("$defs", {}).items():
        schemas.setdefault(name, schema)
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if (status == "default" or int(status) >= 400) and "application/json" in content:
                    content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")
    return document
