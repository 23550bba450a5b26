"""The OpenAPI document: drf-spectacular's, plus the error responses every
operation can give, each with its stable code and an example body.

Error bodies are documented once (component ``Error``) and added to each
operation by what it can meet: 429 everywhere (throttling), 404 on paths with a
parameter, 400 where there are query parameters or a body, 401/403 on writes,
412/428 on writes to an existing resource (``If-Match``), 304 on reads
(``If-None-Match``/``If-Modified-Since``), and 414 where a query string can grow
past gunicorn's request-line limit.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import Request

from .errors import STABLE_CODES

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error response has this shape; `code` is stable, match on it.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {
                    "type": "string",
                    "enum": sorted({*STABLE_CODES.values(), "error"}),
                    "description": "Stable machine-readable code.",
                },
                "message": {"type": "string", "description": "For people; may change."},
                "fields": {
                    "type": "object",
                    "additionalProperties": True,
                    "description": "With `invalid`: the problem with each parameter or field.",
                },
                "retry_after_seconds": {
                    "type": "integer",
                    "description": "With `throttled`: when to try again.",
                },
            },
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}

ERRORS: dict[str, tuple[str, dict[str, Any]]] = {
    "400": (
        "The request was not valid: a parameter or field is wrong (see `fields`); a query "
        "parameter the endpoint does not take (each list takes the parameters listed "
        "here, plus `format`, `page` and `page_size`) or an unknown `ordering`, named in "
        "`fields`; or a body that is not a JSON object, is nested more than 32 levels "
        "deep, or holds a NUL character.",
        {
            "code": "invalid",
            "message": "The request was not valid.",
            "fields": {
                "status": ["Select a valid choice. finished is not one of the available choices."]
            },
        },
    ),
    "401": (
        "Not signed in: send a session cookie or `Authorization: Token <key>`.",
        {"code": "not_authenticated", "message": "Authentication credentials were not provided."},
    ),
    "403": (
        "Signed in, but your role may not do this (or the CSRF token is missing).",
        {
            "code": "permission_denied",
            "message": "You do not have permission to perform this action.",
        },
    ),
    "404": (
        "No such resource (or not public, e.g. an unpublished status update), no such "
        "page, or an unknown `format`.",
        {"code": "not_found", "message": "No StatusUpdate matches the given query."},
    ),
    "412": (
        "The `If-Match` ETag is not the current one: someone changed the resource since "
        "you read it. GET it again and reapply your change.",
        {
            "code": "precondition_failed",
            "message": "The resource changed since you read it; fetch it again and reapply.",
        },
    ),
    "428": (
        "Send `If-Match` with the ETag you read.",
        {"code": "precondition_required", "message": "Send If-Match with the ETag you read."},
    ),
    "429": (
        "Too many requests for your client: wait `retry_after_seconds` (also in `Retry-After`).",
        {
            "code": "throttled",
            "message": "Request was throttled. Expected available in 42 seconds.",
            "retry_after_seconds": 42,
        },
    ),
}

SAFE = {"get", "head", "options"}

# Answered by gunicorn before the app sees the request, so the body is its HTML page.
URI_TOO_LONG = {
    "description": "Request line too long: the server refuses request lines over 4,094 "
    "bytes (long query strings) before the API sees them; the body is the server's own "
    "HTML page, not an `Error`. Use fewer or shorter parameters.",
    "content": {
        "text/html": {
            "schema": {"type": "string"},
            "examples": {
                "TooLong": {
                    "summary": "A query string past the limit",
                    "value": "<html><head><title>URI Too Long</title></head><body>"
                    "<h1><p>URI Too Long</p></h1>Request Line is too large (6384 &gt; 4094)"
                    "</body></html>",
                }
            },
        }
    },
}

ERROR_REF = {"$ref": "#/components/schemas/Error"}

FORMAT_PARAMETER = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["json", "csv"],
    description="Response format: json (default) or csv (every matching row, not one "
    "page, streamed; cells beginning with = + - @ are prefixed with ' against formula "
    "injection).",
)
DETAIL_FORMAT_PARAMETER = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["json", "csv"],
    description="Response format: json (default) or csv (one header row and one data row).",
)


def path_parameter(name: str, kind: Any, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.PATH, description=description)


def error(
    code: int, description: str = "", **cases: str | tuple[str, dict[str, Any]]
) -> OpenApiResponse:
    """An error response of one operation, with an example per way it occurs.

    Each keyword names a case; its value is the message, or (message, fields)
    for a 400.  ``add_error_responses`` gives the body the ``Error`` schema.
    """
    examples = []
    for name, case in cases.items():
        message, fields = case if isinstance(case, tuple) else (case, None)
        body: dict[str, Any] = {"code": STABLE_CODES[code], "message": message}
        if fields is not None:
            body["fields"] = fields
        examples.append(
            OpenApiExample(
                name,
                value={"error": body},
                summary=name.replace("_", " ").capitalize(),
                status_codes=[str(code)],
                response_only=True,
            )
        )
    return OpenApiResponse(
        OpenApiTypes.OBJECT,
        description=description or ERRORS[str(code)][0],
        examples=examples,
    )


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The `ETag` of the representation you read (with its quotes). Without "
    "it: 428; if the resource changed since: 412, and nothing is saved.",
    examples=[OpenApiExample("etag", value='"b68bd9bd16137806150c47905c13ac55"')],
)


def etag_header(*codes: int) -> OpenApiParameter:
    return OpenApiParameter(
        "ETag",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=list(codes),
        description="Send it back as `If-Match` with your next change of this resource.",
    )


def _error(code: str) -> dict[str, Any]:
    description, example = ERRORS[code]
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/Error"},
                "examples": {
                    example["code"]: {
                        "value": {"error": example},
                        "summary": description.split(":")[0],
                    }
                },
            }
        },
    }


def add_error_responses(schema: dict[str, Any]) -> dict[str, Any]:
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete", "head", "options"}:
                continue
            for param in operation.get("parameters", []):
                if param.get("in") == "path" and not param.get("description"):
                    # e.g. /drafts/{id}/ -> "Identifier (id) of the draft in the path."
                    before = path.split("{" + param["name"] + "}")[0].rstrip("/").split("/")[-1]
                    param["description"] = f"Identifier ({param['name']}) of the {before} item."
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                if status.startswith("2") and not response.get("description"):
                    response["description"] = operation.get("summary") or "Success."
                if status.startswith(("4", "5")):
                    # An operation's own error examples (``error()``): the one body shape.
                    for media in response.get("content", {}).values():
                        media["schema"] = ERROR_REF
            # 404 everywhere: an unknown id, a page past the end, an unknown ?format=.
            codes = ["429", "404"]
            params = operation.get("parameters", [])
            if any(p.get("in") == "query" for p in params) or method not in SAFE:
                codes.append("400")
            if any(p.get("in") == "query" for p in params):
                responses.setdefault("414", URI_TOO_LONG)
            anonymous_allowed = {} in operation.get("security", [{}])
            if method not in SAFE or not anonymous_allowed:
                codes += ["401", "403"]
            if method not in SAFE:
                if "{" in path:
                    codes += ["412", "428"]
            else:
                responses.setdefault(
                    "304",
                    {
                        "description": "Not modified: your `If-None-Match` ETag (or "
                        "`If-Modified-Since` date) is still current; no body."
                    },
                )
            for code in codes:
                responses.setdefault(code, _error(code))
    return schema


class TrackerSchemaGenerator(SchemaGenerator):
    def get_schema(self, request: Request | None = None, public: bool = False) -> dict[str, Any]:
        return add_error_responses(super().get_schema(request=request, public=public))


class SchemaView(SpectacularAPIView):
    public_read = True  # anonymous answers may be cached (tracker.cache)
    generator_class = TrackerSchemaGenerator
