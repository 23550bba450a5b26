"""The one HTTP boundary for every source: pacing, timeouts, and retries with
exponential backoff and jitter on 429, 5xx and network errors."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import requests
from django.conf import settings

from . import SourceError, TransientSourceError

RETRY_STATUSES = {429, 500, 502, 503, 504}
USER_AGENT = "crime-policy-tracker (+https://github.com/; indicator refresh)"


class Pacer:
    """At most ``rate`` requests a second from this process (shared by threads)."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.clock = clock
        self.sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self.clock()
            if now < self._next:
                self.sleep(self._next - now)
                now = self._next
            self._next = now + self.interval


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


class HttpClient:
    def __init__(
        self,
        *,
        pacer: Pacer | None = None,
        retries: int | None = None,
        backoff: float | None = None,
        timeout: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
    ) -> None:
        self.pacer = pacer
        self.retries = settings.INDICATOR_HTTP_RETRIES if retries is None else retries
        self.backoff = settings.INDICATOR_HTTP_BACKOFF if backoff is None else backoff
        self.timeout = settings.INDICATOR_HTTP_TIMEOUT if timeout is None else timeout
        self.sleep = sleep
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", USER_AGENT)
        self.requests_made = 0

    def _delay(self, attempt: int, response: requests.Response | None) -> float:
        hinted = _retry_after(response) if response is not None else None
        if hinted is not None:
            return min(hinted, 60.0)
        base = self.backoff * (2**attempt)
        return base + random.uniform(0, base)  # full jitter on top of the doubling

    def get(
        self, url: str, *, params: dict[str, Any] | None = None, stream: bool = False
    ) -> requests.Response:
        last = ""
        for attempt in range(self.retries + 1):
            if self.pacer:
                self.pacer.wait()
            self.requests_made += 1
            response = None
            try:
                response = self.session.get(url, params=params, timeout=self.timeout, stream=stream)
            except requests.RequestException as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code < 400:
                    return response
                last = f"HTTP {response.status_code} from {response.url}"
                if response.status_code not in RETRY_STATUSES:
                    response.close()
                    raise SourceError(last)
                response.close()
            if attempt < self.retries:
                self.sleep(self._delay(attempt, response))
        raise TransientSourceError(f"{last} (gave up after {self.retries + 1} attempts)")

    def get_json(self, url: str, *, params: dict[str, Any] | None = None) -> Any:
        response = self.get(url, params=params)
        try:
            return response.json()
        except ValueError as exc:
            raise SourceError(f"{url} did not return JSON") from exc

    def download(self, url: str, destination: Path, chunk_size: int = 1 << 20) -> Path:
        """Stream a file to disk without holding it in memory."""
        response = self.get(url, stream=True)
        with response, open(destination, "wb") as out:
            try:
                for chunk in response.iter_content(chunk_size):
                    out.write(chunk)
            except requests.RequestException as exc:
                raise TransientSourceError(f"download of {url} broke off: {exc}") from exc
        return destination
