"""Benchmark settings: the production settings plus a URL module holding a bare
JSON view, so both are served by the same gunicorn in the same run.  Selected
with DJANGO_SETTINGS_MODULE=bench.api.settings (never in production)."""

from tracker.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api.urls"
