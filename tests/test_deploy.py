"""Production is the default, and it fails closed: with ``DJANGO_DEBUG`` unset the
settings are the production ones, and they refuse to start, naming the setting,
without a real secret key, allowed hosts or a real email backend.  The laptop paths
(``make run``, ``make check-deploy``, the Dockerfile's ``collectstatic``) still start.

Each case runs ``manage.py check`` (or reads the settings) in a fresh process with a
controlled environment: the test suite's own process is ``TESTING`` and never fails
closed.  The compose file's structure is checked in tests/test_compose.py."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-only-insecure-secret-key-never-use-in-production"
STRONG_SECRET = "synthetic-test-secret-" + "k3Y9-q7Zr2-W8xV5-mN4b6" * 3
SMTP = "django.core.mail.backends.smtp.EmailBackend"
# What an operator gives production: everything the settings require.
PRODUCTION = {
    "DJANGO_SECRET_KEY": STRONG_SECRET,
    "DJANGO_ALLOWED_HOSTS": "tracker.example.org",
    "DJANGO_EMAIL_BACKEND": SMTP,
}
SHOW = (
    "print(s.DEBUG, getattr(s, 'SESSION_COOKIE_SECURE', False), "
    "getattr(s, 'SECURE_SSL_REDIRECT', False), "
    f"s.SECRET_KEY == {DEV_SECRET!r}, s.EMAIL_BACKEND)"
)


def clean_env(**overrides: str) -> dict[str, str]:
    """This process's environment without anything the settings read for these checks
    (so a developer's shell, or ``make test``'s DJANGO_DEBUG=1, cannot leak in)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "EMAIL_", "PYTEST_"))
        and k not in {"DATABASE_URL", "REDIS_URL", "LOG_FORMAT", "SITE_URL"}
    }
    env["SQLITE_PATH"] = "/nonexistent/never-opened.sqlite3"  # `check` opens no database
    env.update(overrides)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=120
    )


def check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "manage.py", "check"], env)


def load_settings(env: dict[str, str], code: str = "") -> subprocess.CompletedProcess[str]:
    """Import the settings module in a fresh process (what every entry point does
    first: manage.py, gunicorn, celery), then run ``code`` with it as ``s``."""
    return run([sys.executable, "-c", "import tracker.settings as s\n" + code], env)


def show(env: dict[str, str]) -> str:
    result = load_settings(env, SHOW)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def refusal(env: dict[str, str]) -> str:
    """The refusal message of a start that must fail (its last lines, where it names
    the setting), asserting that it did fail."""
    result = load_settings(env)
    assert result.returncode != 0, "started: " + result.stdout + result.stderr
    assert "ImproperlyConfigured" in result.stderr, result.stderr
    return result.stderr.strip().rsplit("ImproperlyConfigured", 1)[1]


# --- high: DJANGO_DEBUG unset gave DEBUG=True with the public dev key ------------------


def test_debug_unset_means_production_settings():
    assert show(clean_env(**PRODUCTION)) == f"False True True False {SMTP}"


def test_debug_unset_without_a_secret_key_refuses_naming_it():
    env = clean_env(**PRODUCTION)
    del env["DJANGO_SECRET_KEY"]
    assert "DJANGO_SECRET_KEY" in refusal(env)


@pytest.mark.parametrize(
    "secret, reason",
    [
        ("", "not set"),
        (DEV_SECRET, "development key"),
        ("short-but-not-empty-secret", "at least 50"),
        ("django-insecure-" + "x7" * 30, "insecure"),
        ("ab" * 40, "distinct"),
    ],
    ids=["empty", "dev-key", "short", "django-insecure", "few-distinct"],
)
def test_a_weak_secret_key_is_refused(secret, reason):
    message = refusal(clean_env(**{**PRODUCTION, "DJANGO_SECRET_KEY": secret}))
    assert "DJANGO_SECRET_KEY" in message and reason in message


@pytest.mark.parametrize("hosts", [None, "", " , ", "*"], ids=["unset", "empty", "blank", "any"])
def test_allowed_hosts_must_be_named(hosts):
    env = clean_env(**PRODUCTION)
    del env["DJANGO_ALLOWED_HOSTS"]
    if hosts is not None:
        env["DJANGO_ALLOWED_HOSTS"] = hosts
    assert "DJANGO_ALLOWED_HOSTS" in refusal(env)


def test_every_missing_setting_is_named_at_once():
    message = refusal(clean_env())
    for name in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DJANGO_EMAIL_BACKEND"):
        assert name in message


def test_debug_off_explicitly_fails_closed_too():
    assert "DJANGO_SECRET_KEY" in refusal(clean_env(DJANGO_DEBUG="0"))


# --- medium: with DEBUG=0 the password-reset link was printed to the log -------------


@pytest.mark.parametrize(
    "backend",
    [
        None,
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
    ],
    ids=["unset", "console", "locmem", "dummy", "filebased"],
)
def test_production_refuses_an_email_backend_that_sends_nothing(backend):
    env = clean_env(**PRODUCTION)
    del env["DJANGO_EMAIL_BACKEND"]
    if backend is not None:
        env["DJANGO_EMAIL_BACKEND"] = backend
    assert "DJANGO_EMAIL_BACKEND" in refusal(env)


def test_smtp_settings_come_from_the_environment():
    env = clean_env(
        **PRODUCTION,
        EMAIL_HOST="smtp.example.org",
        EMAIL_PORT="2525",
        EMAIL_HOST_USER="tracker",
        EMAIL_HOST_PASSWORD="synthetic-password",
        EMAIL_USE_TLS="1",
        DJANGO_DEFAULT_FROM_EMAIL="tracker@example.org",
    )
    code = (
        "print(s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, "
        "s.EMAIL_USE_TLS, s.EMAIL_USE_SSL, s.DEFAULT_FROM_EMAIL, s.SERVER_EMAIL)"
    )
    result = load_settings(env, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "smtp.example.org",
        "2525",
        "tracker",
        "synthetic-password",
        "True",
        "False",
        "tracker@example.org",
        "tracker@example.org",
    ]


# --- the paths that must still start -------------------------------------------------


def test_development_mode_needs_nothing_else():
    env = clean_env(DJANGO_DEBUG="1")
    result = check(env)
    assert result.returncode == 0, result.stderr
    assert show(env) == ("True False False True django.core.mail.backends.console.EmailBackend")


@pytest.mark.skipif(shutil.which("make") is None, reason="no make")
def test_make_runs_the_laptop_targets_in_development_mode(tmp_path):
    """``make run``'s own chain (install → migrate → load → runserver) from a shell
    with no DJANGO_* at all: its first step that imports the settings starts."""
    env = clean_env(SQLITE_PATH=str(tmp_path / "make.sqlite3"))
    # -o: never re-sync the environment from here (dependencies are fixed).
    result = run(["make", "-s", "-o", ".venv/.synced", "migrate"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "make.sqlite3").stat().st_size > 0
    dry = run(["make", "-n", "-o", ".venv/.synced", "run"], env).stdout
    assert "runserver" in dry


def test_check_deploy_target_is_clean():
    """The Makefile's check-deploy recipe, run as written, passes with --fail-level WARNING."""
    recipe = makefile_recipe("check-deploy")
    # $(MANAGE) as the Makefile defines it, with this interpreter.
    command = recipe.replace("$(MANAGE)", f"{shlex.quote(sys.executable)} manage.py").replace(
        "$$", "$"
    )
    result = run(["sh", "-c", command], clean_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "--deploy" in command and "WARNING" in command


def makefile_recipe(target: str) -> str:
    text = (ROOT / "Makefile").read_text()
    match = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n)+)", text, re.MULTILINE)
    assert match, f"no {target} target"
    return " ".join(line.strip().rstrip("\\").strip() for line in match.group(1).splitlines())


def dockerfile_lines() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_dockerfile_collectstatic_step_starts_with_what_it_is_given():
    """The build's collectstatic runs with production settings (manifest storage):
    the exact RUN line, with `check` in place of `collectstatic`, must start."""
    (line,) = [x for x in dockerfile_lines() if "collectstatic" in x]
    command = line.removeprefix("RUN ").replace(
        "python manage.py collectstatic --no-input",
        f"{shlex.quote(sys.executable)} manage.py check",
    )
    assert "check" in command
    result = run(["sh", "-c", command], clean_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "DJANGO_DEBUG=1" not in line


def test_dockerfile_runs_without_debug():
    lines = dockerfile_lines()
    env = " ".join(x for x in lines if x.startswith("ENV "))
    assert re.search(r"\bDJANGO_DEBUG=0\b", env), env
    (cmd,) = [x for x in lines if x.startswith("CMD ")]
    assert "gunicorn" in cmd and "DJANGO_DEBUG" not in cmd
    assert not any("DJANGO_DEBUG=1" in x or "DJANGO_DEBUG=true" in x.lower() for x in lines)


def test_the_type_checker_reads_the_settings_without_a_production_environment():
    """mypy's Django plugin imports the settings to read them (``make typecheck`` and a
    bare ``mypy``): that is not a server start, and must not be refused."""
    result = load_settings(clean_env(), "")
    assert result.returncode != 0  # a bare import is a start: refused
    result = run([sys.executable, "-c", "import mypy\nimport tracker.settings"], clean_env())
    assert result.returncode == 0, result.stderr
