"""Time the proposals list and detail in-process (django.test.Client, no HTTP
server), against a database seeded as ``run.sh`` seeds it:

    export DJANGO_SETTINGS_MODULE=bench.api.settings DATABASE_URL=postgres://.../tracker_x
    uv run python manage.py migrate && uv run python manage.py load_papers
    uv run python bench/api/seed.py 3000
    DJANGO_ALLOWED_HOSTS=testserver uv run python bench/api/inprocess.py [N] [--profile]

Prints the median and mean milliseconds per request and the queries per request
for each URL.  ``--profile`` adds a cProfile of the list (top 25 by cumulative time).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from policies.models import Proposal, StatusUpdate  # noqa: E402


def urls() -> list[str]:
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


def main() -> None:
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), 50))
    client = Client()
    for url in urls():
        time_url(client, url, n)
    if "--profile" in sys.argv:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.enable()
        for _ in range(n):
            client.get("/api/v1/proposals/?page_size=25")
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
