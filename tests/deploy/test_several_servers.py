"""Several app servers side by side, as production runs them: two gunicorn servers with
production settings on one PostgreSQL and one Redis, and ``db_worker`` task workers.

The servers get a database of their own (``<name>_servers`` beside the one in
``DATABASE_URL``), created, migrated and dropped here: the test database of the rest of the
suite is never flushed or changed by them. They share the Redis of ``REDIS_URL`` (emptied
before each test, as the suite's own fixture does). The tests reach them only as outsiders
do: over HTTP like a browser, and by reading the shared database with SQL. Without
PostgreSQL and Redis the module is skipped; with ``REQUIRE_SERVERS=1`` (CI's PostgreSQL
run) it fails instead.
"""

from __future__ import annotations

import email
import http.client
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import psycopg
import pytest
import redis
from cookie_consent.models import Cookie, CookieGroup
from django.conf import settings
from django.tasks import TaskResultStatus
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from accounts.tasks import email_deliver
from consent.models import ConsentAction, ConsentRecord
from consent.state import ANALYTICS
from tests.factories import PASSWORD
from tests.totp import totp_code
from tomato.config import parse_database_url

pytestmark = pytest.mark.servers

ROOT = Path(__file__).resolve().parents[2]
#: How long a server or worker may take to start, and a worker to send what is queued.
PATIENCE = 30.0
#: Emails each of two workers sends side by side.
SHARE = 6
#: Members made for the tests: one logs in, the others ask for password-reset emails.
MEMBERS = 2 + 2 * SHARE
#: Variables of the test run itself that a deployment would not have.
NOT_INHERITED = {"DJANGO_ALLOW_ASYNC_UNSAFE", "REQUIRE_BROWSER", "REQUIRE_SERVERS"}


def missing_services() -> str:
    """Why the servers cannot run here, or "" when PostgreSQL and Redis are configured."""
    database = os.environ.get("DATABASE_URL", "")
    if urlsplit(database).scheme not in {"postgres", "postgresql", "pgsql"}:
        return "several servers need PostgreSQL: set DATABASE_URL=postgres://… (and REDIS_URL)"
    if not os.environ.get("REDIS_URL", "").strip():
        return "several servers share a cache: set REDIS_URL=redis://…"
    return ""


# --- Processes ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start ``python <args>`` in the project, its output in ``log``."""
    with log.open("wb") as output:
        return subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def finish(process: subprocess.Popen[bytes], log: Path) -> None:
    """Wait for a command to end, and fail with its output unless it succeeded."""
    if process.wait(timeout=120) != 0:
        pytest.fail(f"{log.stem} failed:\n{tail(log)}")


def tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


# --- HTTP, as a browser does it -----------------------------------------------------------


@dataclass
class Server:
    name: str
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def wait_until_healthy(self) -> None:
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                pytest.fail(f"server {self.name} stopped:\n{tail(self.log)}")
            try:
                if Visitor().get(self, reverse("healthz")).status == HTTPStatus.OK:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        pytest.fail(f"server {self.name} did not answer /healthz:\n{tail(self.log)}")


@dataclass
class Response:
    status: int
    location: str
    text: str


CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Visitor:
    """One browser: its cookies and the form token of the last page it read.

    Production cookies are ``Secure`` (the session and CSRF ones ``__Host-``), which a
    client library keeps off plain HTTP; the servers here speak HTTP, so the cookies are
    kept by name and sent to either server, as a browser sends them to one HTTPS site
    whichever app server the load balancer picks.
    """

    cookies: dict[str, str] = field(default_factory=dict)
    csrf_token: str = ""
    #: Sent with every request (``X-Forwarded-For``: a client behind the proxy).
    headers: dict[str, str] = field(default_factory=dict)

    def get(self, server: Server, path: str) -> Response:
        return self._request(server, "GET", path)

    def post(self, server: Server, path: str, data: dict[str, str]) -> Response:
        """Submit a form of a page read before (from either server)."""
        assert self.csrf_token, "read a page with a form first"
        body = urlencode({"csrfmiddlewaretoken": self.csrf_token, **data})
        return self._request(server, "POST", path, body)

    def _request(self, server: Server, method: str, path: str, body: str | None = None) -> Response:
        headers = {"User-Agent": "tomato-tests", **self.headers}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            text = answer.read().decode()
        finally:
            connection.close()
        for header in answer.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.coded_value
        if token := CSRF_FIELD.search(text):
            self.csrf_token = token.group(1)
        return Response(answer.status, answer.headers.get("Location", ""), text)


# --- The deployment -----------------------------------------------------------------------


@dataclass
class Deployment:
    a: Server
    b: Server
    env: dict[str, str]
    database: dict[str, Any]
    mail: Path
    logs: Path
    people: dict[str, Any]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start_worker(self, worker_id: str, *options: str) -> subprocess.Popen[bytes]:
        """``manage.py db_worker`` with the servers' environment; stopped after the test."""
        args = ["manage.py", "db_worker", "--no-startup-delay", "--interval", "0.1"]
        log = self.logs / f"worker-{worker_id}.log"
        worker = start([*args, "--worker-id", worker_id, *options], self.env, log)
        self.workers.append(worker)
        return worker

    def query(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        with psycopg.connect(**self.database, autocommit=True) as connection:
            return connection.execute(sql, params).fetchall()

    def email_tasks(self, to: str) -> list[tuple[Any, ...]]:
        """Status and worker ids of the email tasks for one address."""
        return self.query(
            f"SELECT status, worker_ids FROM {DBTaskResult._meta.db_table} "
            "WHERE task_path = %s AND args_kwargs -> 'kwargs' ->> 'to' = %s",
            email_deliver.module_path,
            to,
        )

    def sent(self) -> Counter[str]:
        """Emails written by the file mailer, counted by recipient."""
        counts: Counter[str] = Counter()
        for path in self.mail.iterdir():
            for chunk in path.read_bytes().split(b"-" * 79 + b"\n"):
                if chunk.strip():
                    counts[str(email.message_from_bytes(chunk)["To"])] += 1
        return counts


def database_settings(url: str) -> dict[str, Any]:
    """psycopg's connection arguments for a ``DATABASE_URL``."""
    config = parse_database_url(url, base_dir=ROOT)
    given = {
        "host": config.get("HOST"),
        "port": config.get("PORT"),
        "user": config.get("USER"),
        "password": config.get("PASSWORD"),
        "dbname": str(config["NAME"]),
    }
    return {**{k: v for k, v in given.items() if v}, **config["OPTIONS"]}


@dataclass
class ServersDatabase:
    """A database of the servers' own, migrated, with the environment they run in."""

    env: dict[str, str]
    database: dict[str, Any]
    home: Path
    logs: Path


@contextmanager
def servers_database(
    tmp_path_factory: pytest.TempPathFactory, label: str, **extra_env: str
) -> Iterator[ServersDatabase]:
    """Skip (or fail, with ``REQUIRE_SERVERS=1``) without PostgreSQL and Redis; else create
    ``<name>_servers`` beside the database of ``DATABASE_URL``, migrate it, collect the
    static files, and drop it afterwards. ``extra_env`` adds to the servers' environment."""
    if reason := missing_services():
        if os.environ.get("REQUIRE_SERVERS") == "1":
            pytest.fail(f"REQUIRE_SERVERS=1, but {reason}")
        pytest.skip(reason)
    base_url = urlsplit(os.environ["DATABASE_URL"].strip())
    name = f"{base_url.path.lstrip('/')}_servers"
    database_url = base_url._replace(path=f"/{name}").geturl()
    database = database_settings(database_url)
    maintenance = {**database, "dbname": "postgres"}
    home = tmp_path_factory.mktemp(label)
    mail, logs = home / "mail", home / "logs"
    mail.mkdir()
    logs.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if k not in NOT_INHERITED},
        "DJANGO_SETTINGS_MODULE": "tomato.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ["REDIS_URL"].strip(),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_URL": f"file://{mail}",
        "STATIC_ROOT": str(home / "static"),
        **extra_env,
    }

    def maintain(sql: str) -> None:
        with psycopg.connect(**maintenance, autocommit=True) as connection:
            connection.execute(sql)

    drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    with ExitStack() as cleanup:
        maintain(drop)
        maintain(f'CREATE DATABASE "{name}"')
        cleanup.callback(maintain, drop)
        migrate = start(["manage.py", "migrate", "--no-input"], env, logs / "migrate.log")
        static = start(["manage.py", "collectstatic", "--no-input"], env, logs / "static.log")
        cleanup.callback(stop, migrate)
        cleanup.callback(stop, static)
        finish(migrate, logs / "migrate.log")
        finish(static, logs / "static.log")
        yield ServersDatabase(env, database, home, logs)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Iterator[Deployment]:
    with ExitStack() as cleanup:
        base = cleanup.enter_context(servers_database(tmp_path_factory, "servers"))
        env, database, logs, mail = base.env, base.database, base.logs, base.home / "mail"
        seed = subprocess.Popen(
            [sys.executable, "-m", "tests.deploy.seed", str(MEMBERS)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        cleanup.callback(stop, seed)
        servers = []
        for server_name in ("A", "B"):
            server = Server(server_name, free_port(), logs / f"server-{server_name}.log")
            gunicorn = ["-m", "gunicorn", "-c", "gunicorn.conf.py", "tomato.wsgi"]
            server.process = start(
                [*gunicorn, "--bind", f"127.0.0.1:{server.port}", "--workers", "1"],
                {**env, "SITE_URL": f"http://127.0.0.1:{server.port}"},
                server.log,
            )
            cleanup.callback(stop, server.process)
            servers.append(server)
        out, err = seed.communicate(timeout=120)
        assert seed.returncode == 0, err.decode()
        for server in servers:
            server.wait_until_healthy()

        a, b = servers
        yield Deployment(a, b, env, database, mail, logs, people=json.loads(out))


@pytest.fixture(autouse=True)
def _fresh_cache_and_workers(deployment) -> Iterator[None]:
    """Each test starts with empty rate-limit counters, and ends with its workers stopped."""
    redis.Redis.from_url(deployment.env["REDIS_URL"]).flushdb()
    yield
    while deployment.workers:
        stop(deployment.workers.pop())


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {PATIENCE:.0f} s for {what}")
        time.sleep(0.1)


def log_in(visitor: Visitor, server: Server, username: str) -> Response:
    visitor.get(server, reverse("account_login"))
    return visitor.post(server, reverse("account_login"), {"login": username, "password": PASSWORD})


def request_password_reset(server: Server, address: str) -> Response:
    visitor = Visitor()
    visitor.get(server, reverse("account_reset_password"))
    return visitor.post(server, reverse("account_reset_password"), {"email": address})


# --- The tests ----------------------------------------------------------------------------


def test_a_session_made_on_one_server_is_valid_on_the_other(deployment):
    a, b = deployment.a, deployment.b
    member = deployment.people["members"][0]
    visitor = Visitor()
    response = log_in(visitor, a, member["username"])
    assert response.status == HTTPStatus.FOUND, response.text

    response = visitor.get(b, reverse("accounts:me"))
    assert response.status == HTTPStatus.OK
    assert member["username"] in response.text

    # Logging out on B ends the session on A too.
    assert visitor.post(b, reverse("account_logout"), {}).status == HTTPStatus.FOUND
    response = visitor.get(a, reverse("accounts:me"))
    assert response.status == HTTPStatus.FOUND
    assert response.location.startswith(reverse("account_login"))


def test_rate_limits_count_the_hits_on_both_servers(deployment):
    a, b = deployment.a, deployment.b
    signup = reverse("account_signup")
    # The age screen takes this many answers a minute from one client IP.
    limit = int(settings.ACCOUNT_RATE_LIMITS["age_screen"].split("/")[0])

    def answer(server: Server) -> int:
        visitor = Visitor()  # a new visitor each time: an answer is asked only once
        visitor.get(server, signup)
        return visitor.post(server, signup, {"date_of_birth": "1990-05-17"}).status

    statuses = [answer(a if i % 2 else b) for i in range(limit)]
    assert statuses == [HTTPStatus.FOUND] * limit
    # Half on each: a count per server would let both take as many again.
    assert answer(a) == HTTPStatus.TOO_MANY_REQUESTS
    assert answer(b) == HTTPStatus.TOO_MANY_REQUESTS


def test_a_cookie_added_in_the_admin_on_one_server_shows_on_the_other_at_once(deployment):
    a, b = deployment.a, deployment.b
    staff = deployment.people["staff"]
    cookies_page = reverse("consent:cookie_settings")
    cookie = {"name": "tomato_servers", "description": "Counts visits across servers."}
    assert cookie["name"] not in Visitor().get(b, cookies_page).text  # now in B's cache

    admin = Visitor()
    response = log_in(admin, a, staff["username"])
    assert response.location == reverse("mfa_authenticate"), response.text
    admin.get(a, response.location)
    response = admin.post(a, reverse("mfa_authenticate"), {"code": totp_code(staff["totp_secret"])})
    assert response.status == HTTPStatus.FOUND, response.text
    [(analytics,)] = deployment.query(
        f"SELECT id FROM {CookieGroup._meta.db_table} WHERE varname = %s", ANALYTICS
    )
    add_cookie = reverse(f"admin:cookie_consent_{Cookie._meta.model_name}_add")
    admin.get(a, add_cookie)
    response = admin.post(
        a,
        add_cookie,
        {**cookie, "cookiegroup": str(analytics), "path": "/", "domain": "", "_save": "Save"},
    )
    assert response.status == HTTPStatus.FOUND, response.text

    page = Visitor().get(b, cookies_page).text
    assert cookie["name"] in page
    assert cookie["description"] in page


def test_consent_choices_posted_to_both_servers_are_each_recorded_once(deployment):
    servers = [deployment.a, deployment.b]
    visitors, choices = 4, 6
    actions = [ConsentAction.ACCEPT, ConsentAction.DECLINE] * (choices // 2)

    def choose_in_turn(number: int) -> list[int]:
        """One visitor reads the banner, then accepts and declines in turn, on A and B."""
        visitor = Visitor()
        visitor.get(servers[number % 2], "/")
        return [
            visitor.post(
                servers[(number + i) % 2],
                reverse(f"consent:{action}"),
                {"all_groups": "on", "source": "banner", "next": "/"},
            ).status
            for i, action in enumerate(actions)
        ]

    with ThreadPoolExecutor(max_workers=visitors) as pool:
        statuses = list(pool.map(choose_in_turn, range(visitors)))
    assert statuses == [[HTTPStatus.FOUND] * choices] * visitors

    [(groups,)] = deployment.query(
        f"SELECT count(*) FROM {CookieGroup._meta.db_table} WHERE NOT is_required"
    )
    records: dict[str, list[str]] = {}
    for subject, action in deployment.query(
        f"SELECT subject, action FROM {ConsentRecord._meta.db_table} ORDER BY id"
    ):
        records.setdefault(subject, []).append(action)
    # Each visitor is one subject on both servers, with every choice once, in order.
    expected = [action for action in actions for _ in range(groups)]
    assert list(records.values()) == [expected] * visitors


def test_an_email_queued_by_one_server_is_sent_once_by_the_worker(deployment):
    address = deployment.people["members"][1]["email"]
    response = request_password_reset(deployment.a, address)
    assert response.status == HTTPStatus.FOUND, response.text
    # Queued, not sent: the request did not wait for the mail server.
    assert deployment.email_tasks(address) == [(TaskResultStatus.READY, [])]
    assert deployment.sent()[address] == 0

    deployment.start_worker("solo")
    wait_for(lambda: deployment.email_tasks(address)[0][0] != TaskResultStatus.READY, "the worker")
    assert deployment.email_tasks(address) == [(TaskResultStatus.SUCCESSFUL, ["solo"])]
    assert deployment.sent()[address] == 1


def test_two_workers_side_by_side_send_each_email_once(deployment):
    a, b = deployment.a, deployment.b
    addresses = [member["email"] for member in deployment.people["members"][2:]]
    # Each worker stops after its share, so both must take part.
    workers = [
        deployment.start_worker(worker_id, "--max-tasks", str(SHARE)) for worker_id in ("1", "2")
    ]

    def reset(number: int) -> int:
        return request_password_reset(a if number % 2 else b, addresses[number]).status

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(reset, range(len(addresses))))
    assert statuses == [HTTPStatus.FOUND] * len(addresses)
    wait_for(lambda: all(w.poll() is not None for w in workers), "both workers' shares")
    assert [worker.returncode for worker in workers] == [0, 0]

    sent = deployment.sent()
    assert {address: sent[address] for address in addresses} == dict.fromkeys(addresses, 1)
    tasks = [task for address in addresses for task in deployment.email_tasks(address)]
    assert [status for status, _ in tasks] == [TaskResultStatus.SUCCESSFUL] * len(addresses)
    assert Counter(worker_id for _, [worker_id] in tasks) == {"1": SHARE, "2": SHARE}
