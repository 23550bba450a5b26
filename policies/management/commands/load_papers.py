from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from policies.papers import dataset, loading


class Command(BaseCommand):
    help = (
        "Load both policy papers from policies/data/papers.yaml. Idempotent: a second run "
        "changes nothing; a changed text updates its proposal; status history is never touched."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file", type=Path, default=dataset.DATA_FILE, help="Data file to load."
        )
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar.")

    def handle(self, *args, **options):
        try:
            data = dataset.validate(options["file"])
        except dataset.PaperDataError as exc:
            raise CommandError(
                f"{options['file']} is not valid; nothing was loaded:\n  - "
                + "\n  - ".join(exc.problems)
            ) from exc
        total = sum(1 for _ in data.proposals())
        with tqdm(
            total=total,
            desc="Loading proposals",
            unit="proposal",
            disable=options["no_progress"],
            file=self.stderr,
        ) as bar:
            report = loading.apply(data, progress=lambda ref: bar.update(1))
        if not report.changed:
            self.stdout.write(self.style.SUCCESS(f"{total} proposals already up to date."))
            return
        for label, bucket in (("created", report.created), ("updated", report.updated)):
            if bucket:
                parts = ", ".join(f"{n} {what}" for what, n in sorted(bucket.items()))
                self.stdout.write(f"{label.capitalize()}: {parts}")
        self.stdout.write(self.style.SUCCESS(f"Loaded {total} proposals."))
