"""Django's Redis cache, failing open.

Everything this project keeps in the default cache may be missed or forgotten
without harm to data: API throttle and sign-in counters, the shared level of the
response cache (``tracker.cache``), worker heartbeats.  So when Redis cannot be
reached, ``FailOpenRedisCache`` answers as an empty cache that keeps nothing:
reads miss, writes are dropped, ``incr`` finds no key.  Pages, API reads,
sign-in and throttled writes go on being served instead of answering 500.

A failure is logged (a warning, at most once per ``RETRY_AFTER`` seconds per
process), and for those seconds (default 5) Redis is not tried again, so a dead
or unreachable Redis costs no connection attempt per request.  Only connection
errors and timeouts fail open; any other Redis error is a bug and is raised.

Hand-written because no maintained package does this for Django's own
``RedisCache`` (django-redis has ``IGNORE_EXCEPTIONS`` but is a different
backend with its own client); it is one subclass of the built-in backend.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
T = TypeVar("T")

# Per process, per Redis address: until when it is taken as down.  Django makes one
# backend object per thread, so the state lives here to be shared by the threads.
_down_until: dict[str, float] = {}
_lock = threading.Lock()


class FailOpenRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._address = server if isinstance(server, str) else ",".join(server)
        self.retry_after = float(params.get("RETRY_AFTER", 5))

    # --- the one guard every operation goes through ---------------------------------

    def is_down(self) -> bool:
        return _down_until.get(self._address, 0.0) > time.monotonic()

    def _guard(self, operation: str, call: Callable[[], T], missing: Callable[[], T]) -> T:
        if self.is_down():
            return missing()
        try:
            return call()
        except UNREACHABLE as exc:
            with _lock:
                already = self.is_down()
                _down_until[self._address] = time.monotonic() + self.retry_after
            if not already:
                log.warning(
                    "cache: Redis unreachable (%s on %s: %s); failing open, retrying in %.0f s",
                    type(exc).__name__,
                    operation,
                    exc,
                    self.retry_after,
                )
            return missing()

    # --- reads miss -------------------------------------------------------------------

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._guard(
            "get",
            lambda: super(FailOpenRedisCache, self).get(key, default, version),
            lambda: default,
        )

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        keys = list(keys)
        return self._guard(
            "get_many", lambda: super(FailOpenRedisCache, self).get_many(keys, version), dict
        )

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._guard(
            "has_key", lambda: super(FailOpenRedisCache, self).has_key(key, version), lambda: False
        )

    # --- writes are dropped -------------------------------------------------------------

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        self._guard(
            "set",
            lambda: super(FailOpenRedisCache, self).set(key, value, timeout, version),
            lambda: None,
        )

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        # An empty cache takes the key: counters built on add/incr start again from one.
        return self._guard(
            "add",
            lambda: super(FailOpenRedisCache, self).add(key, value, timeout, version),
            lambda: True,
        )

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        return self._guard(
            "set_many",
            lambda: super(FailOpenRedisCache, self).set_many(data, timeout, version),
            lambda: list(data),
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guard(
            "touch",
            lambda: super(FailOpenRedisCache, self).touch(key, timeout, version),
            lambda: False,
        )

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._guard(
            "delete", lambda: super(FailOpenRedisCache, self).delete(key, version), lambda: False
        )

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        keys = list(keys)
        self._guard(
            "delete_many",
            lambda: super(FailOpenRedisCache, self).delete_many(keys, version),
            lambda: None,
        )

    def clear(self) -> None:
        self._guard("clear", lambda: super(FailOpenRedisCache, self).clear(), lambda: None)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        def missing() -> int:
            # What Django's backends do for a key they do not hold.
            raise ValueError(f"Key '{key}' not found.")

        return self._guard(
            "incr", lambda: super(FailOpenRedisCache, self).incr(key, delta, version), missing
        )

    # --- rate-limit counters in one round trip -----------------------------------------

    def window_hit(self, key: Any, previous: Any, timeout: int) -> tuple[int, int]:
        """Count a hit on ``key`` and read ``previous``, in one round trip: a
        pipeline of INCR ``key``, EXPIRE ``key`` ``timeout`` NX (set by its first
        hit only) and GET ``previous``.  Django's ``add`` + ``incr`` + ``get`` take
        four (its ``incr`` asks EXISTS first).  Unreachable: ``(0, 0)``, so the
        caller lets the request through (fail open)."""

        def call() -> tuple[int, int]:
            current_key = self.make_and_validate_key(key)
            previous_key = self.make_and_validate_key(previous)
            pipe = self._cache.get_client(current_key, write=True).pipeline(transaction=False)
            pipe.incr(current_key)
            pipe.expire(current_key, int(timeout), nx=True)
            pipe.get(previous_key)
            count, _, before = pipe.execute()
            return int(count), int(before or 0)

        return self._guard("window_hit", call, lambda: (0, 0))
