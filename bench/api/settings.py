"""Benchmark settings: the production settings plus a URL module holding a bare
JSON view, so both are served by the same gunicorn in the same run.  Selected
with DJANGO_SETTINGS_MODULE=bench.api.settings (never in production).

``BENCH_STATIC_ROOT``: where ``run.sh`` collects the static files (a temporary
directory), so the manifest storage of production serves the pages without
touching the project's own ``staticfiles/``."""

import os
from pathlib import Path

from tracker.settings import *  # noqa: F403
from tracker.settings import STATIC_ROOT

ROOT_URLCONF = "bench.api.urls"
STATIC_ROOT = Path(os.environ.get("BENCH_STATIC_ROOT") or STATIC_ROOT)
