"""The production shape: docker-compose.yml parses and every command exists in the code,
and the production settings pass ``manage.py check --deploy``."""

import importlib.util
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_production_services():
    services = compose()["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "beat"}
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://")
        assert env["DJANGO_DEBUG"] == "0"


def test_compose_commands_exist_in_the_code():
    from django.core.management import get_commands

    services = compose()["services"]
    web = services["web"]["command"]
    assert "gunicorn tracker.wsgi:application" in web
    assert importlib.util.find_spec("tracker.wsgi") is not None
    assert importlib.util.find_spec("gunicorn") is not None
    management = re.findall(r"python manage\.py (\w+)", web)
    assert {"migrate", "load_papers", "load_indicators"} <= set(management)
    assert set(management) <= set(get_commands()), set(management) - set(get_commands())
    for name, role in (("worker", "worker"), ("beat", "beat")):
        argv = shlex.split(services[name]["command"])
        assert argv[:4] == ["celery", "-A", "tracker", role]
    from tracker.celery import app

    assert app.main == "tracker"


def test_check_deploy_is_clean():
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x" * 20 + "-deploy-check-secret-with-enough-entropy-0123456789",
        "DJANGO_ALLOWED_HOSTS": "tracker.example.org",
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
