"""Check the hash chains of the ledgers (``consent.ledger``): every chain, or those named.

For each broken chain it prints the first broken link (the chain, the row's id and what
differs) and exits with status 1; when every chain holds, it prints each chain's length
and last hash (keep them: a later run that shows another history for the same rows means
the chain was rewritten) and exits with 0. Rows are read in id order a chunk at a time,
so it runs in bounded memory on tables of millions of rows. Safe to run from cron.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from consent.ledger import chain_head, chains, ledger_names, verify_ledgers


class Command(BaseCommand):
    help = "Verify the hash chains of the ledgers; exits 1 at the first broken link of any."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--ledger",
            action="append",
            choices=ledger_names(),
            metavar="NAME",
            help=f"Only this ledger or chain (repeatable): {', '.join(ledger_names())}.",
        )

    def handle(self, *args: object, ledger: list[str] | None, **options: object) -> None:
        broken = verify_ledgers(ledger)
        for found in broken:
            self.stderr.write(f"Broken: {found}")
        if broken:
            raise SystemExit(1)
        names = list(chains()) if ledger is None else [c for c in chains() if _named(c, ledger)]
        for name in names:
            head = chain_head(name)
            last = f"last row {head.last_id}, hash {head.last_hash}" if head.last_id else "empty"
            self.stdout.write(f"{name}: intact ({last})")


def _named(chain: str, names: list[str]) -> bool:
    return any(chain == name or chain.split(":")[0] == name for name in names)
