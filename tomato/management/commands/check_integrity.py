"""``manage.py check_integrity``: check every invariant the models rely on.

Prints one line per invariant and, for each one broken, how many rows break it and the
ids of the first few. Exits 0 when every invariant holds, 1 when one is broken: run it
from cron (or after an incident) and alert on the exit status. It only reads, with a few
set-based queries per invariant, and can run beside the site.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from consent.integrity import EXAMPLES
from tomato import integrity


class Command(BaseCommand):
    help = "Check every invariant the models rely on; exit 1 if any is broken."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--examples",
            type=int,
            default=EXAMPLES,
            help=f"How many ids of offending rows to list per invariant (default {EXAMPLES}).",
        )
        parser.add_argument(
            "--only", action="append", default=[], help="Check this invariant only (repeatable)."
        )

    def handle(self, *args: object, **options: object) -> None:
        invariants = integrity.INVARIANTS
        examples = options["examples"]
        only = options["only"]
        assert isinstance(examples, int)
        assert isinstance(only, list)
        unknown = set(only) - {check.name for check in invariants}
        if unknown:
            raise CommandError(f"No such invariant: {', '.join(sorted(unknown))}")
        broken = []
        for check in invariants:
            if only and check.name not in only:
                continue
            started = time.monotonic()
            finding = check.find(examples)
            took = f"{time.monotonic() - started:.2f} s"
            if not finding:
                self.stdout.write(f"ok      {check.name} ({took})")
                continue
            broken.append(check.name)
            self.stdout.write(
                self.style.ERROR(f"BROKEN  {check.name}: {finding.count} ({took})")
                + f"\n        {check.description}\n        first: {', '.join(finding.examples)}"
            )
        checked = len(only) if only else len(invariants)
        if broken:
            raise CommandError(
                f"{len(broken)} of {checked} invariants broken: {', '.join(broken)}", returncode=1
            )
        self.stdout.write(self.style.SUCCESS(f"All {checked} invariants hold."))
