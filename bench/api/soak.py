"""The soak: a long mixed read load against the gunicorn ``run.sh`` started, to see
what time does (issue 13): errors, tail latency, and the memory of the workers.

One wrk run of ``--seconds`` (``BENCH_SOAK_SECONDS``, default 300) at
``--connections`` (32) through ``mixed.lua`` (API lists, details and searches,
pages, Atom feeds, in turn; every path is checked to answer 200 first), while the
resident memory (RSS, from ``/proc``) of each gunicorn worker, the children of
the master ``--master``, is sampled every ``--sample-every`` seconds.  Reports the
error count (non-2xx/3xx answers and socket errors), p50/p90/p99 latency,
requests/second, and each worker's RSS at the start and the end (a worker that
was replaced during the run is reported as such).  Writes
``bench/results/soak.json`` and ``bench/results/soak-YYYYMMDDTHHMMSSZ.json``;
exits 1 when there was any error.

    python bench/api/soak.py --base http://127.0.0.1:8766 --master PID [--seconds 300]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from wrkbench import parse_wrk

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parents[1] / "bench" / "results"
SCRIPT = HERE / "mixed.lua"


def lua_paths(script: Path = SCRIPT) -> list[str]:
    return re.findall(r'^  "(/[^"]*)",$', script.read_text(), re.MULTILINE)


def workers(master: int) -> list[int]:
    """The master's children (gunicorn's workers), from /proc."""
    children: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after the last ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == master:
            children.append(int(entry.name))
    return sorted(children)


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def sample(master: int) -> dict[str, float | None]:
    return {str(pid): rss_mib(pid) for pid in workers(master)}


def check_paths(base: str, paths: list[str]) -> None:
    for path in paths:
        try:
            with urllib.request.urlopen(base + path, timeout=60) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        if status != 200:
            raise SystemExit(f"soak: {path} answered {status}; not soaking")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--base", required=True, help="http://127.0.0.1:PORT")
    parser.add_argument("--master", type=int, required=True, help="gunicorn master's pid")
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sample-every", type=float, default=30.0)
    args = parser.parse_args()

    paths = lua_paths()
    check_paths(args.base, paths)
    start_rss = sample(args.master)
    if not start_rss:
        raise SystemExit(f"soak: no gunicorn workers under pid {args.master}")
    uptime_before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(
        f"soak: {args.seconds} s, wrk -t{args.threads} -c{args.connections} over "
        f"{len(paths)} paths; workers' RSS (MiB) at start: {start_rss}",
        flush=True,
    )
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.seconds}s",
        "--timeout",
        "30s",
        "--latency",
        "-s",
        str(SCRIPT),
        args.base,
    ]
    samples: list[dict[str, Any]] = [{"t": 0.0, "rss_mib": start_rss}]
    started = time.monotonic()
    wrk = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        while wrk.poll() is None:
            time.sleep(min(args.sample_every, 1.0))
            elapsed = time.monotonic() - started
            if elapsed - samples[-1]["t"] >= args.sample_every:
                samples.append({"t": round(elapsed, 1), "rss_mib": sample(args.master)})
        output = wrk.stdout.read() if wrk.stdout else ""
    finally:
        if wrk.poll() is None:
            wrk.kill()
    if wrk.returncode != 0:
        raise SystemExit(f"soak: wrk failed ({wrk.returncode}):\n{output}")
    end_rss = sample(args.master)
    samples.append({"t": round(time.monotonic() - started, 1), "rss_mib": end_rss})
    result = parse_wrk(output)
    errors = result["non_2xx"] + result["socket_errors"]
    replaced = sorted(set(start_rss) ^ set(end_rss))
    report = {
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seconds": args.seconds,
        "connections": args.connections,
        "threads": args.threads,
        "paths": paths,
        "uptime_before": uptime_before,
        "uptime_after": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(),
        "errors": errors,
        **result,
        "rss_mib_start": start_rss,
        "rss_mib_end": end_rss,
        "workers_replaced": replaced,
        "samples": samples,
        "wrk_output": output,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for name in ("soak.json", f"soak-{stamp}.json"):
        (RESULTS / name).write_text(json.dumps(report, indent=2) + "\n")

    print(
        f"soak: {result['requests']} requests, {result['rps']:.0f} req/s, errors {errors} "
        f"(non-2xx/3xx {result['non_2xx']}, socket {result['socket_errors']}); "
        f"p50 {result.get('p50_ms')} ms, p90 {result.get('p90_ms')} ms, "
        f"p99 {result.get('p99_ms')} ms"
    )
    for pid in sorted(set(start_rss) | set(end_rss), key=int):
        print(
            f"soak: worker {pid}: RSS {start_rss.get(pid, '-')} MiB at start, "
            f"{end_rss.get(pid, '-')} MiB at the end"
        )
    if replaced:
        print(f"soak: workers replaced during the run: {replaced}")
    print(f"soak: load {report['uptime_before']!r} → {report['uptime_after']!r}")
    print(f"written: bench/results/soak.json and bench/results/soak-{stamp}.json")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
