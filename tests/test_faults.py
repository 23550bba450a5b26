"""Graceful faults (issue 13): Redis down, the queue down, the database down.

Nothing shared is ever stopped: "Redis down" is a Redis URL on a closed port
(127.0.0.1:6390, checked closed first), "the database down" is a TCP proxy of
the test's own, between a gunicorn and the test database, closed and reopened.

* In-process (any machine): the fail-open cache backend against the closed port;
  throttles, sign-in, sessions and token creation with it; ``handler500`` turning
  a database or queue error anywhere in the stack into a 503 (JSON under /api/).
* Through gunicorn (PostgreSQL; under REQUIRE_SERVICES=1 these must run): the
  production settings with ``REDIS_URL`` on the closed port, and with the
  database behind the proxy closed then reopened.  Ports 8340-8342.
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from celery import Celery
from django.db import OperationalError, connection
from django.test import Client
from django.urls import path
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError

from policies.models import ApiToken, Proposal, StatusUpdate
from tests.factories import PASSWORD, UserFactory
from tests.services import require_postgres
from tests.workers import database_url
from tracker import cachebackends, faults
from tracker.cachebackends import FailOpenRedisCache

ROOT = Path(__file__).resolve().parent.parent
DEAD_PORT = 6390
DEAD_REDIS = f"redis://127.0.0.1:{DEAD_PORT}/0"
REDIS_DOWN_PORT = 8340
DATABASE_DOWN_PORT = 8341
PROXY_PORT = 8342
HEADER = [
    "proposal_reference",
    "status",
    "acting_bodies",
    "effective_date",
    "date_precision",
    "rationale",
    "source_url",
    "source_title",
    "source_publisher",
    "source_kind",
    "source_published_date",
    "source_accessed_date",
]


def port_is_closed(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture
def dead_redis_cache(settings):
    """The default cache: the real fail-open Redis backend, on a port nothing listens on."""
    if not port_is_closed(DEAD_PORT):
        pytest.fail(f"something listens on 127.0.0.1:{DEAD_PORT}; the test needs it closed")
    cachebackends._down_until.clear()
    settings.CACHES = {
        "default": {
            "BACKEND": "tracker.cachebackends.FailOpenRedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    yield
    cachebackends._down_until.clear()


def import_csv(rows: int) -> bytes:
    """``rows`` synthetic draft rows on real proposals (nothing here is a real assessment)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for n, reference in enumerate(
        Proposal.objects.order_by("pk").values_list("reference", flat=True)[:rows]
    ):
        writer.writerow(
            [
                reference,
                "in_progress",
                "UK Government",
                "2021-05-01",
                "month",
                f"Synthetic fault-test rationale {n}.",
                f"https://example.org/synthetic-fault-test-{n}",
                f"Synthetic fault-test source {n}",
                "Synthetic Publisher",
                "government_publication",
                "2021-04-01",
                "2024-01-01",
            ]
        )
    return out.getvalue().encode()


# --- The fail-open cache backend ---------------------------------------------------------


def test_a_dead_redis_answers_as_an_empty_cache_that_keeps_nothing(dead_redis_cache):
    from django.core.cache import caches

    cache = caches["default"]
    assert isinstance(cache, FailOpenRedisCache)
    cache.set("k", 1)
    assert cache.get("k") is None
    assert cache.get("k", "default") == "default"
    assert cache.add("k", 1) is True  # an empty cache takes the key
    with pytest.raises(ValueError):
        cache.incr("k")
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("k") is False
    assert cache.delete("k") is False
    assert cache.get_or_set("k", 7) == 7
    cache.set_many({"a": 1})
    cache.delete_many(["a"])
    cache.clear()


def test_a_dead_redis_is_logged_once_and_not_tried_again_for_retry_after(
    dead_redis_cache, monkeypatch, caplog
):
    from django.core.cache.backends.redis import RedisCacheClient

    attempts = []
    real_get = RedisCacheClient.get

    def counted(self, key, default):
        attempts.append(key)
        return real_get(self, key, default)

    monkeypatch.setattr(RedisCacheClient, "get", counted)
    cache = FailOpenRedisCache(DEAD_REDIS, {"RETRY_AFTER": 30})
    with caplog.at_level(logging.WARNING, logger="tracker.cachebackends"):
        for _ in range(20):
            assert cache.get("k") is None
    assert len(attempts) == 1
    warnings = [r for r in caplog.records if "failing open" in r.getMessage()]
    assert len(warnings) == 1
    assert "ConnectionError" in warnings[0].getMessage()
    # Once RETRY_AFTER has passed, Redis is tried again (and logged again).
    cachebackends._down_until.clear()
    assert cache.get("k") is None
    assert len(attempts) == 2


@pytest.mark.services
def test_a_live_redis_is_used_as_usual(settings):
    from tests.services import redis_url

    cachebackends._down_until.clear()
    cache = FailOpenRedisCache(redis_url(), {"KEY_PREFIX": "faults-test"})
    cache.set("k", {"v": 1}, 30)
    assert cache.get("k") == {"v": 1}
    assert cache.add("n", 0, 30) is True
    assert cache.add("n", 0, 30) is False
    assert cache.incr("n") == 1
    cache.delete_many(["k", "n"])
    assert cache.get("k") is None
    assert not cache.is_down()


def test_production_uses_the_fail_open_backend_and_database_sessions():
    """The settings a deployment gets with REDIS_URL set (read in a fresh process: the
    test suite itself runs on the local-memory cache)."""
    env = {
        **os.environ,
        "REDIS_URL": DEAD_REDIS,
        "DJANGO_SECRET_KEY": "faults-settings-check-" + "x1y2z3" * 8,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    }
    env.pop("DJANGO_TESTING", None)
    code = (
        "from django.conf import settings as s; import django; django.setup(); "
        "print(s.CACHES['default']['BACKEND']); print(s.SESSION_ENGINE); "
        "print(s.RESPONSE_CACHE_ALIAS)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env | {"DJANGO_SETTINGS_MODULE": "tracker.settings"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out[0] == "tracker.cachebackends.FailOpenRedisCache"
    # Sessions never depend on Redis alone: the database, or the database behind a cache.
    assert out[1] in {
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cached_db",
    }
    assert out[2] == "default"


# --- Redis down, in-process: reads, throttles, sign-in, tokens --------------------------


def test_with_redis_down_reads_and_throttles_fail_open(
    dead_redis_cache, settings, papers, client, monkeypatch
):
    from rest_framework.throttling import SimpleRateThrottle

    rates = {**SimpleRateThrottle.THROTTLE_RATES, "anon": "2/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    # Throttle counters cannot be kept: every request is let through, not a 500.
    for _ in range(5):
        assert client.get("/api/v1/proposals/?page_size=5").status_code == 200
    assert client.get("/api/v1/proposals/118-1a/").status_code == 200
    for page in ("/", "/proposals/", "/proposals/118-1a/", "/feeds/changes.atom"):
        assert client.get(page).status_code == 200, page
    # The control: with a cache that works, the same rate throttles the third request.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    statuses = [client.get("/api/v1/proposals/?page_size=5").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_with_redis_down_and_the_response_cache_on_pages_are_served(
    dead_redis_cache, settings, papers, client
):
    settings.RESPONSE_CACHE_ENABLED = True
    settings.RESPONSE_CACHE_ALIAS = "default"
    first = client.get("/proposals/")
    second = client.get("/proposals/")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content


@pytest.mark.parametrize(
    "engine",
    ["django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"],
)
def test_with_redis_down_sign_in_and_token_creation_work(
    dead_redis_cache, settings, papers, client, engine
):
    settings.SESSION_ENGINE = engine
    # Signed in before: a first sign-in spends the one-time password (policies.editorial.signin).
    UserFactory.create(username="faulty", role="editor", last_login=timezone.now())
    response = client.post("/accounts/login/", {"username": "faulty", "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    assert client.get("/accounts/tokens/").status_code == 200
    response = client.post("/accounts/tokens/", {"action": "create", "name": "fault test"})
    assert response.status_code == 200
    assert ApiToken.objects.filter(user__username="faulty", name="fault test").count() == 1


# --- handler500: database and queue errors anywhere are a 503 ---------------------------


def raises_database_error(request):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


def raises_broker_error(request):
    raise BrokerOperationalError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")


def raises_redis_error(request):
    from redis.exceptions import ConnectionError as RedisConnectionError

    raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")


def raises_bug(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("api/v1/db/", raises_database_error),
    path("page/db/", raises_database_error),
    path("api/v1/queue/", raises_broker_error),
    path("page/queue/", raises_broker_error),
    path("api/v1/redis/", raises_redis_error),
    path("page/redis/", raises_redis_error),
    path("api/v1/bug/", raises_bug),
    path("page/bug/", raises_bug),
]
handler500 = faults.server_error


@pytest.fixture
def faulty_client(settings):
    settings.ROOT_URLCONF = __name__
    return Client(raise_request_exception=False)


def assert_branded_503(response: Any, *, was_post: bool = False) -> str:
    """``response``: Django's test response or a ``requests`` one."""
    assert response.status_code == 503
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["Retry-After"] == "30"
    body = response.content.decode()
    assert "Unavailable for a moment" in body
    assert 'class="site-header"' in body and "css/site.css" in body  # the site's design
    assert "<script" not in body and "<style" not in body and "style=" not in body
    assert "127.0.0.1" not in body and "Traceback" not in body
    assert ("Back button" in body) is was_post
    return body


def assert_json_503(response: Any) -> dict:
    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Retry-After"] == "30"
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == "unavailable"
    assert body["error"]["retry_after_seconds"] == 30
    assert "127.0.0.1" not in response.content.decode()
    return body


def test_a_database_error_in_a_view_is_a_503(faulty_client):
    assert "database" in assert_json_503(faulty_client.get("/api/v1/db/"))["error"]["message"]
    assert "database" in assert_branded_503(faulty_client.get("/page/db/"))
    assert_branded_503(faulty_client.post("/page/db/"), was_post=True)


def test_a_queue_error_in_a_view_is_a_503(faulty_client):
    assert "queue" in assert_json_503(faulty_client.post("/api/v1/queue/"))["error"]["message"]
    assert "queue" in assert_branded_503(faulty_client.post("/page/queue/"), was_post=True)


def test_redis_used_directly_and_down_is_a_503(faulty_client):
    assert "service" in assert_json_503(faulty_client.get("/api/v1/redis/"))["error"]["message"]
    assert "service" in assert_branded_503(faulty_client.get("/page/redis/"))


def test_the_outage_is_logged_in_one_line_not_a_traceback(faulty_client, caplog):
    with caplog.at_level(logging.WARNING):
        faulty_client.get("/page/db/")
    [record] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert record.name == "tracker.faults"
    assert record.getMessage() == (
        "database unavailable: 503 for GET /page/db/ (OperationalError: connection to "
        "server at 127.0.0.1 failed: Connection refused)"
    )
    assert record.exc_info is None


def test_any_other_error_is_still_a_500(faulty_client):
    response = faulty_client.get("/api/v1/bug/")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    page = faulty_client.get("/page/bug/")
    assert page.status_code == 500
    assert "Something went wrong" in page.content.decode()


def test_a_database_error_before_the_view_is_a_503(papers, monkeypatch, settings):
    """The response cache reads the data revision before any view: the database failing
    there is answered by handler500 as well."""
    from tracker import revision

    settings.RESPONSE_CACHE_ENABLED = True

    def down():
        raise OperationalError("the database is down")

    monkeypatch.setattr(revision, "current", down)
    client = Client(raise_request_exception=False)
    assert_branded_503(client.get("/proposals/?fault=1"))
    assert_json_503(client.get("/api/v1/proposals/?fault=1"))


def test_enqueue_gives_up_quickly_when_the_broker_is_down():
    if not port_is_closed(DEAD_PORT):
        pytest.fail(f"something listens on 127.0.0.1:{DEAD_PORT}")
    app = Celery("faults-test", broker=DEAD_REDIS, set_as_current=False)

    @app.task(name="faults.test.noop")
    def noop() -> None:
        return None

    started = time.monotonic()
    with pytest.raises(faults.QueueUnavailable):
        faults.enqueue(noop)
    assert time.monotonic() - started < 5
    app.close()


class BrokerDown:
    """A task whose every publish fails as kombu fails it with the broker down."""

    def delay(self, *args: Any, **kwargs: Any) -> None:
        raise BrokerOperationalError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    apply_async = delay


@pytest.mark.django_db(transaction=True)
def test_an_import_that_needs_the_queue_answers_503_and_changes_nothing(
    papers, users, settings, monkeypatch, api_client
):
    """In-process (the gunicorn test below does it with a real dead broker).  A
    transactional test: the job is queued on commit, which must happen in the request."""
    from policies.imports import jobs

    monkeypatch.setattr(jobs, "run_import", BrokerDown())
    settings.TRACKER_IMPORT_BACKGROUND_ROWS = 2
    before = StatusUpdate.objects.count()
    api_client.raise_request_exception = False
    api_client.force_authenticate(users["editor"])
    upload = io.BytesIO(import_csv(3))
    upload.name = "three.csv"
    response = api_client.post(
        "/api/v1/imports/", {"file": upload, "mode": "draft"}, format="multipart"
    )
    assert response.status_code == 503, response.content
    assert_json_503(response)
    page = Client(raise_request_exception=False)
    page.force_login(users["editor"])
    upload = io.BytesIO(import_csv(3))
    upload.name = "three.csv"
    # The page answers with its form again, the mode as chosen, and says why.
    response = page.post("/editorial/import/", {"file": upload, "mode": "draft"})
    assert response.status_code == 503
    html = response.content.decode()
    assert "task queue is unavailable" in html and "nothing was imported" in html
    assert "<form" in html and re.search(r'value="draft"[^>]*checked', html)
    assert StatusUpdate.objects.count() == before


# --- Through gunicorn, production settings -------------------------------------------------


def production_env(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.faults_settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "faults-test-only-" + "s3cr3t" * 8,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        # Production refuses to start without a real mail backend; these tests send none.
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "LOG_LEVEL": "WARNING",
        **extra,
    }
    for name in ("DJANGO_TESTING", "PYTEST_CURRENT_TEST", "REDIS_URL"):
        if name not in extra:
            env.pop(name, None)
    return env


@contextlib.contextmanager
def gunicorn(port: int, env: dict[str, str], log: Path) -> Iterator[str]:
    if not port_is_closed(port):
        pytest.fail(f"port {port} is in use on 127.0.0.1")
    base = f"http://127.0.0.1:{port}"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "tracker.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--timeout",
                "30",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(requests.RequestException):
                if requests.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


class Browser:
    """requests with the cookies sent by hand: under DEBUG=0 they are Secure, and this
    talks plain HTTP to gunicorn on loopback."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = requests.request(
            method, self.base + url, headers=headers, allow_redirects=False, timeout=20, **kwargs
        )
        for cookie in response.cookies:
            self.cookies[cookie.name] = cookie.value or ""
        assert response.status_code != 500, (method, url, response.text[:2000])
        return response

    def csrf(self) -> str:
        return self.cookies["csrftoken"]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_redis_down_through_gunicorn_nothing_500s(papers, tmp_path, settings):
    """Production settings, REDIS_URL on a closed port: pages, API reads, sign-in, token
    creation and a synchronous import work; an import that needs the queue is a 503
    (JSON and HTML) that changes nothing; the failure is logged."""
    require_postgres()
    if not port_is_closed(DEAD_PORT):
        pytest.fail(f"something listens on 127.0.0.1:{DEAD_PORT}")
    # The password hashed as production checks it (the suite hashes with MD5 for speed).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    # Signed in before: a first sign-in spends the one-time password (policies.editorial.signin).
    UserFactory.create(username="faulty", role="editor", last_login=timezone.now())
    log = tmp_path / "gunicorn.log"
    env = production_env(
        DATABASE_URL=database_url(),
        REDIS_URL=DEAD_REDIS,
        TRACKER_IMPORT_BACKGROUND_ROWS="2",
        LOG_LEVEL="WARNING",
    )
    with gunicorn(REDIS_DOWN_PORT, env, log) as base:
        anonymous = Browser(base)
        for url in ("/", "/proposals/", "/proposals/118-1a/", "/feeds/changes.atom"):
            assert anonymous.request("GET", url).status_code == 200, url
        for _ in range(3):
            assert anonymous.request("GET", "/api/v1/proposals/?page_size=5").status_code == 200
        assert anonymous.request("GET", "/api/v1/proposals/118-1a/").status_code == 200

        editor = Browser(base)
        editor.request("GET", "/accounts/login/")
        signed_in = editor.request(
            "POST",
            "/accounts/login/",
            data={
                "username": "faulty",
                "password": PASSWORD,
                "csrfmiddlewaretoken": editor.csrf(),
            },
        )
        assert signed_in.status_code == 302, signed_in.text[:1000]
        assert "sessionid" in editor.cookies
        page = editor.request(
            "POST",
            "/accounts/tokens/",
            data={"action": "create", "name": "fault test", "csrfmiddlewaretoken": editor.csrf()},
        )
        assert page.status_code == 200
        secret = re.search(r"\b[0-9a-f]{64}\b", page.text)
        assert secret, page.text[:2000]
        token = {"Authorization": f"Token {secret.group(0)}"}

        before = StatusUpdate.objects.count()
        one = anonymous.request(
            "POST",
            "/api/v1/imports/",
            headers=token,
            files={"file": ("one.csv", import_csv(1), "text/csv")},
            data={"mode": "draft"},
        )
        assert one.status_code == 201, one.text
        assert StatusUpdate.objects.count() == before + 1

        queued = anonymous.request(
            "POST",
            "/api/v1/imports/",
            headers=token,
            files={"file": ("three.csv", import_csv(3), "text/csv")},
            data={"mode": "draft"},
        )
        assert queued.status_code == 503, queued.text
        assert queued.json()["error"]["code"] == "unavailable"
        assert "queue" in queued.json()["error"]["message"]
        form = editor.request(
            "POST",
            "/editorial/import/",
            files={"file": ("three.csv", import_csv(3), "text/csv")},
            data={"mode": "draft", "csrfmiddlewaretoken": editor.csrf()},
        )
        assert form.status_code == 503
        assert "task queue is unavailable" in form.text and "<form" in form.text
        assert StatusUpdate.objects.count() == before + 1

        assert anonymous.request("GET", "/healthz").json() == {"status": "ok"}
        ready = anonymous.request("GET", "/readyz")
        assert ready.status_code == 503
        assert "redis" in ready.json()["failing"]
    text = log.read_text()
    assert "failing open" in text
    assert "Internal Server Error" not in text


class TcpProxy:
    """127.0.0.1:<port> → PostgreSQL, that the test closes (refusing new connections and
    cutting the open ones, as a database going away does) and reopens."""

    def __init__(self, port: int, target: tuple[str, int]) -> None:
        self.port = port
        self.target = target
        self.listener: socket.socket | None = None
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()

    def open(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, 5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        if self.listener is not None:
            # shutdown() first: close() alone leaves a thread blocked in accept() on it,
            # and the kernel goes on accepting.
            with contextlib.suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
            self.listener = None
        with self.lock:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.sockets = []


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_database_down_is_a_branded_503_and_recovers_on_the_next_request(papers, tmp_path):
    require_postgres()
    db = connection.settings_dict
    proxy = TcpProxy(PROXY_PORT, (db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    if not port_is_closed(PROXY_PORT):
        pytest.fail(f"port {PROXY_PORT} is in use")
    proxy.open()
    log = tmp_path / "gunicorn.log"
    env = production_env(DATABASE_URL=database_url(PROXY_PORT), DATABASE_CONNECT_TIMEOUT="3")
    try:
        with gunicorn(DATABASE_DOWN_PORT, env, log) as base:
            browser = Browser(base)
            assert browser.request("GET", "/proposals/118-1a/").status_code == 200
            assert browser.request("GET", "/api/v1/proposals/?page_size=5").status_code == 200
            assert browser.request("GET", "/readyz").status_code == 200

            proxy.close()
            time.sleep(1.2)  # past DATA_REVISION_TTL: the next request reads the database
            for url in ("/proposals/118-1a/", "/proposals/?q=police", "/"):
                page = browser.request("GET", url)
                assert_branded_503(page)
                assert "script-src 'self'" in page.headers["Content-Security-Policy"]
            for url in ("/api/v1/proposals/?page_size=5", "/api/v1/proposals/118-1a/"):
                response = browser.request("GET", url)
                assert response.status_code == 503, url
                assert response.json()["error"]["code"] == "unavailable"
                assert response.headers["Retry-After"] == "30"
            assert browser.request("GET", "/healthz").status_code == 200
            ready = browser.request("GET", "/readyz")
            assert ready.status_code == 503
            assert ready.json()["failing"] == ["database"]

            proxy.open()
            # Recovery on the very next request.
            assert browser.request("GET", "/proposals/118-1a/").status_code == 200
            assert browser.request("GET", "/api/v1/proposals/?page_size=5").status_code == 200
            assert browser.request("GET", "/readyz").status_code == 200
    finally:
        proxy.close()
    assert "Internal Server Error" not in log.read_text()
