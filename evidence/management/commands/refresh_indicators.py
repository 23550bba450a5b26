import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from evidence import services
from evidence.models import Indicator


class Command(BaseCommand):
    help = (
        "Fetch each indicator's source now, in this process, and store new or revised figures. "
        "One failing source does not stop the others; the exit status is 1 if any failed."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--indicator", metavar="SLUG", help="Refresh only this indicator.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print what each refresh would fetch (months, files, requests) and change "
            "nothing: only the sources' indexes are read.",
        )

    def handle(
        self,
        *args: Any,
        indicator: str | None = None,
        no_progress: bool = False,
        dry_run: bool = False,
        **options: Any,
    ) -> None:
        indicators = Indicator.objects.exclude(source=Indicator.Source.MANUAL).order_by("slug")
        if indicator:
            indicators = Indicator.objects.filter(slug=indicator)
            if not indicators:
                raise CommandError(f"no indicator {indicator!r} (run load_indicators first?)")
        elif not indicators:
            raise CommandError("no indicators loaded: run `manage.py load_indicators` first")
        if dry_run:
            self.plan(list(indicators))
            return
        failed = []
        bar = tqdm(list(indicators), unit="indicator", disable=no_progress, file=sys.stderr)
        for item in bar:
            bar.set_description(item.slug)
            try:
                run = services.refresh_indicator(item)
            except Exception as exc:  # recorded on the run; carry on with the others
                failed.append(item.slug)
                self.stderr.write(f"{item.slug}: failed: {type(exc).__name__}: {exc}")
                continue
            self.stdout.write(
                f"{item.slug}: read {run.rows_read}, added {run.rows_added}, "
                f"revised {run.rows_revised}"
            )
        if failed:
            self.stderr.write(f"{len(failed)} failed: {', '.join(failed)}")
            sys.exit(1)

    def plan(self, indicators: list[Indicator]) -> None:
        failed = []
        made = planned = 0
        for item in indicators:
            try:
                plan = services.plan_refresh(item)
            except Exception as exc:  # say which, carry on with the others
                failed.append(item.slug)
                self.stderr.write(f"{item.slug}: cannot plan: {type(exc).__name__}: {exc}")
                continue
            made += plan.requests_made
            planned += plan.requests_planned
            self.stdout.write(
                f"{item.slug}: {plan.summary} "
                f"[{plan.requests_made} requests to plan, {plan.requests_planned} to fetch]"
            )
            for line in plan.lines:
                self.stdout.write(f"  {line}")
        self.stdout.write(
            f"dry run: {planned} requests to fetch ({made} made to plan); nothing was changed"
        )
        if failed:
            self.stderr.write(f"{len(failed)} could not be planned: {', '.join(failed)}")
            sys.exit(1)
