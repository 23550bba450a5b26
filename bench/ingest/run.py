"""Ingest benchmark: a synthetic recorded-crime table (the layout of the Home
Office "police recorded crime by force area" open data), streamed, filtered,
summed and stored as one indicator's figures, through the hardened reader
(evidence/sources/spreadsheets.py: defusedxml for the prolog, lxml iterparse
for the body).

    uv run python bench/ingest/run.py            # 1,000,000 and 100,000 rows
    uv run python bench/ingest/run.py --rows 50000 --one

Each size runs in its own process, so peak memory (ru_maxrss) is that size's
alone.  Every figure in the generated file is made up.  Writes
bench/results/ingest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
SUBGROUPS = [
    "Homicide",
    "Residential burglary",
    "Robbery of personal property",
    "Possession of weapons offences",
    "Possession of drugs",
]


def make_table(path: Path, rows: int) -> None:
    sys.path.insert(0, str(ROOT))
    import yaml

    from evidence.areas import AREAS_FILE
    from evidence.odsfile import write_ods

    forces = [f["name"] for f in yaml.safe_load(AREAS_FILE.read_text())["forces"]]
    header = [
        "Financial Year",
        "Financial Quarter",
        "Force Name",
        "Offence Description",
        "Offence Group",
        "Offence Subgroup",
        "Offence Code",
        "Number of Offences",
    ]

    def generate() -> Iterator[list[Any]]:
        yield header
        for i in range(rows):
            year = 2013 + (i // (43 * 4 * 5)) % 11
            yield [
                f"{year}/{(year + 1) % 100:02d}",
                (i // (43 * 5)) % 4 + 1,
                forces[i % 43],
                "Synthetic offence",
                "Synthetic group",
                SUBGROUPS[(i // 43) % 5],
                str(i % 97),
                f"1,{i % 1000:03d}" if i % 3 == 0 else i % 50,
            ]

    write_ods(path, {"Synthetic 2013-2024": generate()})


def ingest(rows: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    os.environ["SQLITE_PATH"] = str(work / "bench.sqlite3")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    # A laptop benchmark on SQLite: development settings (production would refuse to
    # start without a secret key, hosts and a mail backend).
    os.environ.setdefault("DJANGO_DEBUG", "1")
    table = work / f"synthetic-recorded-crime-{rows}.ods"
    started = time.perf_counter()
    make_table(table, rows)
    generated = time.perf_counter() - started

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from evidence.areas import AreaLookup, load_areas
    from evidence.models import Indicator, Observation
    from evidence.services import store_figures
    from evidence.sources import Release
    from evidence.sources.ho_tables import parse_table

    load_areas()
    indicator = Indicator.objects.create(
        slug="synthetic-homicide",
        name="Synthetic benchmark indicator",
        unit="offences",
        description="Benchmark only.",
        source=Indicator.Source.HO_RECORDED_CRIME,
        source_url="https://example.org/synthetic",
        methodology="Benchmark only.",
        direction=Indicator.Direction.NEITHER,
        schedule="0 0 1 1 *",
    )
    lookup = AreaLookup.from_db()
    baseline_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    cpu_started = time.process_time()  # on a shared machine, CPU time moves less than wall time
    figures, rows_read = parse_table(
        table, "recorded_crime", {"offence_subgroups": ["Homicide"]}, lookup
    )
    parsed = time.perf_counter() - started
    result = store_figures(
        indicator,
        release=Release(key="synthetic", title="Synthetic", url="https://example.org/s"),
        figures=figures,
    )
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    file_bytes = table.stat().st_size
    observations = Observation.objects.count()
    from django.db import connections

    connections.close_all()
    shutil.rmtree(work, ignore_errors=True)  # the table (20 MB a million rows) and database
    return {
        "rows": rows_read,
        "file_bytes": file_bytes,
        "generate_seconds": round(generated, 2),
        "ingest_seconds": round(elapsed, 2),
        "parse_seconds": round(parsed, 2),
        "rows_per_second": round(rows_read / elapsed),
        "cpu_seconds": round(cpu, 2),
        "rows_per_cpu_second": round(rows_read / cpu),
        "figures_stored": result.added,
        "observations": observations,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss_before_ingest_mb": round(baseline_rss / 1024, 1),
    }


def calamine_peak(rows: int) -> dict:
    """For comparison: python-calamine reading the same layout (whole sheet in memory)."""
    import python_calamine

    work = Path(tempfile.mkdtemp(prefix="bench-calamine-"))
    table = work / f"synthetic-recorded-crime-{rows}.ods"
    make_table(table, rows)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    sheet = python_calamine.CalamineWorkbook.from_path(str(table)).get_sheet_by_index(0)
    count = sum(1 for _ in sheet.iter_rows())
    shutil.rmtree(work, ignore_errors=True)
    return {
        "reader": "python-calamine",
        "rows": count - 1,
        "seconds": round(time.perf_counter() - started, 2),
        "rss_before_mb": round(before / 1024, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--one", action="store_true", help="Run one size in this process.")
    parser.add_argument("--calamine", action="store_true", help="Measure python-calamine instead.")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(calamine_peak(args.rows) if args.calamine else ingest(args.rows)))
        return
    # The machine's load is part of the figure: a shared 2-core machine moves it a lot.
    results: dict[str, Any] = {
        "meta": {
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "cpus": os.cpu_count(),
            "load_before": [round(x, 2) for x in os.getloadavg()],
        }
    }
    for rows in (args.rows, args.rows // 10):
        out = subprocess.run(
            [sys.executable, __file__, "--rows", str(rows), "--one"],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        results[str(rows)] = json.loads(out.stdout.strip().splitlines()[-1])
        print(rows, results[str(rows)], flush=True)
    out = subprocess.run(
        [sys.executable, __file__, "--rows", str(args.rows // 10), "--one", "--calamine"],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    results["calamine_tenth"] = json.loads(out.stdout.strip().splitlines()[-1])
    print("calamine", results["calamine_tenth"])
    results["meta"]["load_after"] = [round(x, 2) for x in os.getloadavg()]
    print(
        "load average before",
        results["meta"]["load_before"],
        "after",
        results["meta"]["load_after"],
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ingest.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
