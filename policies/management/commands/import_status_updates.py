"""Import status updates from a CSV file (the same import as the web page).

    python manage.py import_status_updates updates.csv --user alice [--publish]

The whole file is checked first; any problem is printed with its line number
and nothing is written.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from policies import imports, services


class Command(BaseCommand):
    help = "Import status updates from a CSV file as drafts (or published, with --publish)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--user", required=True, help="Username of the importing editor.")
        parser.add_argument(
            "--publish", action="store_true", help="Publish (same rules as by hand)."
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, path: Path, user: str, publish: bool, no_progress: bool, **options):
        try:
            actor = get_user_model().objects.get(username=user)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user called {user!r}.") from None
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from None
        bar = tqdm(total=0, unit="update", disable=no_progress, file=self.stderr)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        mode = "publish" if publish else "draft"
        try:
            # Validation: claimed like an upload, so the page or API cannot import it meanwhile.
            with imports.claimed(raw, actor=actor, mode=mode):
                parsed = imports.parse(imports.decode(raw))
                result = imports.apply(actor, updates=parsed, mode=mode, progress=progress)
        except imports.ImportInProgress as exc:
            raise CommandError(exc.message) from None
        except imports.ImportRejected as exc:
            raise CommandError("The file was rejected; nothing changed:\n" + str(exc)) from None
        except services.ServiceError as exc:
            raise CommandError(exc.message) from None
        finally:
            bar.close()
        self.stdout.write(
            f"{result.created} created, {result.published} published, "
            f"{result.skipped} already present, {result.evidence_created} new sources."
        )
