"""Error bodies with a stable, machine-readable code.

Every error the API returns looks like
``{"error": {"code": "not_found", "message": "...", "fields": {...}}}``.
"""

from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

STABLE_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "too_large",
    415: "unsupported_media_type",
    428: "precondition_required",
    429: "throttled",
    503: "unavailable",
}


class PreconditionFailed(exceptions.APIException):
    status_code = 412
    default_detail = "The resource changed since you read it; fetch it again and reapply."
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = "Send If-Match with the ETag you read."
    default_code = "precondition_required"


class Conflict(exceptions.APIException):
    """The same work is already under way (e.g. this file is being imported)."""

    status_code = 409
    default_detail = "The same request is already being handled; wait for it to finish."
    default_code = "conflict"


class TooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "The request body is too large."
    default_code = "too_large"


class Unavailable(exceptions.APIException):
    status_code = 503
    default_detail = "The service cannot do this now; try again in a minute."
    default_code = "unavailable"


def _from_django(exc: Exception) -> Exception:
    """Django's refusals of a body (raised when DRF first reads it) as API errors,
    so they answer this module's JSON shape rather than the site's HTML 400 page."""
    if isinstance(exc, RequestDataTooBig):
        return TooLarge(
            "The request body is larger than this API accepts "
            "(DATA_UPLOAD_MAX_MEMORY_SIZE); send less at once."
        )
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return exceptions.ParseError(f"The request has too many fields or files ({exc}).")
    return exc


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    exc = _from_django(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    code = STABLE_CODES.get(response.status_code, "error")
    body: dict[str, Any] = {"code": code, "message": ""}
    if isinstance(exc, exceptions.ValidationError):
        body["message"] = "The request was not valid."
        body["fields"] = data if isinstance(data, dict) else {"non_field_errors": data}
    elif isinstance(data, dict) and "detail" in data:
        body["message"] = str(data["detail"])
    else:
        body["message"] = str(data)
    if isinstance(exc, exceptions.Throttled):
        # ``Throttled.__init__`` sets ``wait``; the stubs do not declare it.
        wait: float | None = getattr(exc, "wait", None)
        if wait is not None:
            body["retry_after_seconds"] = int(wait)
    response.data = {"error": body}
    return response
