"""Time requests in-process (django.test.Client through the real URLconf and
middleware, no HTTP server) against a database seeded as ``run.sh`` seeds it.

    export DJANGO_SETTINGS_MODULE=bench.api.settings DATABASE_URL=postgres://.../tracker_x
    uv run python manage.py migrate && uv run python manage.py load_papers
    uv run python manage.py seed_synthetic --proposals 3000 --evidence 10000
    DJANGO_ALLOWED_HOSTS=testserver uv run python bench/api/inprocess.py [N] [--profile]

With no other option: the median and mean milliseconds and the queries per
request of the proposals list and detail (N requests each, after one to warm
up); ``--profile`` adds a cProfile of the list (top 25 by cumulative time).

``run.sh`` uses the measuring options instead, writing ``--json FILE``:

* ``--after-bump ROUNDS``: for every path of ``common.paths()``, ROUNDS times,
  bump the data revision (``tracker.revision``) and time that path's first
  request: median and max ms, and the queries of that first request.  Skipped
  with "no revision module" while the project has none.
* ``--warm N``: every path once to prime it, then N requests: median ms.
* ``--search N``: N distinct searches (words, phrases and pairs from the
  synthetic vocabulary) on ``/api/v1/proposals/?q=``, each once, with the
  response cache off: p50, p95 and max ms.

``--budget SECONDS`` (default 600) bounds every loop in time as well as in count.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path
from typing import Any

import common

common.setup_django()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from policies.management.synthetic import WORDS  # noqa: E402
from policies.models import Proposal, StatusUpdate  # noqa: E402

SEARCH = "/api/v1/proposals/"


def legacy_urls() -> list[str]:
    updated = StatusUpdate.objects.order_by("pk").values_list("proposal__reference", flat=True)
    reference = updated.first()
    if not reference:
        proposal = Proposal.objects.first()
        if proposal is None:
            raise SystemExit("no proposals: seed the database first (see the module doc)")
        reference = proposal.reference
    return [
        "/api/v1/proposals/?page_size=25",
        "/api/v1/proposals/?page_size=100&paper=199",
        "/api/v1/proposals/118-2d/",
        f"/api/v1/proposals/{reference}/",
    ]


def time_url(client: Client, url: str, n: int) -> None:
    client.get(url)  # warm up (URL resolver, serializer classes, connection)
    times = []
    with CaptureQueriesContext(connection) as queries:
        for _ in range(n):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
    print(
        f"{url:48} median {statistics.median(times):6.1f} ms  mean {statistics.mean(times):6.1f} ms"
        f"  {len(queries.captured_queries) / n:.0f} queries"
    )


class RequestFailed(RuntimeError):
    pass


def timed_get(client: Client, path: str, data: dict[str, str] | None = None) -> tuple[float, Any]:
    start = time.perf_counter()
    response = client.get(path, data)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise RequestFailed(f"{path} {data or ''}: status {response.status_code}, not 200")
    return elapsed, response


def answering(
    client: Client, targets: list[tuple[str, str]]
) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """The paths that answer 200 (each requested once: imports, URL resolver and
    templates loaded, not what is measured), and why the others failed."""
    good, failed = [], {}
    for label, path in targets:
        try:
            timed_get(client, path)
            good.append((label, path))
        except RequestFailed as error:
            failed[path] = str(error)
            print(f"  {label:20} FAILED: {error}; not measured", flush=True)
    return good, failed


def queries_of(client: Client, path: str, module: Any = None) -> int:
    """Queries of one request (after a bump when ``module`` is given); not timed."""
    if module is not None:
        common.bump(module)
    with CaptureQueriesContext(connection) as captured:
        timed_get(client, path)
    return len(captured.captured_queries)


def after_bump(
    client: Client, targets: list[tuple[str, str]], rounds: int, budget: common.Budget
) -> dict[str, Any] | None:
    module = common.revision()
    if module is None:
        print("no revision module: skipping the in-process after-bump timings", flush=True)
        return None
    timings: dict[str, list[float]] = {path: [] for _, path in targets}
    for _ in range(rounds):
        if budget.spent():
            break
        for _, path in targets:
            common.bump(module)
            timings[path].append(timed_get(client, path)[0])
    results = []
    for label, path in targets:
        ms = timings[path]
        results.append(
            {
                "label": label,
                "path": path,
                "median_ms": round(statistics.median(ms), 2) if ms else None,
                "max_ms": round(max(ms), 2) if ms else None,
                "queries": queries_of(client, path, module),
                "ms": [round(t, 2) for t in ms],
            }
        )
        print(
            f"  after bump {label:20} median {results[-1]['median_ms']} ms, "
            f"max {results[-1]['max_ms']} ms, {results[-1]['queries']} queries",
            flush=True,
        )
    return {"rounds": len(timings[targets[0][1]]), "paths": results}


def warm(
    client: Client, targets: list[tuple[str, str]], n: int, budget: common.Budget
) -> list[dict[str, Any]]:
    results = []
    for label, path in targets:
        timed_get(client, path)  # prime
        ms = []
        for _ in range(n):
            if budget.spent():
                break
            ms.append(timed_get(client, path)[0])
        results.append(
            {
                "label": label,
                "path": path,
                "median_ms": round(statistics.median(ms), 2) if ms else None,
                "queries": queries_of(client, path),
                "requests": len(ms),
            }
        )
        print(f"  warm {label:20} median {results[-1]['median_ms']} ms", flush=True)
    return results


def search_queries(n: int) -> list[str]:
    """n distinct searches from the synthetic vocabulary: quoted phrases, single
    words, then pairs of either."""

    def term(word: str) -> str:
        return f'"{word}"' if " " in word else word

    rng = random.Random(200)
    queries: list[str] = []
    candidates = [term(w) for w in WORDS if " " in w] + [w for w in WORDS if " " not in w][:40]
    for _ in range(n * 100):
        if len(queries) >= n:
            break
        query = candidates.pop(0) if candidates else " ".join(map(term, rng.sample(WORDS, 2)))
        if query not in queries:
            queries.append(query)
    return queries


def search(client: Client, n: int, budget: common.Budget) -> dict[str, Any]:
    """Each query once, with the response cache off (``RESPONSE_CACHE_ENABLED``,
    read at every request by ``tracker.cache``), so every answer is built."""
    queries = search_queries(n)
    ms: list[float] = []
    found: list[int] = []
    failed: list[str] = []
    asked: list[str] = []
    with override_settings(RESPONSE_CACHE_ENABLED=False):
        # "synthetic" (no query of the list) warms the code path and is not counted.
        for number, query in enumerate(["synthetic", *queries]):
            if budget.spent():
                break
            try:
                elapsed, response = timed_get(client, SEARCH, {"q": query})
            except RequestFailed as error:
                failed.append(str(error))
                continue
            if number:
                asked.append(query)
                ms.append(elapsed)
                found.append(response.json()["count"])
    if failed:
        print(f"  search: {len(failed)} queries FAILED, e.g. {failed[0]}", flush=True)
    if not ms:
        return {"path": SEARCH + "?q=...", "queries": 0, "failed": failed}
    result = {
        "path": SEARCH + "?q=...",
        "queries": len(ms),
        "distinct": len(set(asked)),
        "failed": failed,
        "p50_ms": round(common.percentile(ms, 0.50), 2),
        "p95_ms": round(common.percentile(ms, 0.95), 2),
        "max_ms": round(max(ms), 2),
        "matches_median": statistics.median(found),
        "no_match": sum(1 for f in found if f == 0),
        "examples": queries[:5] + queries[-3:],
    }
    print(
        f"  search: {result['queries']} distinct queries, p50 {result['p50_ms']} ms, "
        f"p95 {result['p95_ms']} ms, max {result['max_ms']} ms",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=50, help="legacy mode: requests per URL")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--after-bump", type=int, default=0, metavar="ROUNDS")
    parser.add_argument("--warm", type=int, default=0, metavar="N")
    parser.add_argument("--search", type=int, default=0, metavar="N")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--budget", type=float, default=600, metavar="SECONDS")
    args = parser.parse_args()
    client = Client(raise_request_exception=False)
    budget = common.Budget(args.budget)
    if not (args.after_bump or args.warm or args.search):
        for url in legacy_urls():
            time_url(client, url, args.n)
    else:
        targets, failed = answering(client, common.paths())
        result: dict[str, Any] = {"budget_seconds": args.budget, "failed": failed}
        if args.after_bump:
            result["after_bump"] = after_bump(client, targets, args.after_bump, budget)
        if args.warm:
            result["warm"] = warm(client, targets, args.warm, budget)
        if args.search:
            result["search"] = search(client, args.search, budget)
        result["budget_exceeded"] = budget.exceeded
        if budget.exceeded:
            print(f"  the {args.budget:.0f} s budget ran out: fewer requests than asked")
        if args.json:
            args.json.write_text(json.dumps(result, indent=2))
    if args.profile:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.n):
            client.get("/api/v1/proposals/?page_size=25")
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
