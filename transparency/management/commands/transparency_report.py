"""The transparency report's figures, for cron (daily): the current quarter and the one
before it (late entries, such as a disclosure recorded after the quarter ended, still
count), or the quarter named.

Safe to run twice: each quarter's row is counted again from the registers and replaced.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from transparency.models import Quarter
from transparency.services import quarter_report_compute


class Command(BaseCommand):
    help = "Count the transparency report's figures of this quarter and the previous one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--quarter", help="Only this quarter, like 2026-Q4 (not one still to come)."
        )

    def handle(self, *args: object, **options: object) -> None:
        current = Quarter.of(timezone.now())
        if options["quarter"]:
            try:
                quarters = [Quarter.parse(str(options["quarter"]))]
            except ValueError as error:
                raise CommandError(str(error)) from error
            if quarters[0] > current:
                raise CommandError(f"{quarters[0]} has not started yet.")
        else:
            quarters = [current.previous, current]
        for quarter in quarters:
            report = quarter_report_compute(quarter=quarter)
            self.stdout.write(f"Counted the figures of {report.quarter}.")
