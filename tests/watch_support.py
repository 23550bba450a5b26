"""Helpers for the watch's tests: synthetic national releases of an indicator
(for status suggestions), and a local HTTP server for link checks and the web
archive, on 127.0.0.1 in the watch's port range (8360-8369).

Routes answer HEAD and GET: 200, a redirect, 404, 410, a slow answer (past the
checker's timeout), a HEAD refused with 405 then a GET that answers, and a fake
web archive (availability API in the Wayback Machine's JSON shape, and "save").
Every request is logged with its method, path, Host and monotonic time, so a
test can count requests and measure the pacing per host.  Synthetic: nothing
here stands for a real site.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from evidence import services
from evidence.areas import NATIONAL_CODE
from evidence.models import Indicator, SourceRelease
from evidence.odsfile import write_ods
from evidence.sources import Figure, Period, Release
from tests.payloads import make_synthetic
from tests.payloads.server import GOVUK, ODS, PAYLOADS, PRC_FILE, PRC_PAGE, PayloadServer, Reply

PORTS = range(8360, 8370)
ARCHIVE_TIMESTAMP = "20240105120000"
PRC_EDITION3 = PRC_FILE.replace("010124", "010724")  # the file name carries its date


def month(index: int) -> Period:
    """The synthetic series' month ``index`` (0 = January 2024)."""
    year, month0 = divmod(index, 12)
    start = dt.date(2024 + year, month0 + 1, 1)
    end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return Period(start, end, start.strftime("%Y-%m"))


def national_release(
    indicator: Indicator,
    key: str,
    figures: dict[int, int | str],
    *,
    published: bool = True,
    area: str = NATIONAL_CODE,
) -> SourceRelease:
    """Store a synthetic release of ``indicator``: {month index: value} for England
    and Wales (or ``area``), through the service a refresh uses."""
    release = Release(
        key=f"synthetic:{key}",
        title=f"Synthetic test release {key}",
        url=f"https://example.org/synthetic-release/{key}.ods",
        published_at=dt.datetime(2024, 6, 1, tzinfo=dt.UTC) if published else None,
    )
    services.store_figures(
        indicator,
        release=release,
        figures=[Figure(area, month(i), Decimal(str(v))) for i, v in figures.items()],
    )
    return SourceRelease.objects.get(indicator=indicator, key=release.key)


def mount_prc_edition3(server: PayloadServer, folder: Path) -> None:
    """A third synthetic edition of the recorded crime table, on the same page as
    the first two (``tests.payloads.server.mount_prc``): edition 2's figures, but no
    homicide in any force in the second quarter, so the national figure falls."""
    rows = [
        [*row[:7], 0] if row[1] == 2 and row[5] == "Homicide" else row
        for row in make_synthetic.prc_rows(2)
    ]
    file = write_ods(
        folder / "prc-pfa-synthetic-edition3.ods",
        {"Notes": [["Synthetic test table: every figure in it is made up."]], "2023-24": rows},
    )
    page = json.loads(
        (PAYLOADS / "govuk/content-recorded-crime-edition2-synthetic.json").read_text()
    )
    third = dict(page["details"]["attachments"][-1])
    third["url"] = PRC_EDITION3
    page["details"]["attachments"].append(third)
    page["public_updated_at"] = "2024-07-01T09:30:00.000+00:00"
    server.route(GOVUK + PRC_PAGE, Reply(200, json.dumps(page).encode()))
    server.route(PRC_EDITION3, Reply(200, file.read_bytes(), ODS))


@dataclass(frozen=True)
class Hit:
    method: str
    path: str
    host: str
    at: float
    user_agent: str


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] | None = None
    body: bytes = b"synthetic page\n"
    delay: float = 0.0
    content_type: str = "text/plain; charset=utf-8"


Route = Callable[[str], Answer]  # method → answer


class WatchServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[Hit] = []
        self.archived: dict[str, str] = {}  # original URL → snapshot URL
        self._lock = threading.Lock()
        self.httpd = self._bind()
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._standard_routes()

    def _bind(self) -> ThreadingHTTPServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, method: str) -> None:
                parts = urlsplit(self.path)
                with server._lock:
                    server.hits.append(
                        Hit(
                            method,
                            parts.path,
                            (self.headers.get("Host") or "").split(":")[0],
                            time.monotonic(),
                            self.headers.get("User-Agent") or "",
                        )
                    )
                answer = server.answer(method, parts.path, parts.query, self.path)
                if answer.delay:
                    time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", answer.content_type)
                    self.send_header("Content-Length", str(len(answer.body)))
                    for name, value in (answer.headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    if method != "HEAD":
                        self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def do_GET(self) -> None:
                self._answer("GET")

            def do_HEAD(self) -> None:
                self._answer("HEAD")

            def log_message(self, *args: object) -> None:
                pass

        last: OSError | None = None
        for port in PORTS:
            try:
                return ThreadingHTTPServer(("127.0.0.1", port), Handler)
            except OSError as exc:
                last = exc
        raise RuntimeError(f"no free port in {PORTS}: {last}")

    # --- addresses -------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    @property
    def archive_api(self) -> str:
        return self.url("/archive/available")

    @property
    def archive_save(self) -> str:
        return self.url("/archive/save/")

    # --- routes ----------------------------------------------------------------------------

    def _standard_routes(self) -> None:
        self.routes.update(
            {
                "/ok": lambda method: Answer(200),
                "/moved": lambda method: Answer(301, headers={"Location": self.url("/moved-here")}),
                "/moved-here": lambda method: Answer(200),
                "/gone-404": lambda method: Answer(404),
                "/gone-410": lambda method: Answer(410),
                "/slow": lambda method: Answer(200, delay=1.5),
                "/server-error": lambda method: Answer(503),
                "/no-head": lambda method: Answer(405) if method == "HEAD" else Answer(200),
            }
        )

    def _available(self, query: str) -> Answer:
        url = (parse_qs(query).get("url") or [""])[0]
        snapshot = self.archived.get(url)
        closest = (
            {
                "available": True,
                "url": snapshot,
                "timestamp": ARCHIVE_TIMESTAMP,
                "status": "200",
            }
            if snapshot
            else None
        )
        body = {"url": url, "archived_snapshots": {"closest": closest} if closest else {}}
        return Answer(200, body=json.dumps(body).encode(), content_type="application/json")

    def answer(self, method: str, path: str, query: str, raw_path: str) -> Answer:
        if path == "/archive/available":
            return self._available(query)
        if path.startswith("/archive/save/"):
            self._record_save(raw_path[len("/archive/save/") :])
            return Answer(200, body=b"synthetic archive: saved\n")
        route = self.routes.get(path)
        return route(method) if route else Answer(404, body=b"no such synthetic page\n")

    def _record_save(self, original: str) -> None:
        with self._lock:
            self.archived[original] = self.url(f"/archive/web/{ARCHIVE_TIMESTAMP}/{original}")

    def archive(self, original: str) -> str:
        """Pretend the archive already holds a copy of ``original``."""
        self._record_save(original)
        return self.archived[original]

    # --- life ------------------------------------------------------------------------------

    def start(self) -> WatchServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def requests_to(self, path: str) -> list[Hit]:
        with self._lock:
            return [hit for hit in self.hits if hit.path == path]
