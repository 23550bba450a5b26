"""Indicator definitions, the beat schedule, the Celery tasks and the commands."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml
from celery.schedules import crontab
from django.core.management import call_command

from evidence import services
from evidence.models import Indicator, IndicatorLink, Observation, RefreshRun
from evidence.schedule import INDICATORS_FILE, indicator_beat_schedule
from evidence.sources import TransientSourceError
from tests.payloads.server import POLICE, Reply
from tracker.celery import app

pytestmark = pytest.mark.django_db


def test_load_indicators_is_idempotent_and_stores_no_figures(papers):
    first = services.load_indicators()
    assert first["indicators_created"] == len(
        yaml.safe_load(INDICATORS_FILE.read_text())["indicators"]
    )
    links = list(IndicatorLink.objects.values_list("pk", "rationale").order_by("pk"))
    second = services.load_indicators()
    assert second == {
        "indicators_created": 0,
        "indicators_updated": 0,
        "links_changed": 0,
        "areas_created": 0,
        "aliases_created": 0,
    }
    assert list(IndicatorLink.objects.values_list("pk", "rationale").order_by("pk")) == links
    assert not Observation.objects.exists()


def test_every_indicator_links_proposals_with_a_rationale(indicators):
    for indicator in indicators:
        links = list(indicator.links.select_related("proposal"))
        assert links, indicator.slug
        assert all(0 < len(link.rationale) <= 300 for link in links)
    assert (
        Indicator.objects.get(slug="section-60-searches")
        .proposals.filter(reference="118-4d")
        .exists()
    )


def test_a_bad_definitions_file_is_refused_whole(papers, tmp_path):
    data = yaml.safe_load(INDICATORS_FILE.read_text())
    data["indicators"][0]["links"][0]["proposal"] = "999-9z"
    data["indicators"][1]["schedule"] = "every day"
    bad = tmp_path / "indicators.yaml"
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(services.IndicatorDataError) as info:
        services.load_indicators(bad)
    assert any("999-9z" in p for p in info.value.problems)
    assert any("five crontab fields" in p for p in info.value.problems)
    assert not Indicator.objects.exists()


def test_load_indicators_command(papers):
    out = io.StringIO()
    call_command("load_indicators", stdout=out)
    assert "indicators created: 11" in out.getvalue()


def test_every_indicator_has_a_beat_entry_resolving_to_a_registered_task(indicators):
    schedule = app.conf.beat_schedule
    refreshes = {name: entry for name, entry in schedule.items() if name.startswith("refresh-")}
    assert refreshes == indicator_beat_schedule()
    app.loader.import_default_modules()
    for indicator in indicators:
        entry = schedule[f"refresh-{indicator.slug}"]
        assert entry["args"] == (indicator.slug,)
        assert isinstance(entry["schedule"], crontab)
    assert len(refreshes) == indicators.count()
    # The other entries (the run reaper, the evidence link check) are each checked in
    # their own tests; every entry of the schedule names a task the worker knows.
    for name, entry in schedule.items():
        assert entry["task"] in app.tasks, (name, entry["task"])


def test_refresh_task_options():
    from evidence.tasks import refresh_indicator

    assert refresh_indicator.acks_late is True
    # Options of @app.task(...): set on the task class at runtime, not declared by celery-types.
    assert refresh_indicator.retry_backoff and refresh_indicator.retry_jitter  # type: ignore[attr-defined]
    assert TransientSourceError in refresh_indicator.autoretry_for  # type: ignore[attr-defined]
    soft, hard = refresh_indicator.soft_time_limit, refresh_indicator.time_limit
    assert soft is not None and hard is not None
    assert 0 < soft < hard


def test_refresh_task_stores_figures(indicators, payloads):
    from evidence.tasks import refresh_indicator

    result = refresh_indicator.delay("homicide").get()
    assert result["outcome"] == "success" and result["added"] > 0
    assert Observation.objects.filter(indicator__slug="homicide").count() == result["added"]


def test_a_transient_failure_is_retried_by_the_task(indicators, payloads, monkeypatch):
    from evidence.tasks import refresh_indicator

    calls = []
    real = services.refresh_indicator

    def flaky(indicator):
        calls.append(indicator.slug)
        if len(calls) == 1:
            raise TransientSourceError("synthetic outage")
        return real(indicator)

    monkeypatch.setattr(services, "refresh_indicator", flaky)
    result = refresh_indicator.apply(args=("homicide",), throw=False)
    assert calls == ["homicide", "homicide"] and result.get()["outcome"] == "success"


def test_refresh_all_enqueues_one_task_per_indicator(indicators, payloads, monkeypatch):
    from evidence import tasks

    enqueued = []
    monkeypatch.setattr(tasks.refresh_indicator, "delay", lambda slug: enqueued.append(slug))
    assert tasks.refresh_all_indicators() == enqueued
    assert sorted(enqueued) == sorted(indicators.values_list("slug", flat=True))


def test_command_one_failing_source_does_not_stop_the_others(indicators, payloads):
    payloads.route(POLICE + "crime-last-updated", Reply(500, b"synthetic failure"))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as info:
        call_command("refresh_indicators", "--no-progress", stdout=out, stderr=err)
    assert info.value.code == 1
    failed = set(
        RefreshRun.objects.filter(outcome="failed").values_list("indicator__slug", flat=True)
    )
    assert failed == {
        "section-60-searches",
        "searches-self-defined-black",
        "stop-search-black",
        "stop-search-white",
    }
    # The stop-and-search pages are not served by the synthetic server; the rest succeed.
    ok = set(RefreshRun.objects.filter(outcome="success").values_list("indicator__slug", flat=True))
    assert ok == {
        "police-officers-fte",
        "homicide",
        "possession-of-weapons",
        "residential-burglary",
        "personal-robbery",
        "drug-possession",
        "fraud-offences",
    }
    assert "homicide: read" in out.getvalue() and "4 failed" in err.getvalue()


def test_command_single_indicator_with_progress_bar(indicators, payloads):
    out, err = io.StringIO(), io.StringIO()
    call_command("refresh_indicators", "--indicator", "homicide", stdout=out, stderr=err)
    assert out.getvalue().startswith("homicide: read")
    assert RefreshRun.objects.get().outcome == "success"


def test_command_unknown_indicator(indicators):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no indicator 'nope'"):
        call_command("refresh_indicators", "--indicator", "nope")


def test_makefile_load_target_runs_load_indicators_after_load_papers():
    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text()
    load = makefile[makefile.index("\nload:") :].split("\n\n")[0]
    assert load.index("load_papers") < load.index("load_indicators")
