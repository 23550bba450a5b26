"""The Celery beat schedule: one entry per indicator, from indicators.yaml.

Read by tracker/settings.py, so it must not import models (the app registry is
not ready when settings load).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from celery.schedules import crontab

INDICATORS_FILE = Path(__file__).resolve().parent / "data" / "indicators.yaml"
REFRESH_TASK = "evidence.tasks.refresh_indicator"


def parse_crontab(spec: str) -> crontab:
    """``"minute hour day_of_month month_of_year day_of_week"`` → crontab."""
    parts = spec.split()
    if len(parts) != 5:
        raise ValueError(f"schedule {spec!r} must have five crontab fields")
    minute, hour, day_of_month, month_of_year, day_of_week = parts
    return crontab(
        minute=minute,
        hour=hour,
        day_of_month=day_of_month,
        month_of_year=month_of_year,
        day_of_week=day_of_week,
    )


def indicator_beat_schedule(path: Path = INDICATORS_FILE) -> dict:
    data = yaml.safe_load(path.read_text()) or {}
    return {
        f"refresh-{item['slug']}": {
            "task": REFRESH_TASK,
            "schedule": parse_crontab(item["schedule"]),
            "args": (item["slug"],),
        }
        for item in data.get("indicators", [])
    }


# --- Watch: evidence links that never rot (evidence.linkhealth) ----------------------

LINK_CHECK_TASK = "evidence.tasks.check_evidence_links"


def link_check_beat_schedule(spec: str) -> dict:
    """The periodic link check, on the crontab ``spec`` (``LINK_CHECK_SCHEDULE``)."""
    return {"check-evidence-links": {"task": LINK_CHECK_TASK, "schedule": parse_crontab(spec)}}
