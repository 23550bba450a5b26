"""Faults answered as faults: a database or a queue that is down is a 503, not a 500.

Django calls ``handler500`` (``server_error`` here, set in ``tracker/urls.py``)
for any exception nothing else handled, wherever it was raised: in a view, in
the API, or in a middleware before the view (the response cache reads the data
revision first of all).  It is called inside Django's ``except`` block, so the
exception is the one being handled:

* the database cannot be reached (``OperationalError``, ``InterfaceError``);
* the task queue cannot be reached (``QueueUnavailable``, kombu's
  ``OperationalError`` from a publish);
* Redis used directly cannot be reached (a connection error or timeout);

answer ``503`` with ``Retry-After`` (logged as one warning line, not a
traceback per request): the API's JSON error shape under
``/api/`` (``{"error": {"code": "unavailable", ...}}``), elsewhere the branded
``templates/503.html``, rendered without the request (no context processor,
no session, no query: the database may be what is down).  Anything else is a
real 500: JSON under ``/api/``, ``templates/500.html`` elsewhere.  Nothing here
keeps state: once the database is back, the next request is served as usual
(Django drops a connection that failed at the end of its request).

``enqueue`` is how a write that needs the queue sends its task: a broker that
is down raises ``QueueUnavailable`` quickly (a short publish retry policy)
instead of an error deep in kombu, so a view can catch it and show its form
again with the user's input; uncaught, it is a 503 as above.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
# A publish to a broker that is down gives up after about half a second.
PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.3,
}


class QueueUnavailable(Exception):
    """The task queue (the Redis broker) cannot take a task now; nothing was queued."""

    def __init__(self, message: str = "The task queue is unavailable; nothing was queued.") -> None:
        super().__init__(message)
        self.message = message


DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    DatabaseOperationalError,
    DatabaseInterfaceError,
)
QUEUE_ERRORS: tuple[type[BaseException], ...] = (QueueUnavailable, BrokerOperationalError)
# Redis used directly (the default cache fails open and raises none of these).
REDIS_ERRORS: tuple[type[BaseException], ...] = (RedisConnectionError, RedisTimeoutError)

MESSAGES = {
    "database": (
        "The tracker's database is unavailable for a moment. Nothing you sent was changed. "
        "Please try again in a minute."
    ),
    "queue": (
        "The tracker's background queue is unavailable for a moment, so this cannot be "
        "started now. Nothing you sent was saved. Please try again in a minute."
    ),
    "redis": (
        "A service the tracker needs is unavailable for a moment. Please try again in a minute."
    ),
}


def enqueue(task: Any, *args: Any, **kwargs: Any) -> Any:
    """``task.apply_async(args, kwargs)``, or ``QueueUnavailable`` when the broker is down."""
    try:
        return task.apply_async(
            args=args, kwargs=kwargs, retry=True, retry_policy=PUBLISH_RETRY_POLICY
        )
    except QUEUE_ERRORS + REDIS_ERRORS as exc:
        log.warning("queue: could not send %s: %s", getattr(task, "name", task), exc)
        raise QueueUnavailable() from exc


def fault_of(exc: BaseException | None) -> str | None:
    """``"database"``, ``"queue"``, ``"redis"`` or None (a bug: a real 500)."""
    if isinstance(exc, DATABASE_ERRORS):
        return "database"
    if isinstance(exc, QUEUE_ERRORS):
        return "queue"
    if isinstance(exc, REDIS_ERRORS):
        return "redis"
    return None


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def unavailable(request: HttpRequest, fault: str) -> HttpResponse:
    """The 503 for ``fault``: JSON on the API, the branded page elsewhere."""
    message = MESSAGES[fault]
    response: HttpResponse
    if is_api(request):
        response = JsonResponse(
            {
                "error": {
                    "code": "unavailable",
                    "message": message,
                    "retry_after_seconds": RETRY_AFTER_SECONDS,
                }
            },
            status=503,
        )
    else:
        html = loader.get_template("503.html").render(
            {"message": message, "was_post": request.method == "POST"}
        )
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """``handler500``: a 503 for a database or queue that is down, else a real 500."""
    exc = sys.exc_info()[1]
    fault = fault_of(exc)
    if fault is not None:
        response = unavailable(request, fault)
        # One line per request, not Django's traceback of a known outage (its
        # log_response skips a response marked logged).
        log.warning(
            "%s unavailable: 503 for %s %s (%s: %s)",
            fault,
            request.method,
            request.path,
            type(exc).__name__,
            str(exc).strip().splitlines()[0] if str(exc).strip() else "",
        )
        response._has_been_logged = True  # type: ignore[attr-defined]
        return response
    if is_api(request):
        return JsonResponse(
            {
                "error": {
                    "code": "server_error",
                    "message": "The tracker could not answer this request; it has been logged.",
                }
            },
            status=500,
        )
    return defaults.server_error(request, template_name)
