import datetime as dt
from argparse import ArgumentParser
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from evidence import services
from evidence.models import Area, Evidence, Indicator
from evidence.sources import SourceError


def iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"'{value}' is not a date (YYYY-MM-DD)") from exc


def number(value: str) -> Decimal:
    try:
        return Decimal(value.replace(",", ""))
    except InvalidOperation as exc:
        raise CommandError(f"'{value}' is not a number") from exc


class Command(BaseCommand):
    help = (
        "Enter one figure by hand from a publication that exists only as a PDF. The figure "
        "must cite an evidence source already in the library (its id), whose title, "
        "publisher, date and URL identify the release. Entering the same figure twice "
        "changes nothing."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--indicator", required=True, help="Indicator slug.")
        parser.add_argument(
            "--area", default="E92+W92", help="Area code (default: England and Wales)."
        )
        parser.add_argument("--start", required=True, type=iso_date, help="Period start.")
        parser.add_argument("--end", required=True, type=iso_date, help="Period end.")
        parser.add_argument("--label", required=True, help="Period label, e.g. '2023/24'.")
        parser.add_argument("--value", required=True, type=number, help="The figure.")
        parser.add_argument(
            "--evidence", required=True, type=int, help="Id of the cited evidence source."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        indicator = Indicator.objects.filter(slug=options["indicator"]).first()
        if indicator is None:
            raise CommandError(f"no indicator '{options['indicator']}'")
        if not Area.objects.filter(code=options["area"]).exists():
            raise CommandError(f"no area with code '{options['area']}'")
        citation = Evidence.objects.filter(pk=options["evidence"], replaced_by=None).first()
        if citation is None:
            raise CommandError(
                f"no current evidence source with id {options['evidence']}: add the "
                "publication to the evidence library first"
            )
        if options["end"] < options["start"]:
            raise CommandError("the period ends before it starts")
        try:
            result = services.add_manual_observation(
                indicator,
                area_code=options["area"],
                period_start=options["start"],
                period_end=options["end"],
                period_label=options["label"],
                value=options["value"],
                citation=citation,
            )
        except SourceError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{indicator.slug} {options['area']} {options['label']}: "
            f"{result.added} added, {result.revised} revised (citing '{citation.title}')."
        )
