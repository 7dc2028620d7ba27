"""Delete anonymous visitors' consent records and beacon page views past their retention.

Members' records (including those of erased members, kept as proof) are never pruned.
Safe to run from cron, and to run twice. Rows go in batches of ``BATCH_SIZE``, each in a
transaction of its own: a first run over millions of rows never holds one transaction
(its locks, its write-ahead log) over all of them, and an interrupted run keeps what it
had deleted.

Anonymous consent records are a hash-chained ledger of their own (``consent.ledger``): the
prune deletes the start of that chain, in chain order, up to the first record still within
its retention, and with each batch moves the chain's anchor past what it deleted
(re-anchoring), so that the records left still verify (``manage.py verify_ledger``).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import models, transaction
from django.utils import timezone

from consent.ledger import prunable, prune_prefix
from consent.models import ConsentRecord, PageView

#: Rows deleted per transaction.
BATCH_SIZE = 10_000


def batch_end[M: models.Model](rows: models.QuerySet[M]) -> models.QuerySet[M, int]:
    """The id that ends a batch of the rows, in id order (none among fewer rows)."""
    return rows.order_by("pk").values_list("pk", flat=True)[BATCH_SIZE - 1 : BATCH_SIZE]


def delete_in_batches[M: models.Model](rows: models.QuerySet[M]) -> int:
    """Delete the rows, ``BATCH_SIZE`` at a time in id order, each batch in a transaction
    of its own. Each batch is one range of ids (no list of them goes back and forth), and
    starts where the last ended instead of reading again past the rows deleted before."""
    deleted = 0
    remaining = rows
    while True:
        with transaction.atomic():
            end = list(batch_end(remaining))
            batch = remaining.filter(pk__lte=end[0]) if end else remaining
            count, _by_model = batch.delete()
        deleted += count
        if not end:
            return deleted
        remaining = rows.filter(pk__gt=end[0])


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
        chain = ConsentRecord.ledger.chain_named(ConsentRecord, ConsentRecord.SubjectType.VISITOR)
        expired = models.Q(created_at__lt=cutoff)
        views = PageView.objects.filter(created_at__lt=cutoff)
        if dry_run:
            self.stdout.write(
                f"Would delete {prunable(chain, expired).count()} anonymous consent records and "
                f"{views.count()} page views older than {cutoff:%Y-%m-%d}."
            )
            return
        deleted_records = prune_prefix(chain, expired, batch_size=BATCH_SIZE)
        deleted_views = delete_in_batches(views)
        self.stdout.write(
            f"Deleted {deleted_records} anonymous consent records and {deleted_views} page views "
            f"older than {cutoff:%Y-%m-%d}."
        )
