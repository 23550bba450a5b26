from typing import Any

from django.core.management.base import BaseCommand, CommandError

from evidence import services


class Command(BaseCommand):
    help = (
        "Load police force areas and indicator definitions with their links to proposals "
        "(evidence/data/*.yaml). Idempotent; stores no figures. Run after load_papers."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            counts = services.load_indicators()
        except services.IndicatorDataError as exc:
            raise CommandError("indicators.yaml is not valid:\n" + "\n".join(exc.problems)) from exc
        self.stdout.write(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in counts.items()))
