"""A real HTTP server on 127.0.0.1 that serves the payload files, so the
source clients are exercised over HTTP exactly as against the real hosts.

Routes are matched on the path plus the sorted query string.  A route can be a
script of responses (e.g. 429 then 200); its last response repeats.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

PAYLOADS = Path(__file__).resolve().parent
ODS = "application/vnd.oasis.opendocument.spreadsheet"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict | None = None


def key_for(path_and_query: str) -> str:
    parts = urlsplit(path_and_query)
    query = urlencode(sorted(parse_qsl(parts.query)))
    return parts.path + ("?" + query if query else "")


class PayloadServer:
    def __init__(self):
        self.routes: dict[str, list[Reply]] = {}
        self.hits: list[str] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                key = key_for(self.path)
                with server._lock:
                    server.hits.append(key)
                    replies = server.routes.get(key)
                    reply = (
                        (replies.pop(0) if len(replies) > 1 else replies[0])
                        if replies
                        else Reply(404, b'{"error": "no such synthetic payload"}')
                    )
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in (reply.headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        if isinstance(host, bytes | bytearray):
            host = host.decode()
        return f"http://{host}:{port}"

    def start(self) -> PayloadServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def route(self, path: str, *replies: Reply) -> None:
        self.routes[key_for(path)] = list(replies)

    def file(self, path: str, name: str, content_type: str | None = None) -> None:
        file = PAYLOADS / name
        if content_type is None:
            content_type = ODS if name.endswith(".ods") else "application/json"
        self.route(path, Reply(200, file.read_bytes(), content_type))

    def json(self, path: str, data, status: int = 200) -> None:
        self.route(path, Reply(status, json.dumps(data).encode()))

    def count(self, path: str) -> int:
        return self.hits.count(key_for(path))


POLICE = "/police/api/"
GOVUK = "/govuk/api/content/"
PRC_PAGE = "government/statistics/police-recorded-crime-open-data-tables"
WORKFORCE_PAGE = "government/statistics/police-workforce-open-data-tables"
PRC_FILE = "/media/synthetic/prc-pfa-mar2013-onwards-tables-010124.ods"
WORKFORCE_FILE = "/media/synthetic/open-data-table-police-workforce-010124.ods"


def mount_defaults(server: PayloadServer, *, prc_edition: int = 1) -> dict[str, str]:
    """The standard synthetic sources; returns settings.INDICATOR_SOURCES for them."""
    server.file(POLICE + "crime-last-updated", "police_api/crime-last-updated-synthetic.json")
    server.file(POLICE + "crimes-street-dates", "police_api/crimes-street-dates-synthetic.json")
    for force, month in (("kent", "2024-01"), ("metropolitan", "2024-01"), ("kent", "2023-12")):
        server.file(
            f"{POLICE}stops-force?force={force}&date={month}",
            f"police_api/stops-force-{force}-{month}-synthetic.json",
        )
    mount_prc(server, edition=prc_edition)
    server.file(GOVUK + WORKFORCE_PAGE, "govuk/content-workforce-synthetic.json")
    server.file(WORKFORCE_FILE, "workforce-synthetic.ods")
    return {"police_api": server.url + POLICE, "govuk_content": server.url + GOVUK}


def mount_prc(server: PayloadServer, *, edition: int) -> None:
    """Edition 2 is a later file on the same page: a new address, one figure revised."""
    if edition == 1:
        server.file(GOVUK + PRC_PAGE, "govuk/content-recorded-crime-synthetic.json")
        server.file(PRC_FILE, "prc-pfa-synthetic-edition1.ods")
    else:
        server.file(GOVUK + PRC_PAGE, "govuk/content-recorded-crime-edition2-synthetic.json")
        server.file(PRC_FILE.replace("010124", "010424"), "prc-pfa-synthetic-edition2.ods")
