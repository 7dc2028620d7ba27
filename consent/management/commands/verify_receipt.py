"""Check a consent receipt's signature, offline.

``manage.py verify_receipt FILE [--key receipt-key.json]`` prints "valid" and exits with 0
when the receipt's Ed25519 signature matches it, else prints why not and exits with 1. The
key is a JWK file as ``/privacy/receipt-key.json`` publishes it (save it once); without
``--key``, the site's own key. Nothing is read from the database or the network.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from consent.receipts import ReceiptInvalid, verify


def _read_json(path: str, what: str) -> object:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise CommandError(f"Cannot read the {what} {path}: {error.strerror}.") from None
    except (UnicodeDecodeError, ValueError):
        raise CommandError(f"The {what} {path} is not JSON.") from None


class Command(BaseCommand):
    help = "Verify a consent receipt's signature; exits 0 when valid, 1 with the reason if not."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The receipt (a JSON file downloaded from /me/data/).")
        parser.add_argument(
            "--key",
            help="The public key, a JWK file saved from /privacy/receipt-key.json "
            "(default: this site's own key).",
        )

    def handle(self, *args: object, file: str, key: str | None, **options: object) -> None:
        receipt = _read_json(file, "receipt")
        jwk = None
        if key is not None:
            read = _read_json(key, "key")
            if not isinstance(read, dict):
                raise CommandError(f"The key {key} is not a JWK (a JSON object).")
            jwk = read
        try:
            verify(receipt, jwk)
        except ReceiptInvalid as error:
            raise CommandError(f"invalid: {error}") from None
        self.stdout.write("valid")
