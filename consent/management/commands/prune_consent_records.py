"""Delete anonymous visitors' consent records and beacon page views past their retention.

Members' records (including those of erased members, kept as proof) are never pruned.
Safe to run from cron, and to run twice.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from consent.models import ConsentRecord, PageView


class Command(BaseCommand):
    help = "Delete anonymous consent records and page views older than the retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=settings.CONSENT_ANONYMOUS_RETENTION_DAYS,
            help="Keep this many days (default: CONSENT_ANONYMOUS_RETENTION_DAYS).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Count, delete nothing.")

    def handle(self, *args: object, days: int, dry_run: bool, **options: object) -> None:
        if days < 1:
            self.stderr.write("--days must be at least 1.")
            raise SystemExit(2)
        cutoff = timezone.now() - datetime.timedelta(days=days)
        records = ConsentRecord.objects.anonymous().older_than(cutoff)
        views = PageView.objects.filter(created_at__lt=cutoff)
        if dry_run:
            self.stdout.write(
                f"Would delete {records.count()} anonymous consent records and "
                f"{views.count()} page views older than {cutoff:%Y-%m-%d}."
            )
            return
        with transaction.atomic():
            deleted_records, _by_model = records.delete()
            deleted_views, _by_model = views.delete()
        self.stdout.write(
            f"Deleted {deleted_records} anonymous consent records and {deleted_views} page views "
            f"older than {cutoff:%Y-%m-%d}."
        )
