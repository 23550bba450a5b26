"""Structured logs with a request id: every log line of a request names the id its
response carries in ``X-Request-ID``; an incoming id is kept only when it is a valid
UUID; ``LOG_FORMAT=json`` writes one JSON object a line and is production's default."""

from __future__ import annotations

import copy
import io
import json
import logging
import logging.config
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The project's LOGGING with LOG_FORMAT=json, writing into a buffer."""
    stream = io.StringIO()
    config: dict[str, Any] = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"]["formatter"] = "json"
    config["handlers"]["console"]["stream"] = stream
    logging.config.dictConfig(config)
    try:
        yield stream
    finally:
        logging.config.dictConfig(settings.LOGGING)


def records(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


@pytest.mark.django_db
def test_a_requests_log_lines_carry_the_id_of_its_response(client, json_log):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    request_id = response["X-Request-ID"]
    assert is_uuid(request_id)
    lines = records(json_log)
    assert lines, "the 404 logged nothing"
    assert {line["request_id"] for line in lines} == {request_id}
    (not_found,) = [line for line in lines if line["logger"] == "django.request"]
    assert not_found["level"] == "WARNING" and "/no-such-page/" in not_found["message"]
    assert {"timestamp", "level", "logger", "message", "request_id"} <= set(not_found)


@pytest.mark.django_db
def test_log_lines_of_code_under_a_view_carry_it_too(client, json_log, monkeypatch):
    from policies.site.views import home

    logger = logging.getLogger("policies.site.views.home")
    real = home.render

    def render(*args, **kwargs):
        logger.warning("rendering the home page")
        return real(*args, **kwargs)

    monkeypatch.setattr(home, "render", render)
    response = client.get("/")
    assert response.status_code == 200
    (line,) = [r for r in records(json_log) if r["message"] == "rendering the home page"]
    assert line["request_id"] == response["X-Request-ID"]


@pytest.mark.django_db
def test_each_request_gets_its_own_id(client):
    ids = {client.get("/healthz")["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3 and all(is_uuid(i) for i in ids)


@pytest.mark.django_db
def test_a_valid_incoming_uuid_is_kept_and_logged(client, json_log):
    given = str(uuid.uuid4())
    response = client.get("/no-such-page/", headers={"X-Request-ID": given})
    assert response["X-Request-ID"] == given
    assert {line["request_id"] for line in records(json_log)} == {given}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "given",
    ["not-a-uuid", "12345", "<script>alert(1)</script>", "x" * 500, "' OR 1=1 --", "é-ü"],
)
def test_anything_else_is_replaced_by_a_new_uuid(client, json_log, given):
    response = client.get("/no-such-page/", headers={"X-Request-ID": given})
    assert response.status_code == 404
    request_id = response["X-Request-ID"]
    assert is_uuid(request_id) and request_id != given
    assert {line["request_id"] for line in records(json_log)} == {request_id}
    assert given not in json_log.getvalue()


@pytest.mark.django_db
def test_the_id_reaches_every_kind_of_response(client, papers):
    """Cached public pages, the API, health probes and error pages alike."""
    for path in ("/", "/", "/api/v1/papers/", "/healthz", "/no-such-page/"):
        assert is_uuid(client.get(path)["X-Request-ID"]), path


@pytest.mark.django_db
def test_cross_origin_readers_may_see_it_and_the_existing_exposed_headers(client):
    response = client.get("/api/v1/", headers={"Origin": "https://elsewhere.example"})
    exposed = {h.strip() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert {"ETag", "Last-Modified", "Link", "X-Request-ID"} <= exposed


def settings_in_a_fresh_process(**env: str) -> dict:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "LOG_", "PYTEST_")) and k != "REDIS_URL"
    }
    code = (
        "import json, tracker.settings as s\n"
        "print(json.dumps({'format': s.LOG_FORMAT, "
        "'formatter': s.LOGGING['handlers']['console']['formatter'], "
        "'integrations': [type(i).__name__ for i in s.DJANGO_GUID['INTEGRATIONS']]}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_json_is_productions_default_and_text_is_developments():
    production = {
        "DJANGO_SECRET_KEY": "synthetic-test-secret-" + "k3Y9-q7Zr2-W8xV5" * 3,
        "DJANGO_ALLOWED_HOSTS": "tracker.example.org",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    }
    assert settings_in_a_fresh_process(**production)["formatter"] == "json"
    assert settings_in_a_fresh_process(DJANGO_DEBUG="1")["formatter"] == "text"
    assert settings_in_a_fresh_process(DJANGO_DEBUG="1", LOG_FORMAT="json")["format"] == "json"
    # With a real worker, tasks a request enqueues carry its id (and log in this shape).
    worker = settings_in_a_fresh_process(DJANGO_DEBUG="1", REDIS_URL="redis://127.0.0.1:1/0")
    assert worker["integrations"] == ["CeleryIntegration"]


def test_an_unknown_log_format_is_refused():
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(DJANGO_DEBUG="1", LOG_FORMAT="xml")
    result = subprocess.run(
        [sys.executable, "-c", "import tracker.settings"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and "LOG_FORMAT must be json or text" in result.stderr


def test_text_format_names_the_request_id():
    stream = io.StringIO()
    config: dict[str, Any] = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"]["stream"] = stream
    config["handlers"]["console"]["formatter"] = "text"
    logging.config.dictConfig(config)
    try:
        from django_guid import set_guid

        set_guid("3f0b8a52-6a8e-4c43-9a57-2f1f7f3b8c11")
        logging.getLogger("tracker.test").warning("hello")
    finally:
        set_guid(None)  # type: ignore[arg-type]
        logging.config.dictConfig(settings.LOGGING)
    line = stream.getvalue().strip()
    assert line.endswith(
        "WARNING tracker.test [request_id=3f0b8a52-6a8e-4c43-9a57-2f1f7f3b8c11] hello"
    )


def test_gunicorn_in_production_writes_json_lines_with_the_request_id(tmp_path):
    """The web service as the image runs it (deploy/gunicorn.conf.py, production
    settings): every line on its output is JSON, and the access line of a request
    names the id its response carried."""
    import time
    import urllib.request

    port = 8315  # this area's port range (8310-8319)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "LOG_", "PYTEST_")) and k not in {"REDIS_URL"}
    }
    env.update(
        DJANGO_SECRET_KEY="synthetic-test-secret-" + "k3Y9-q7Zr2-W8xV5" * 3,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        SQLITE_PATH=str(tmp_path / "unused.sqlite3"),
        DATABASE_URL="",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        # whitenoise warns (a bare stderr line) that no static files were collected
        # here; the image collects them at build time.
        PYTHONWARNINGS="ignore::UserWarning",
    )
    log = tmp_path / "gunicorn.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "deploy/gunicorn.conf.py",
                "tracker.wsgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        given = str(uuid.uuid4())
        deadline = time.monotonic() + 60
        while True:
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/healthz", headers={"X-Request-ID": given}
                )
                with urllib.request.urlopen(request, timeout=30) as response:
                    assert response.headers["X-Request-ID"] == given
                    assert "Content-Security-Policy" in response.headers
                break
            except OSError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
        time.sleep(0.5)  # the access line is written after the response
    finally:
        server.terminate()
        server.wait(timeout=30)
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    assert {"Starting gunicorn", "Booting worker"} <= {
        line["message"].split(" with")[0].split(" 2")[0] for line in lines
    }
    # (A request sent while the worker was still booting may be answered, and logged,
    # after the client gave up: every access line is one of ours.)
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert access
    for line in access:
        assert line["request_id"] == given and f"request_id={given}" in line["message"]
        assert '"GET /healthz HTTP/1.1" 200' in line["message"]
