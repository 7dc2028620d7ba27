"""Load and faults, on gunicorn with production settings, PostgreSQL and Redis.

A bounded mixed load (sign-ups of adults and teens, cookie choices, page views with the
beacon, guardian approvals, account deletions) gets no 5xx and leaves exactly one consent
record per group of each choice the site answered; a worker killed with SIGKILL in the
middle of a burst of erasures and approvals leaves no partial state. Both end with
``manage.py check_integrity`` on the servers' database, as an operator would run it.

Like ``test_several_servers`` (whose client and process helpers this module uses), the
servers get a database of their own, ``<name>_servers`` beside the one in
``DATABASE_URL``, made and dropped here, and are reached only over HTTP and by SQL. Each
client sends its own ``X-Forwarded-For``, as clients behind the production proxy arrive
(``TRUSTED_PROXY_COUNT=1``): the per-IP rate limits see many clients, not one.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from itertools import count
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from cookie_consent.models import CookieGroup
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django_tasks_db.models import DBTaskResult

from accounts.models import ErasureReceipt, User
from accounts.tasks import email_deliver
from consent.models import ConsentAction, ConsentRecord, ConsentSource, PageView
from guardians.models import GuardianDecision, GuardianRequest, Guardianship
from tests.deploy.test_several_servers import (
    PATIENCE,
    ROOT,
    Response,
    Server,
    Visitor,
    free_port,
    servers_database,
    start,
    stop,
    tail,
)
from tests.factories import PASSWORD, years_ago

pytestmark = pytest.mark.servers

#: The seeded members, by use: deleting their account, approving a teen, choosing cookies.
ERASERS, GUARDIANS, CHOOSERS = 8, 8, 4
#: The load test's other clients: adults and teens signing up, anonymous visitors choosing.
ADULTS, VISITORS = 10, 24
#: The fault test's burst: this many erasures and as many approvals.
BURST = 8
#: The seeded members (adults with a verified address), by use.
USES = {
    "erasers": ERASERS,
    "guardians": GUARDIANS,
    "choosers": CHOOSERS,
    "burst_erasers": BURST,
    "burst_guardians": BURST,
}
#: A password the production validators accept, for the accounts made by signing up.
NEW_PASSWORD = "tomato-load-Passw0rd!"

LINK = re.compile(r"/guardian/consent/[^/\s]+/")
_addresses = count(1)


def client() -> Visitor:
    """A new browser, from an address of its own behind the proxy."""
    number = next(_addresses)
    return Visitor(headers={"X-Forwarded-For": f"10.{number // 250}.{number % 250}.1"})


# --- The site -------------------------------------------------------------------------------


@dataclass
class Site:
    env: dict[str, str]
    database: dict[str, Any]
    logs: Path
    people: dict[str, list[dict[str, str]]]
    servers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def query(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        with psycopg.connect(**self.database, autocommit=True) as connection:
            return connection.execute(sql, params).fetchall()

    def value(self, sql: str, *params: object) -> Any:
        [(found,)] = self.query(sql, *params)
        return found

    @contextmanager
    def serving(self, name: str, workers: int) -> Iterator[Server]:
        """A gunicorn server (``gunicorn.conf.py``) with ``workers`` sync workers."""
        server = Server(name, free_port(), self.logs / f"server-{name}.log")
        gunicorn = ["-m", "gunicorn", "-c", "gunicorn.conf.py", "tomato.wsgi"]
        server.process = start(
            [*gunicorn, "--bind", f"127.0.0.1:{server.port}", "--workers", str(workers)],
            {**self.env, "SITE_URL": f"http://127.0.0.1:{server.port}"},
            server.log,
        )
        try:
            server.wait_until_healthy()
            yield server
        finally:
            stop(server.process)

    def check_integrity(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", "check_integrity"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def subject(self, user_id: int) -> str:
        """The keyed hash of a user id, with the servers' secret key."""
        secret = self.env["SECRET_KEY"]
        return salted_hmac("tomato.subject", str(user_id), secret, algorithm="sha256").hexdigest()

    def consent_link(self, address: str) -> str:
        """The link in the newest guardian request emailed to ``address`` (queued, unsent)."""
        bodies = self.query(
            f"SELECT args_kwargs -> 'kwargs' -> 'message' ->> 'body' "
            f"FROM {DBTaskResult._meta.db_table} "
            "WHERE task_path = %s AND args_kwargs -> 'kwargs' ->> 'to' = %s "
            "ORDER BY enqueued_at DESC",
            email_deliver.module_path,
            address,
        )
        for (body,) in bodies:
            if found := LINK.search(body):
                return found.group(0)
        pytest.fail(f"no consent link was emailed to {address}")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    # Each client sends its own X-Forwarded-For: the per-IP rate limits see many clients.
    # Emails stay queued (no worker runs): the guardians' links are read from them.
    with servers_database(tmp_path_factory, "load", TRUSTED_PROXY_COUNT="1") as base:
        env, database, logs = base.env, base.database, base.logs
        seeded = subprocess.run(
            [sys.executable, "-m", "tests.deploy.seed", str(sum(USES.values()))],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=120,
            check=False,
        )
        assert seeded.returncode == 0, seeded.stderr.decode()
        members = iter(json.loads(seeded.stdout)["members"])
        people = {use: [next(members) for _ in range(n)] for use, n in USES.items()}
        yield Site(env, database, logs, people)


@pytest.fixture(autouse=True)
def _fresh_cache(site) -> None:
    redis.Redis.from_url(site.env["REDIS_URL"]).flushdb()


# --- What people do ------------------------------------------------------------------------

#: Every answer the load got: (what was asked, HTTP status).
type Tally = list[tuple[str, int]]


def asked(tally: Tally, what: str, response: Response) -> Response:
    tally.append((what, response.status))
    return response


def log_in(tally: Tally, server: Server, visitor: Visitor, username: str) -> None:
    asked(tally, "login page", visitor.get(server, reverse("account_login")))
    data = {"login": username, "password": PASSWORD}
    response = asked(tally, "login", visitor.post(server, reverse("account_login"), data))
    assert response.status == HTTPStatus.FOUND, response.text


def sign_up(
    tally: Tally, server: Server, username: str, born: str, guardian_email: str = ""
) -> None:
    visitor = client()
    signup = reverse("account_signup")
    asked(tally, "age screen", visitor.get(server, signup))
    asked(tally, "age answer", visitor.post(server, signup, {"date_of_birth": born}))
    asked(tally, "signup form", visitor.get(server, signup))
    data = {
        "username": username,
        "email": f"{username}@example.org",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "agree": "on",
    }
    if guardian_email:
        data["guardian_email"] = guardian_email
    response = asked(tally, "signup", visitor.post(server, signup, data))
    assert response.status == HTTPStatus.FOUND, response.text


def open_consent_link(
    tally: Tally, site: Site, server: Server, guardian: dict[str, str]
) -> tuple[Visitor, str]:
    """The guardian logs in and opens the link in the request emailed to them."""
    visitor = client()
    log_in(tally, server, visitor, guardian["username"])
    link = site.consent_link(guardian["email"])
    asked(tally, "consent link", visitor.get(server, link))
    return visitor, link


def open_delete_page(tally: Tally, server: Server, member: dict[str, str]) -> Visitor:
    visitor = client()
    log_in(tally, server, visitor, member["username"])
    # Deleting asks for the password again, even right after logging in.
    again = reverse("account_reauthenticate")
    asked(tally, "reauthenticate page", visitor.get(server, again))
    asked(tally, "reauthenticate", visitor.post(server, again, {"password": PASSWORD}))
    page = asked(tally, "delete page", visitor.get(server, reverse("accounts:delete")))
    assert page.status == HTTPStatus.OK, page.location
    return visitor


APPROVE = {"decision": "approve"}
CONFIRM = {"confirm": "on"}


# --- The load -----------------------------------------------------------------------------


@dataclass
class Chooser:
    """A browser that chooses in turn Accept all, Reject all, Accept all, viewing pages
    and sending the beacon after each choice."""

    visitor: Visitor
    member: str = ""
    choices: list[tuple[str, int]] = field(default_factory=list)
    #: Beacon hits answered while this browser had accepted Analytics.
    counted_views: int = 0


def choose_and_browse(tally: Tally, server: Server, chooser: Chooser) -> None:
    visitor = chooser.visitor
    if chooser.member:
        log_in(tally, server, visitor, chooser.member)
    asked(tally, "home", visitor.get(server, "/"))
    for action in (ConsentAction.ACCEPT, ConsentAction.DECLINE, ConsentAction.ACCEPT):
        data = {"all_groups": "on", "source": ConsentSource.BANNER, "next": "/"}
        response = asked(tally, "choice", visitor.post(server, reverse(f"consent:{action}"), data))
        chooser.choices.append((action, response.status))
        asked(tally, "page", visitor.get(server, reverse("policy")))
        for _ in range(2):
            beacon = asked(tally, "beacon", visitor.get(server, "/beacon?route=policy"))
            if action == ConsentAction.ACCEPT and beacon.status == HTTPStatus.NO_CONTENT:
                chooser.counted_views += 1


def test_a_mixed_load_gets_no_5xx_and_one_record_per_choice(site):
    tally: Tally = []
    people = site.people
    choosers = [Chooser(client()) for _ in range(VISITORS)]
    choosers += [Chooser(client(), member["username"]) for member in people["choosers"]]
    teens = [f"load-teen{i}" for i in range(GUARDIANS)]
    erased = []
    approved = []

    with site.serving("load", workers=3) as server:

        def adult(number: int) -> None:
            sign_up(tally, server, f"load-adult{number}", "1990-05-17")

        def teen_and_guardian(number: int) -> None:
            guardian = people["guardians"][number]
            sign_up(tally, server, teens[number], years_ago(13).isoformat(), guardian["email"])
            visitor, link = open_consent_link(tally, site, server, guardian)
            response = asked(tally, "approve", visitor.post(server, link, APPROVE))
            if response.status == HTTPStatus.FOUND:
                approved.append(teens[number])

        def leaver(member: dict[str, str]) -> None:
            visitor = open_delete_page(tally, server, member)
            path = reverse("accounts:delete")
            response = asked(tally, "erase", visitor.post(server, path, CONFIRM))
            if response.status == HTTPStatus.FOUND:
                erased.append(member["username"])

        journeys: list[Callable[[], None]] = [
            *(lambda n=n: adult(n) for n in range(ADULTS)),
            *(lambda n=n: teen_and_guardian(n) for n in range(GUARDIANS)),
            *(lambda c=c: choose_and_browse(tally, server, c) for c in choosers),
            *(lambda m=m: leaver(m) for m in people["erasers"]),
        ]
        # Mixed: each kind of journey spread over the run.
        journeys = journeys[::3] + journeys[1::3] + journeys[2::3]
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=8) as pool:
            for done in [pool.submit(journey) for journey in journeys]:
                done.result()
        took = time.monotonic() - started

    statuses = Counter(status for _what, status in tally)
    errors = [(what, status) for what, status in tally if status >= 500]
    print(f"\nload: {len(tally)} requests in {took:.1f} s, statuses {dict(statuses)}")
    assert errors == [], tail(server.log)
    assert len(tally) > 300

    # Every journey did what it came for.
    assert sorted(erased) == sorted(member["username"] for member in people["erasers"])
    assert sorted(approved) == sorted(teens)
    users = User._meta.db_table
    assert site.value(f"SELECT count(*) FROM {users} WHERE username LIKE 'load-adult%%'") == ADULTS
    # Counted among this test's teens: the fault test shares the servers' database.
    assert site.value(
        f"SELECT count(*) FROM {Guardianship._meta.db_table} g JOIN {users} u "
        "ON g.teen_id = u.id WHERE u.username = ANY(%s) AND g.status = %s",
        teens,
        Guardianship.Status.ACTIVE,
    ) == len(teens)

    # Exactly one record per optional group for each choice the site answered.
    [(groups,)] = site.query(
        f"SELECT count(*) FROM {CookieGroup._meta.db_table} WHERE NOT is_required"
    )
    answered = [
        action
        for chooser in choosers
        for action, status in chooser.choices
        if status == HTTPStatus.FOUND
    ]
    assert len(answered) == 3 * len(choosers)
    records = site.query(
        f"SELECT subject_type, action, count(*) FROM {ConsentRecord._meta.db_table} "
        "WHERE source = %s GROUP BY subject_type, action",
        ConsentSource.BANNER,
    )
    expected: Counter[tuple[str, str]] = Counter()
    for chooser in choosers:
        kind = ConsentRecord.SubjectType.MEMBER if chooser.member else "visitor"
        for action, _status in chooser.choices:
            expected[kind, action] += groups
    assert {(kind, action): n for kind, action, n in records} == expected
    for member in people["choosers"]:
        assert (
            site.value(
                f"SELECT count(*) FROM {ConsentRecord._meta.db_table} r JOIN {users} u "
                "ON r.user_id = u.id WHERE u.username = %s AND r.source = %s",
                member["username"],
                ConsentSource.BANNER,
            )
            == 3 * groups
        )
    # A page view for each beacon hit with Analytics accepted, none without.
    views = site.value(f"SELECT count(*) FROM {PageView._meta.db_table}")
    assert views == sum(chooser.counted_views for chooser in choosers)

    result = site.check_integrity()
    assert result.returncode == 0, result.stdout + result.stderr


# --- A worker killed in the middle of a burst ----------------------------------------------


def worker_pids(arbiter: int) -> set[int]:
    """The processes whose parent is gunicorn's arbiter: its workers (from ``/proc``)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == arbiter:
            found.add(int(stat.parent.name))
    return found


#: Tables only an approval's or an erasure's transaction writes or locks in the burst (the
#: session activity that allauth tracks in a transaction of its own touches none of them).
SERVICE_TABLES = ("guardians_", "consent_", "accounts_erasurereceipt", "account_emailaddress")


def wait_for_service_transaction(site: Site, stop_at: float) -> str:
    """Wait until a server's connection is inside an approval's or an erasure's
    transaction, past its first statement; the statement it runs ("" if none came)."""
    tables = [f"%{table}%" for table in SERVICE_TABLES]
    with psycopg.connect(**site.database, autocommit=True) as connection:
        while time.monotonic() < stop_at:
            row = connection.execute(
                "SELECT query FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction') "
                "AND xact_start < query_start AND query LIKE ANY(%s)",
                (tables,),
            ).fetchone()
            if row is not None:
                return str(row[0])
    return ""


def test_a_worker_killed_in_a_burst_of_erasures_and_approvals_leaves_no_partial_state(site):
    tally: Tally = []
    people = site.people
    prepared: list[tuple[str, Visitor, str, dict[str, str]]] = []

    with site.serving("fault", workers=1) as server:
        assert server.process is not None
        teens = [f"fault-teen{number}" for number in range(BURST)]
        for teen, guardian in zip(teens, people["burst_guardians"], strict=True):
            sign_up(tally, server, teen, years_ago(13).isoformat(), guardian["email"])
        # Everyone opens their page first: the burst is only the approvals and erasures.
        for teen, guardian in zip(teens, people["burst_guardians"], strict=True):
            visitor, link = open_consent_link(tally, site, server, guardian)
            prepared.append((teen, visitor, link, APPROVE))
        for member in people["burst_erasers"]:
            visitor = open_delete_page(tally, server, member)
            prepared.append((member["username"], visitor, reverse("accounts:delete"), CONFIRM))
        # Interleaved: approval, erasure, approval, …
        prepared = [
            item for pair in zip(prepared[:BURST], prepared[BURST:], strict=True) for item in pair
        ]

        eraser_ids = dict(
            site.query(
                f"SELECT username, id FROM {User._meta.db_table} WHERE username = ANY(%s)",
                [member["username"] for member in people["burst_erasers"]],
            )
        )
        [before] = worker_pids(server.process.pid)
        outcomes: dict[str, int | str] = {}
        killed = threading.Event()
        caught = ""

        def fire(item: tuple[str, Visitor, str, dict[str, str]]) -> None:
            who, visitor, path, data = item
            try:
                outcomes[who] = visitor.post(server, path, data).status
            except (ConnectionError, OSError) as error:
                outcomes[who] = f"cut off: {type(error).__name__}"

        def kill_in_a_transaction() -> None:
            nonlocal caught
            # Let a few commit first, then kill while a service's transaction is open.
            while sum(isinstance(o, int) for o in outcomes.values()) < 2:
                time.sleep(0.001)
            caught = wait_for_service_transaction(site, time.monotonic() + PATIENCE)
            os.kill(before, signal.SIGKILL)
            killed.set()

        killer = threading.Thread(target=kill_in_a_transaction)
        killer.start()
        with ThreadPoolExecutor(max_workers=len(prepared)) as pool:
            list(pool.map(fire, prepared))
        killer.join(timeout=PATIENCE)
        assert killed.is_set()
        assert caught, "the worker was not caught inside an approval or an erasure"
        print(f"\nkilled worker {before} in: {caught[:120]!r}\noutcomes: {outcomes}")

        cut_off = sorted(who for who, outcome in outcomes.items() if isinstance(outcome, str))
        assert cut_off, f"no request was in flight when the worker was killed: {outcomes}"
        answered = [o for o in outcomes.values() if isinstance(o, int)]
        assert all(status < 500 for status in answered), outcomes
        assert all(status == HTTPStatus.FOUND for status in answered), outcomes
        # gunicorn started a new worker, and the site answers.
        server.wait_until_healthy()
        assert worker_pids(server.process.pid) - {before}

        # Nothing half done: each erasure and each approval happened whole or not at all.
        result = site.check_integrity()
        assert result.returncode == 0, result.stdout + result.stderr
        assert_all_or_nothing(site, eraser_ids, teens)

        # The people cut off try again, and everything they asked for is done.
        for item in prepared:
            if item[0] in cut_off:
                fire(item)
                assert isinstance(outcomes[item[0]], int), outcomes[item[0]]
                assert outcomes[item[0]] in {HTTPStatus.FOUND, HTTPStatus.GONE}, outcomes
        users = User._meta.db_table
        erasers = [member["username"] for member in people["burst_erasers"]]
        assert site.value(f"SELECT count(*) FROM {users} WHERE username = ANY(%s)", erasers) == 0
        assert (
            site.value(
                f"SELECT count(*) FROM {Guardianship._meta.db_table} g JOIN {users} u "
                "ON g.teen_id = u.id WHERE u.username LIKE 'fault-teen%%' AND g.status = %s",
                Guardianship.Status.ACTIVE,
            )
            == BURST
        )
        result = site.check_integrity()
        assert result.returncode == 0, result.stdout + result.stderr
        assert tail(server.log, 200).count("Traceback") == 0, tail(server.log, 200)


def assert_all_or_nothing(site: Site, erasers: dict[str, int], teens: list[str]) -> None:
    """Each erasure and each approval happened whole or not at all."""
    users, receipts = User._meta.db_table, ErasureReceipt._meta.db_table
    existing = dict(site.query(f"SELECT username, id FROM {users}"))
    subjects = {subject for (subject,) in site.query(f"SELECT subject FROM {receipts}")}
    for username, user_id in erasers.items():
        # A member is either all there (with their address) or gone, with a receipt.
        addresses = site.value(
            "SELECT count(*) FROM account_emailaddress WHERE user_id = %s", user_id
        )
        if username in existing:
            assert (site.subject(user_id) in subjects, addresses) == (False, 1), username
        else:
            assert (site.subject(user_id) in subjects, addresses) == (True, 0), username
    for teen in teens:
        # A teen is approved whole (request, guardianship, the guardian's consent record)
        # or still waiting, with the request open.
        teen_id = existing[teen]
        [(status, request_status)] = site.query(
            f"SELECT g.status, r.status FROM {Guardianship._meta.db_table} g "
            f"JOIN {GuardianRequest._meta.db_table} r ON r.guardianship_id = g.id "
            "WHERE g.teen_id = %s",
            teen_id,
        )
        decisions = site.value(
            f"SELECT count(*) FROM {ConsentRecord._meta.db_table} "
            'WHERE user_id = %s AND source = %s AND "group" = %s',
            teen_id,
            ConsentSource.GUARDIAN,
            GuardianDecision.ACCOUNT,
        )
        if status == Guardianship.Status.ACTIVE:
            assert (request_status, decisions) == (GuardianRequest.Status.APPROVED, 1), teen
        else:
            assert (request_status, decisions) == (GuardianRequest.Status.PENDING, 0), teen
