"""The guardians' daily work, for cron: expire requests, erase unapproved teens, end links at 16.

Safe to run twice: each step only touches what is still due.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from guardians.services import guardians_run_schedule


class Command(BaseCommand):
    help = (
        "Expire guardian requests after 7 days, erase teens unapproved after 14, end links at 16."
    )

    def handle(self, *args: object, **options: object) -> None:
        report = guardians_run_schedule()
        self.stdout.write(
            f"Expired {report.requests_expired} guardian requests; "
            f"erased {report.teens_erased} teen accounts not approved in time; "
            f"ended {report.links_ended} guardian links at 16."
        )
