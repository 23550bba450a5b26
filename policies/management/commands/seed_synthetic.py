"""Add a clearly synthetic paper (number 199) for benchmarks only.

    python manage.py seed_synthetic --proposals 10000 --evidence 100000 --observations 10000

Every text says it is synthetic; evidence sources are "Synthetic benchmark
source N" on example.org; figures come from a synthetic release of each
existing indicator (``load_indicators`` is run first when none are loaded).
Refuses a database that holds no paper 118 (one not made with ``load_papers``)
unless ``--force``, and one that has paper 199 already unless ``--replace``.
See ``policies/management/synthetic.py``.
"""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from policies.management import synthetic


class Command(BaseCommand):
    help = (
        "Add a clearly synthetic paper 199 (proposals, status updates, evidence, indicator "
        "figures) for benchmarks only. Refuses a database without paper 118 unless --force."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--proposals", type=int, default=10_000)
        parser.add_argument("--evidence", type=int, default=100_000)
        parser.add_argument("--observations", type=int, default=10_000)
        parser.add_argument(
            "--force", action="store_true", help="Seed even a database without paper 118."
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete an existing paper 199 and everything synthetic first.",
        )
        parser.add_argument("--seed", type=int, default=synthetic.PAPER_NUMBER, help="Random seed.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["proposals"] < 1 or options["evidence"] < 0 or options["observations"] < 0:
            raise CommandError("--proposals must be at least 1, the other counts at least 0.")
        reason = synthetic.refusal(force=options["force"], replace=options["replace"])
        if reason:
            raise CommandError(reason)
        started = time.perf_counter()
        if options["observations"]:
            try:
                synthetic.ensure_indicators()
            except CommandError as exc:
                self.stderr.write(f"No indicators could be loaded, so no figures: {exc}")
        verbose = options["verbosity"] > 1
        seeded = synthetic.seed(
            proposals=options["proposals"],
            evidence=options["evidence"],
            observations=options["observations"],
            replace=options["replace"],
            random_seed=options["seed"],
            progress=(lambda message: self.stdout.write(f"  {message}")) if verbose else None,
        )
        elapsed = time.perf_counter() - started
        counts = seeded.counts.as_dict().items()
        summary = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in counts)
        notes = [
            "search data refreshed" if seeded.search_refreshed else "",
            "data revision moved" if seeded.revision_moved else "",
        ]
        self.stdout.write(
            self.style.SUCCESS(
                f"Synthetic paper {synthetic.PAPER_NUMBER}: {summary} in {elapsed:.1f} s"
                + "".join(f"; {note}" for note in notes if note)
                + "."
            )
        )
