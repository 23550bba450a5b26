"""Merge what ``run.sh`` measured into one result and print it as a table.

    python bench/api/report.py META.json WRK.json INPROCESS.json

Writes ``bench/results/api.json`` (the latest run) and a copy named after the
time of the run, ``bench/results/api-YYYYMMDDTHHMMSSZ.json``.  Needs no Django.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results"


def load(path: str) -> dict[str, Any]:
    file = Path(path)
    return json.loads(file.read_text()) if file.exists() and file.stat().st_size else {}


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(result: dict[str, Any]) -> str:
    meta, http, inproc = result["meta"], result["http"], result["inprocess"]
    lines = [
        f"API benchmark, {meta['measured_at']} (commit {meta.get('commit', '?')})",
        f"  {meta['proposals_in_database']} proposals ({meta['synthetic_proposals']} synthetic), "
        f"{meta['evidence_in_database']} evidence sources; seeded in {meta['seed_seconds']} s",
        f"  {meta['nproc']} CPUs; load before: {meta['uptime_before']}",
        f"  {'':13}after:  {meta['uptime_after']}",
        f"  revision module: {'yes' if meta['revision_module'] else 'no (after-bump skipped)'}",
    ]
    wrk = http.get("wrk", {})
    bumped = {p["path"]: p for p in (http.get("after_bump_http") or {}).get("paths", [])}
    lines += [
        "",
        f"HTTP: gunicorn {meta['gunicorn_workers']} sync workers, wrk -t{wrk.get('threads')} "
        f"-c{wrk.get('connections')} -d{wrk.get('duration')}, median of {wrk.get('rounds')} "
        "rounds (bare, then path); ratio = path req/s / bare 50-row JsonResponse req/s",
        f"  {'path':46} {'ratio':>7} {'req/s':>8} {'bare':>8} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'first':>7} {'bump med':>8} {'bump max':>8} {'errors':>6}",
    ]
    for p in http.get("paths", []):
        if "failed" in p:
            lines.append(f"  {p['path'][:46]:46} FAILED ({p['failed']}): not measured")
            continue
        after = bumped.get(p["path"], {})
        lines.append(
            f"  {p['path'][:46]:46} {p['ratio']:7.4f} {fmt(p['rps']):>8} {fmt(p['bare_rps']):>8} "
            f"{fmt(p['p50_ms'], 2):>7} {fmt(p['p99_ms'], 2):>7} {fmt(p['first_ms']):>7} "
            f"{fmt(after.get('median_ms')):>8} {fmt(after.get('max_ms')):>8} {p['errors']:>6}"
        )
    lines.append("  (first: the path's first request of the run; bump: its first request after a")
    lines.append("   revision bump, over HTTP, median and max of the bump rounds)")
    if http.get("after_bump_http") and http["after_bump_http"].get("stale_answers"):
        lines.append(
            f"  NOTE: {http['after_bump_http']['stale_answers']} after-bump answers were of "
            "an older revision (cached), so the bump columns understate the cost."
        )
    after = inproc.get("after_bump")
    warm = {p["path"]: p for p in inproc.get("warm") or []}
    lines += [
        "",
        "In-process (django.test.Client, production settings, same database and Redis):",
        f"  {'path':46} {'bump med':>8} {'bump max':>8} {'queries':>7} {'warm med':>8} "
        f"{'queries':>7}",
    ]
    rows = after["paths"] if after else [dict(p, median_ms=None) for p in warm.values()]
    for p in rows:
        w = warm.get(p["path"], {})
        lines.append(
            f"  {p['path'][:46]:46} {fmt(p.get('median_ms') if after else None, 2):>8} "
            f"{fmt(p.get('max_ms'), 2):>8} {fmt(p.get('queries') if after else None):>7} "
            f"{fmt(w.get('median_ms'), 2):>8} {fmt(w.get('queries')):>7}"
        )
    for path, why in (inproc.get("failed") or {}).items():
        lines.append(f"  {path[:46]:46} FAILED ({why}): not measured")
    if after:
        lines.append(f"  (bump: first request after a revision bump, {after['rounds']} rounds)")
    else:
        lines.append("  (no revision module: no after-bump timings)")
    search = inproc.get("search")
    if search and search.get("queries"):
        lines += [
            "",
            f"Search, cache bypassed: {search['queries']} distinct queries on {search['path']}: "
            f"p50 {search['p50_ms']} ms, p95 {search['p95_ms']} ms, max {search['max_ms']} ms "
            f"(median {search['matches_median']} matches, {search['no_match']} with none)",
        ]
    if search and search.get("failed"):
        lines.append(f"  NOTE: {len(search['failed'])} searches FAILED, e.g. {search['failed'][0]}")
    if inproc.get("budget_exceeded"):
        lines.append("  NOTE: the in-process time budget ran out: fewer requests than asked.")
    return "\n".join(lines)


def main() -> None:
    meta_path, http_path, inprocess_path = sys.argv[1:4]
    result = {"meta": load(meta_path), "http": load(http_path), "inprocess": load(inprocess_path)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.fromisoformat(result["meta"]["measured_at"]).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(result, indent=2)
    (RESULTS / "api.json").write_text(text)
    (RESULTS / f"api-{stamp}.json").write_text(text)
    print(table(result))
    print(f"\nwritten: bench/results/api.json and bench/results/api-{stamp}.json")
    if failures(result):
        raise SystemExit("some paths failed: " + "; ".join(failures(result)))


def failures(result: dict[str, Any]) -> list[str]:
    http = [
        f"{p['path']} ({p['failed']})" for p in result["http"].get("paths", []) if "failed" in p
    ]
    inprocess = [f"in-process {p}" for p in result["inprocess"].get("failed") or {}]
    search = (result["inprocess"].get("search") or {}).get("failed") or []
    missing = [name for name in ("http", "inprocess") if not result[name]]
    return (
        http
        + inprocess
        + [f"{len(search)} searches"] * bool(search)
        + [f"no {name} results" for name in missing]
    )


if __name__ == "__main__":
    main()
