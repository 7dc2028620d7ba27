"""In-process passes over the benchmark's pages, through Django's test client.

``python -m bench.inprocess queries STATE`` prints, as JSON, each page's queries per
request (counted on a third request, once the caches are warm) and the rate limits the
bench raised; with ``--reference``, the reference page's. ``python -m bench.inprocess
profile STATE PATH`` profiles one page (``-n`` requests) with cProfile and prints where
the time goes. Both run in the bench server's environment (``DJANGO_SETTINGS_MODULE``,
``DATABASE_URL``, ``REDIS_URL``, ``SECRET_KEY``), against the seeded database.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import json
import os
import pstats
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

import django

from bench.pages import (
    PAGES,
    REFERENCE,
    Page,
    State,
    cookie_header,
    reference_cookies,
    site_cookies,
)

if TYPE_CHECKING:
    from django.test import Client

WARM_REQUESTS = 2
HOST = "localhost"


def load_state(path: Path) -> State:
    return cast(State, json.loads(path.read_text()))


def cookie_for(page: Page, state: State) -> str:
    if page.kind == "reference":
        return cookie_header(reference_cookies(state))
    return cookie_header(site_cookies(page, state))


@functools.cache
def client() -> Client:
    """One test client for the process: each new one builds the middleware chain again."""
    from django.test import Client

    return Client()


def get(page: Page, state: State) -> int:
    """One request for the page; its status (the test client raises on a server error).

    The ``Cookie`` header is the load generator's: what the client kept from earlier
    responses is not sent.
    """
    response = client().get(page.path, HTTP_HOST=HOST, HTTP_COOKIE=cookie_for(page, state))
    return response.status_code


def count_queries(page: Page, state: State) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARM_REQUESTS):
        get(page, state)
    with CaptureQueriesContext(connection) as captured:
        status = get(page, state)
    if status != page.status:
        raise SystemExit(f"{page.path} answered {status}, not {page.status.value}.")
    return len(captured.captured_queries)


def raised_rate_limits() -> dict[str, dict[str, str]]:
    """Each rate limit the bench settings raise: the site's value and the bench's."""
    from django.conf import settings

    from tomato import settings as site

    raised = getattr(settings, "RAISED_RATE_LIMITS", {})
    return {
        action: {"site": site.ACCOUNT_RATE_LIMITS[action], "bench": limit}
        for action, limit in raised.items()
    }


def queries(state: State, *, reference: bool) -> dict[str, object]:
    pages = [REFERENCE] if reference else list(PAGES)
    counts = {page.path: count_queries(page, state) for page in pages}
    if reference:
        return {"queries": counts}
    return {"queries": counts, "raised_rate_limits": raised_rate_limits()}


def profile(state: State, path: str, *, requests: int, limit: int) -> None:
    page = next((page for page in PAGES if page.path == path), None)
    if page is None:
        raise SystemExit(f"{path} is not one of the bench's pages: {[p.path for p in PAGES]}")
    for _ in range(WARM_REQUESTS):
        get(page, state)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        get(page, state)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.strip_dirs().sort_stats("cumulative").print_stats(limit)
    stats.sort_stats("tottime").print_stats(limit)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    count = commands.add_parser("queries", help="queries per request of every page (JSON)")
    count.add_argument("state", type=Path)
    count.add_argument("--reference", action="store_true", help="the reference page's instead")
    prof = commands.add_parser("profile", help="where one page's time goes (cProfile)")
    prof.add_argument("state", type=Path)
    prof.add_argument("path", help="one of the bench's pages, like /me/data/")
    prof.add_argument("-n", "--requests", type=int, default=200)
    prof.add_argument("--limit", type=int, default=30, help="functions shown per listing")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    state = load_state(args.state)
    if args.command == "queries":
        json.dump(queries(state, reference=args.reference), sys.stdout)
        sys.stdout.write("\n")
    else:
        profile(state, args.path, requests=args.requests, limit=args.limit)


if __name__ == "__main__":
    main()
