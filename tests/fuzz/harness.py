"""Running one generated request: a fresh client, an empty cache, a rolled-back transaction,
and the rule that a refused request writes nothing."""

from __future__ import annotations

import os
from contextlib import contextmanager
from http import HTTPStatus

from django.core.cache import caches
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, settings

from consent.ledger import LedgerHead, ledger_models
from tests.snapshot import SESSION_TABLES, changed_tables, snapshot

#: Examples per property; ``FUZZ_EXAMPLES=500`` for a longer hunt.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
#: Not compared: the sessions, and tables only migrations write (the largest, and slowest).
SKIPPED = SESSION_TABLES | {"auth.Permission", "contenttypes.ContentType"}

#: The hash-chained tables (``consent.ledger``).
LEDGERS = {model._meta.label for model in ledger_models()}

fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@contextmanager
def one_example():
    """Each example starts from the same rows and an empty cache (rate limits included),
    and leaves nothing behind."""
    for cache in caches.all(initialized_only=True):
        cache.clear()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def client_as(user=None, **defaults) -> Client:
    client = Client(**defaults)
    if user is not None:
        client.force_login(user)
    return client


def refused(response, method: str) -> bool:
    """An error status, or a form shown again (a POST answered 200 with the form)."""
    return response.status_code >= HTTPStatus.BAD_REQUEST or (
        method == "post" and response.status_code == HTTPStatus.OK
    )


def request_and_check(client, method, path, data=None, *, may_change=(), **extra):
    """Send the request; never a 500; a refused one changes no row, an accepted one only
    the tables of ``may_change``. Returns the response."""
    may_change = set(may_change)
    if may_change & LEDGERS:
        # Appending to a ledger moves its chain's head too.
        may_change.add(LedgerHead._meta.label)
    before = snapshot(skip=SKIPPED)
    response = getattr(client, method)(path, data or {}, **extra)
    assert response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR
    changed = changed_tables(before, snapshot(skip=SKIPPED))
    if refused(response, method):
        assert changed == [], (response.status_code, changed)
    else:
        assert set(changed) <= may_change, (response.status_code, changed)
    return response
