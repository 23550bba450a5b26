"""wrk against the gunicorn ``run.sh`` started: every path of ``common.paths()`` as
a ratio to the bare 50-row JSON view served by the same gunicorn.

For each path, ``--rounds`` rounds of (bare, then the path), each a wrk run of
``--duration``; the ratio of a round is the path's requests/second over the
bare view's in that round, and the median ratio is reported with the medians
of wrk's p50 and p99 latencies.  Every path is primed with one request first
(status 200 checked, its time reported as "first").  Then, when the project has
a data revision (``tracker.revision``), ``--bump-rounds`` times over: for each
path, bump the revision and time that path's first request (over HTTP).

    python bench/api/wrkbench.py --base http://127.0.0.1:8766 --out FILE

Run by ``run.sh`` with its environment (settings, database, Redis).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import common

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def seconds(duration: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([smh]?)", duration)
    if not match:
        raise SystemExit(f"duration {duration!r}: use a number of seconds, e.g. 5s")
    return float(match[1]) * {"": 1, "s": 1, "m": 60, "h": 3600}[match[2]]


def to_ms(value: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(us|ms|s|m|h)", value)
    if not match:
        raise ValueError(f"unreadable wrk latency {value!r}")
    return float(match[1]) * UNITS[match[2]]


def parse_wrk(output: str) -> dict[str, Any]:
    """Requests/second, the latency distribution (ms) and the errors of one wrk run."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    if not rps or not total:
        raise RuntimeError(f"wrk said nothing usable:\n{output}")
    latency = {
        f"p{pct}_ms": to_ms(value)
        for pct, value in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.MULTILINE)
    }
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "rps": float(rps[1]),
        "requests": int(total[1]),
        **latency,
        "non_2xx": int(non2xx[1]) if non2xx else 0,
        "socket_errors": sum(int(n) for n in sockets.groups()) if sockets else 0,
    }


def wrk(url: str, args: argparse.Namespace) -> dict[str, Any]:
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.duration}",
        "--timeout",
        "30s",
        "--latency",
        url,
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds(args.duration) + 60
    )
    return parse_wrk(done.stdout)


def get_ms(url: str) -> tuple[float, int, int, str | None]:
    """One GET: milliseconds to the whole body, status, body bytes, and the data
    revision the answer says it is of (``X-Data-Revision``, where there is one)."""
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            body = response.read()
            status = response.status
            revision = response.headers.get("X-Data-Revision")
    except urllib.error.HTTPError as error:
        body, status, revision = error.read(), error.code, None
    return (time.perf_counter() - start) * 1000, status, len(body), revision


def measure_path(base: str, label: str, path: str, args: argparse.Namespace) -> dict[str, Any]:
    first_ms, status, size, _ = get_ms(base + path)
    if status != 200:
        print(f"  {label:20} FAILED: status {status}, not measured", flush=True)
        return {"label": label, "path": path, "failed": f"status {status}"}
    rounds = []
    for _ in range(args.rounds):
        bare = wrk(base + common.BARE, args)
        measured = wrk(base + path, args)
        rounds.append({"bare": bare, "path": measured, "ratio": measured["rps"] / bare["rps"]})

    def median(side: str, key: str) -> float | None:
        values = [r[side][key] for r in rounds if key in r[side]]
        return round(statistics.median(values), 3) if values else None

    result = {
        "label": label,
        "path": path,
        "bytes": size,
        "first_ms": round(first_ms, 1),
        "ratio": round(statistics.median(r["ratio"] for r in rounds), 4),
        "ratios": [round(r["ratio"], 4) for r in rounds],
        "rps": median("path", "rps"),
        "bare_rps": median("bare", "rps"),
        "p50_ms": median("path", "p50_ms"),
        "p99_ms": median("path", "p99_ms"),
        "bare_p50_ms": median("bare", "p50_ms"),
        "bare_p99_ms": median("bare", "p99_ms"),
        "errors": sum(
            r[s]["non_2xx"] + r[s]["socket_errors"] for r in rounds for s in ("bare", "path")
        ),
        "rounds": rounds,
    }
    print(
        f"  {label:20} ratio {result['ratio']:.4f} ({result['rps']} req/s against "
        f"{result['bare_rps']}), p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms",
        flush=True,
    )
    return result


def after_bump(base: str, targets: list[tuple[str, str]], rounds: int) -> dict[str, Any] | None:
    """Each path's first request after a bump.  A web process may use the revision
    it last read for ``DATA_REVISION_TTL`` seconds, so each request waits that long
    after its bump; an answer of an older revision is counted as ``stale``."""
    from django.conf import settings

    module = common.revision()
    if module is None:
        print("no revision module: skipping the after-bump timings", flush=True)
        return None
    settle = float(getattr(settings, "DATA_REVISION_TTL", 1.0)) + 0.1
    timings: dict[str, list[float]] = {path: [] for _, path in targets}
    stale = 0
    for _ in range(rounds):
        for _, path in targets:
            common.bump(module)
            expected = common.revision_number(module)
            time.sleep(settle)
            ms, status, _, answered = get_ms(base + path)
            if status != 200:
                raise RuntimeError(f"{path}: status {status} after a bump")
            if expected is not None and answered is not None and int(answered) < expected:
                stale += 1
            timings[path].append(ms)
    print(
        f"  after bump (HTTP, {rounds} rounds, {settle:.1f} s after each bump): "
        f"{stale} answers of an older revision",
        flush=True,
    )
    return {
        "rounds": rounds,
        "wait_after_bump_s": settle,
        "stale_answers": stale,
        "paths": [
            {
                "label": label,
                "path": path,
                "median_ms": round(statistics.median(timings[path]), 1),
                "max_ms": round(max(timings[path]), 1),
                "ms": [round(t, 1) for t in timings[path]],
            }
            for label, path in targets
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--base", required=True, help="http://127.0.0.1:PORT")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--duration", default="5s")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bump-rounds", type=int, default=3)
    args = parser.parse_args()
    if urlsplit(args.base).hostname != "127.0.0.1":
        raise SystemExit("the benchmark runs against 127.0.0.1 only")
    seconds(args.duration)  # refuse a bad duration before anything runs
    common.setup_django()
    base = args.base.rstrip("/")
    targets = common.paths()
    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}, {args.rounds} rounds "
        f"of bare then path, for {len(targets)} paths",
        flush=True,
    )
    results = [measure_path(base, label, path, args) for label, path in targets]
    answering = [(r["label"], r["path"]) for r in results if "failed" not in r]
    bumped = after_bump(base, answering, args.bump_rounds) if answering else None
    args.out.write_text(
        json.dumps(
            {
                "wrk": {
                    "threads": args.threads,
                    "connections": args.connections,
                    "duration": args.duration,
                    "rounds": args.rounds,
                },
                "paths": results,
                "after_bump_http": bumped,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
