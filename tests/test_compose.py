"""The scaled-out stack, checked without a Docker engine (there is none in CI): the
compose file parsed with PyYAML and held to its structure, the nginx configuration,
the image's ignore list, every ``${VAR}`` and every variable the settings read listed
in .env.example, every command named in the code, and the health-check script run
against real HTTP answers."""

from __future__ import annotations

import ast
import http.server
import importlib.util
import json
import re
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("release", "web", "worker", "beat")


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def services() -> dict:
    return compose()["services"]


def argv(command: str | list[str]) -> list[str]:
    return command if isinstance(command, list) else shlex.split(command)


def env_example_names() -> set[str]:
    """Names in .env.example, set or commented out (``# NAME=default``)."""
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]*)=", text, re.MULTILINE))


def settings_env_names() -> set[str]:
    """Every environment variable tracker/settings.py reads, from its syntax tree:
    env_bool/env_int/env_list/os.environ.get/os.getenv/os.environ[...] with a literal."""
    tree = ast.parse((ROOT / "tracker" / "settings.py").read_text())
    names: set[str] = set()
    readers = {"env_bool", "env_int", "env_list", "os.environ.get", "os.getenv"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and ast.unparse(node.func) in readers:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                names.add(first.value)
        if (
            isinstance(node, ast.Subscript)
            and ast.unparse(node.value) == "os.environ"
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            names.add(node.slice.value)
    return names


def test_the_stack_has_its_services():
    assert set(services()) == {"nginx", "release", "web", "worker", "beat", "postgres", "redis"}


def test_release_runs_once_and_everything_waits_for_it():
    release = services()["release"]
    management = re.findall(r"python manage\.py (\w+)", " ".join(argv(release["command"])))
    assert management == ["migrate", "load_papers", "load_indicators"]
    assert release["restart"] == "no"
    assert "release" not in release.get("depends_on", {})
    for name in ("web", "worker", "beat"):
        depends = services()[name]["depends_on"]
        assert depends["release"] == {"condition": "service_completed_successfully"}, name
        assert depends["postgres"] == {"condition": "service_healthy"}, name
        assert depends["redis"] == {"condition": "service_healthy"}, name
    assert services()["release"]["depends_on"]["postgres"] == {"condition": "service_healthy"}


def test_web_scales_behind_nginx():
    web, nginx = services()["web"], services()["nginx"]
    command = " ".join(argv(web["command"]))
    assert "gunicorn" in command and "tracker.wsgi:application" in command
    # Replicas must not race: nothing but the release migrates or loads data.
    for word in ("migrate", "load_papers", "load_indicators", "manage.py"):
        assert word not in command
    assert "ports" not in web and "container_name" not in web  # --scale web=N
    assert web["expose"] == ["8000"]
    assert web["environment"]["TRUSTED_PROXY_COUNT"] == "1"
    assert nginx["depends_on"] == {"web": {"condition": "service_healthy"}}
    assert {p.split(":")[-1] for p in nginx["ports"]} == {"80", "443"}
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in nginx["volumes"]
    # No other service publishes a port: the database and Redis stay inside.
    published = {name for name, s in services().items() if s.get("ports")}
    assert published == {"nginx"}


def test_exactly_one_beat_and_scalable_workers():
    worker, beat = services()["worker"], services()["beat"]
    assert argv(worker["command"])[:4] == ["celery", "-A", "tracker", "worker"]
    assert argv(beat["command"])[:4] == ["celery", "-A", "tracker", "beat"]
    assert beat["deploy"]["replicas"] == 1
    assert "ports" not in worker and "container_name" not in worker
    runs_beat = [
        name
        for name, s in services().items()
        if "command" in s and ("beat" in argv(s["command"]) or "-B" in argv(s["command"]))
    ]
    assert runs_beat == ["beat"]


def test_the_app_services_run_production_settings_from_env():
    for name in APP_SERVICES:
        service = services()[name]
        env = service["environment"]
        assert env["DJANGO_DEBUG"] == "0", name
        assert env["DATABASE_URL"].startswith("postgres://"), name
        assert env["REDIS_URL"] == "redis://redis:6379/0", name
        assert service["env_file"] == [{"path": ".env", "required": True}], name
        assert service["build"] == "." and "DJANGO_DEBUG=1" not in str(service)


def test_health_checks_call_healthz_and_readyz():
    checks = {
        name: " ".join(argv(s["healthcheck"]["test"][1:]))
        for name, s in services().items()
        if "healthcheck" in s
    }
    assert set(checks) == {"postgres", "redis", "web", "worker", "nginx"}
    assert "pg_isready" in checks["postgres"] and "redis-cli ping" in checks["redis"]
    assert "deploy/healthcheck.py http://127.0.0.1:8000/healthz" in checks["web"]
    assert "deploy/healthcheck.py http://web:8000/readyz worker" in checks["worker"]
    assert "http://127.0.0.1/healthz" in checks["nginx"]
    from django.urls import reverse

    assert reverse("healthz") == "/healthz" and reverse("readyz") == "/readyz"


def test_postgres_and_redis_keep_their_data_in_named_volumes():
    assert set(compose()["volumes"]) == {"pgdata", "redisdata"}
    assert "pgdata:/var/lib/postgresql/data" in services()["postgres"]["volumes"]
    assert "redisdata:/data" in services()["redis"]["volumes"]
    assert "--appendonly" in argv(services()["redis"]["command"])


def test_every_compose_variable_is_in_env_example():
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (ROOT / "docker-compose.yml").read_text()))
    assert used, "no ${VAR} found: the parser is wrong"
    assert used - env_example_names() == set()


def test_every_variable_the_settings_read_is_in_env_example():
    read = settings_env_names()
    assert {"DJANGO_SECRET_KEY", "DJANGO_EMAIL_BACKEND", "LOG_FORMAT", "EMAIL_HOST"} <= read
    assert read - env_example_names() == set(), "add them to .env.example"


def test_env_example_holds_no_secret():
    text = (ROOT / ".env.example").read_text()
    for name in ("DJANGO_SECRET_KEY", "POSTGRES_PASSWORD", "EMAIL_HOST_PASSWORD"):
        assert re.search(rf"^{name}=$", text, re.MULTILINE), f"{name} must be left empty"


def test_the_commands_exist_in_the_code():
    from django.core.management import get_commands

    release = " ".join(argv(services()["release"]["command"]))
    commands = set(re.findall(r"python manage\.py (\w+)", release))
    assert commands <= set(get_commands()), commands - set(get_commands())
    web = argv(services()["web"]["command"])
    config = web[web.index("--config") + 1]
    assert (ROOT / config).is_file()
    assert importlib.util.find_spec("tracker.wsgi") is not None
    assert importlib.util.find_spec("gunicorn") is not None
    for name in ("web", "worker"):
        script = argv(services()[name]["healthcheck"]["test"])[2]
        assert (ROOT / script).is_file(), script
    from tracker.celery import app

    assert app.main == "tracker"


def test_gunicorn_config_loads_and_logs_access_with_the_request_id(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    namespace: dict = {}
    exec((ROOT / "deploy" / "gunicorn.conf.py").read_text(), namespace)  # noqa: S102
    assert namespace["bind"] == "0.0.0.0:8000" and namespace["workers"] == 3
    assert namespace["accesslog"] == "-"
    assert "%({x-request-id}o)s" in namespace["access_log_format"]
    from django.conf import settings

    assert {"gunicorn.error", "gunicorn.access"} <= set(settings.LOGGING["loggers"])


def test_nginx_proxies_to_web_only_and_sets_the_forwarded_headers():
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    code = "\n".join(line.split("#", 1)[0] for line in conf.splitlines())
    assert re.search(r"upstream web \{[^}]*server web:8000 resolve;", code)
    assert set(re.findall(r"proxy_pass\s+([^;]+);", code)) == {"http://web"}
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in code
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in code
    assert "proxy_set_header Host $host;" in code
    # Serves nothing of its own and fetches from no other host.
    for directive in ("root ", "alias ", "autoindex", "ssi ", "fastcgi_pass", "uwsgi_pass"):
        assert directive not in code, directive
    assert re.findall(r"https?://[^\s;$]+", code) == ["http://web"] * code.count("http://web")
    assert "listen 443 ssl" in code and "return 301 https://$host$request_uri;" in code


def test_the_image_leaves_secrets_and_the_laptop_out():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", ".venv", ".tools", ".git", "db.sqlite3*", "deploy/certs/"):
        assert entry in ignored, entry
    assert "!.env.example" in ignored
    certs = (ROOT / "deploy" / "certs" / ".gitignore").read_text().split()
    assert "*" in certs


def test_docker_cli_if_present_accepts_the_file():
    """Where a compose-capable docker CLI is installed, its own parser must accept the
    file (with .env.example's values); here there is usually none (no engine either)."""
    import shutil

    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker CLI: the structure is checked by the tests above")
    version = subprocess.run(
        [docker, "compose", "version"], capture_output=True, text=True, check=False
    )
    if version.returncode != 0:
        pytest.skip("docker CLI without the compose plugin: checked by the tests above")
    result = subprocess.run(
        [docker, "compose", "--env-file", ".env.example", "config", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"POSTGRES_PASSWORD": "synthetic", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr


# --- deploy/healthcheck.py against real HTTP answers ------------------------------------


class Answers(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, bytes]] = {
        "/healthz": (200, b'{"status": "ok"}'),
        "/down": (503, b"{}"),
        "/readyz-beat-late": (
            503,
            json.dumps(
                {"checks": {"worker": {"state": "ok"}, "beat": {"state": "failing"}}}
            ).encode(),
        ),
        "/readyz-no-worker": (
            503,
            json.dumps({"checks": {"worker": {"state": "failing"}}}).encode(),
        ),
        "/not-json": (200, b"<html>"),
    }

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        status, body = self.routes.get(self.path, (404, b""))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def answers() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    "path, check, healthy",
    [
        ("/healthz", None, True),
        ("/down", None, False),
        ("/missing", None, False),
        ("/readyz-beat-late", "worker", True),
        ("/readyz-beat-late", "beat", False),
        ("/readyz-no-worker", "worker", False),
        ("/not-json", "worker", False),
    ],
)
def test_healthcheck_script(answers, path, check, healthy):
    args = [sys.executable, str(ROOT / "deploy" / "healthcheck.py"), answers + path]
    result = subprocess.run(
        args + ([check] if check else []), capture_output=True, text=True, check=False
    )
    assert result.returncode == (0 if healthy else 1), result.stdout + result.stderr
    assert result.stdout.strip()


def test_healthcheck_script_fails_when_nothing_listens():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    script = str(ROOT / "deploy" / "healthcheck.py")
    url = f"http://127.0.0.1:{port}/healthz"
    result = subprocess.run([sys.executable, script, url], capture_output=True, text=True)
    assert result.returncode == 1 and "Connection refused" in result.stdout
