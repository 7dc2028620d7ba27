"""No secrets or personal data in the logs: one filter on every handler, Django's and gunicorn's."""

import datetime
import io
import logging
import re
import socket
import sys
from contextlib import contextmanager
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core import signing
from django.core.servers.basehttp import WSGIRequestHandler
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteDatabaseWrapper
from django.test.testcases import LiveServerThread
from django.urls import reverse
from gunicorn.app.base import Application
from gunicorn.glogging import Logger as GunicornLogger

from guardians.tokens import SALT, make_token
from tests.factories import GuardianFactory, GuardianshipFactory
from tomato.logging import RedactSecrets

EMAIL = "mum@example.net"
BIRTH_DATE = "2012-05-17"
RESET_KEY = "cz1m7q-9a4b0e5f3c2d1e0f9a8b7c6d5e4f3a2b"


def record(message, *args, exc_info=None):
    return logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, message, args, exc_info
    )


def redacted(message):
    entry = record(message)
    assert RedactSecrets().filter(entry)
    return entry.getMessage()


@pytest.mark.parametrize(
    ("logged", "written"),
    [
        ("Gone: /guardian/consent/eyJyIjoxfQ:1xW8:abc/", "Gone: /guardian/consent/[redacted]/"),
        (
            '"GET /accounts/confirm-email/MQ:1xW8:a-b/ HTTP/1.1"',
            '"GET /accounts/confirm-email/[redacted]/ HTTP/1.1"',
        ),
        (
            "/accounts/password/reset/key/2f-cz1m7q-9a4b/",
            "/accounts/password/reset/key/[redacted]/",
        ),
        (
            "/accounts/login/?next=%2Fguardian%2Fconsent%2FeyJ%3A1xW8%3Aabc%2F&x=1",
            "/accounts/login/?next=%2Fguardian%2Fconsent%2F[redacted]%2F&x=1",
        ),
        (
            "/cookies/?next=%2Fme%2F%3Fnext%3D%252Fguardian%252Fconsent%252FeyJ%253Aabc%252F",
            "/cookies/?next=%2Fme%2F%3Fnext%3D%252Fguardian%252Fconsent%252F[redacted]%252F",
        ),
        (
            '"GET /static/css/site.css" "https://tomato.example/guardian/consent/eyJ:abc/"',
            '"GET /static/css/site.css" "https://tomato.example/guardian/consent/[redacted]/"',
        ),
        ("No account for mum@example.net.", "No account for [redacted]."),
        ("?email=ana.b%2Btag%40example.co.uk&x=1", "?email=[redacted]&x=1"),
        ("?next=%2Fx%2F%3Femail%3Dmum%40example.net", "?next=%2Fx%2F%3Femail%3D[redacted]"),
        (
            "?date_of_birth=17.05.2012&date_of_birth__year=2012&dob=17%2F05%2F2012",
            "?date_of_birth=[redacted]&date_of_birth__year=[redacted]&dob=[redacted]",
        ),
        (
            "?next=%2Fsignup%2F%3Fdate_of_birth%3D17.05.2012%26a%3Db",
            "?next=%2Fsignup%2F%3Fdate_of_birth%3D[redacted]%26a%3Db",
        ),
        ("?born=2012-05-17", "?born=[redacted]"),
        ("args=(datetime.date(2012, 5, 17),)", "args=([redacted],)"),
    ],
)
def test_secrets_emails_and_birth_dates_are_redacted(logged, written):
    assert redacted(logged) == written


@pytest.mark.parametrize(
    "logged",
    [
        "Not Found: /privacy/9.9/",
        "/accounts/password/reset/key/done/",
        "Task id=PoJ7PzKm path=accounts.tasks.email_deliver state=SUCCESSFUL",
        "/cookies/?next=/privacy/&version=2",
    ],
)
def test_other_messages_are_left_alone(logged):
    assert redacted(logged) == logged


def test_tracebacks_are_redacted():
    try:
        raise ValueError(f"No account for {EMAIL}, born {BIRTH_DATE}")
    except ValueError:
        entry = record(
            "Error handling request %s", "/guardian/consent/eyJ:abc/", exc_info=sys.exc_info()
        )
    RedactSecrets().filter(entry)
    written = logging.Formatter().format(entry)
    assert "Error handling request /guardian/consent/[redacted]/" in written
    assert "ValueError: No account for [redacted], born [redacted]" in written


# --- Every handler ------------------------------------------------------------------------


def configured_handlers():
    """The handlers on the root logger and on every named logger, less pytest's capture."""
    loggers = [logging.root] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    handlers = dict.fromkeys(handler for logger in loggers for handler in logger.handlers)
    return [handler for handler in handlers if not type(handler).__module__.startswith("_pytest.")]


def test_every_configured_handler_carries_the_redaction_filter():
    handlers = configured_handlers()
    assert set(logging.root.handlers) & set(handlers)
    assert set(logging.getLogger("django.server").handlers) & set(handlers)  # runserver's
    unfiltered = [
        handler
        for handler in handlers
        if not any(isinstance(each, RedactSecrets) for each in handler.filters)
    ]
    assert unfiltered == []


@pytest.fixture
def log_output():
    """Everything the configured handlers write, in one buffer."""
    output = io.StringIO()
    streams = {
        handler: handler.setStream(output)
        for handler in configured_handlers()
        if isinstance(handler, logging.StreamHandler)
    }
    yield output
    for handler, stream in streams.items():
        if stream is not None:
            handler.setStream(stream)


@pytest.fixture
def leaky_requests():
    """Request paths carrying each kind of secret, and the secrets as they would be logged."""
    token = signing.dumps({"r": 1, "n": "a-nonce"}, salt=SALT)
    confirm_key = signing.dumps(1, salt="account")  # the shape of allauth's confirmation key
    consent_link = reverse("guardians:consent", kwargs={"token": token})
    paths = [
        consent_link,
        reverse("account_confirm_email", kwargs={"key": confirm_key}),
        reverse("account_reset_password_from_key", kwargs={"uidb36": "2f", "key": RESET_KEY}),
        f"{reverse('account_login')}?next={quote(consent_link, safe='')}",
        f"{reverse('account_reset_password')}?email={quote(EMAIL)}",
        f"{reverse('account_login')}?login={EMAIL}",
        f"{reverse('account_signup')}?date_of_birth={BIRTH_DATE}",
    ]
    secrets = [
        token,
        quote(token, safe=""),
        confirm_key,
        RESET_KEY,
        EMAIL,
        quote(EMAIL),
        BIRTH_DATE,
    ]
    return paths, secrets


# --- runserver's request log ---------------------------------------------------------------


class RunserverThread(LiveServerThread):
    """Django's live server with runserver's request handler, which logs every request."""

    def _create_server(self, connections_override=None):
        return self.server_class(
            (self.host, self.port),
            WSGIRequestHandler,
            allow_reuse_address=False,
            connections_override=connections_override,
        )


@pytest.fixture
def runserver(db):
    # An in-memory SQLite database is shared with the server thread, as LiveServerTestCase does.
    shared: dict[str, BaseDatabaseWrapper] = {
        conn.alias: conn
        for conn in connections.all()
        if isinstance(conn, SQLiteDatabaseWrapper) and conn.is_in_memory_db()
    }
    for conn in shared.values():
        conn.inc_thread_sharing()
    thread = RunserverThread("127.0.0.1", StaticFilesHandler, connections_override=shared)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield thread
    thread.terminate()
    for conn in shared.values():
        conn.dec_thread_sharing()


def get(server, path):
    """GET over HTTP/1.0: the server logs the request, then closes the connection."""
    with socket.create_connection((server.host, server.port)) as sock:
        sock.sendall(f"GET {path} HTTP/1.0\r\nHost: {server.host}\r\n\r\n".encode())
        while sock.recv(65536):
            pass


def test_the_runserver_request_log_is_redacted(runserver, log_output, leaky_requests):
    paths, secrets = leaky_requests
    for path in paths:
        get(runserver, path)
    output = log_output.getvalue()
    assert output.count('"GET /') == len(paths)
    assert '"GET /accounts/login/?next=%2Fguardian%2Fconsent%2F[redacted]%2F HTTP/1.0"' in output
    assert '"GET /accounts/signup/?date_of_birth=[redacted] HTTP/1.0"' in output
    assert [secret for secret in secrets if secret in output] == []


# --- gunicorn's logs ------------------------------------------------------------------------


class GunicornWithOurConfig(Application):
    """Gunicorn's own loader, reading gunicorn.conf.py as ``gunicorn -c gunicorn.conf.py`` does."""

    def load_config(self):
        self.load_config_from_file(str(settings.BASE_DIR / "gunicorn.conf.py"))


@pytest.fixture
def _gunicorn_handlers_removed():
    yield
    for name in ("gunicorn.error", "gunicorn.access"):
        logger = logging.getLogger(name)
        for handler in logger.handlers[:]:
            logger.removeHandler(handler)


@pytest.mark.usefixtures("_gunicorn_handlers_removed")
def test_gunicorn_access_and_error_logs_are_redacted(capsys, leaky_requests):
    # Set up in the test itself, so that its handlers write to the streams capsys reads.
    gunicorn_logger = GunicornLogger(GunicornWithOurConfig().cfg)
    paths, secrets = leaky_requests
    consent_link = paths[0]
    for path in paths:
        path_info, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "RAW_URI": path,
            "PATH_INFO": path_info,
            "QUERY_STRING": query,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "203.0.113.7",
            "HTTP_REFERER": f"https://tomato.example{consent_link}",
            "HTTP_USER_AGENT": "Mozilla/5.0",
        }
        response = SimpleNamespace(
            status="200 OK", headers=(("Content-Type", "text/html"),), sent=512
        )
        request = SimpleNamespace(headers=(("Referer", environ["HTTP_REFERER"]),))
        gunicorn_logger.access(response, request, environ, datetime.timedelta(milliseconds=5))
    try:
        raise ValueError(f"No account for {EMAIL}")
    except ValueError:
        gunicorn_logger.exception("Error handling request %s", consent_link)
    access, error = capsys.readouterr()
    assert access.count('"GET /') == len(paths)
    assert '"GET /accounts/login/?next=%2Fguardian%2Fconsent%2F[redacted]%2F HTTP/1.1"' in access
    assert '"https://tomato.example/guardian/consent/[redacted]/"' in access
    assert "Error handling request /guardian/consent/[redacted]/" in error
    assert "ValueError: No account for [redacted]" in error
    assert [secret for secret in secrets if secret in access + error] == []


# --- Whole flows -----------------------------------------------------------------------------

RESET_LINK = re.compile(r"/accounts/password/reset/key/[^/\s]+/")


@contextmanager
def every_record_logged():
    """Every logger at DEBUG, SQL queries included (as DEBUG=1 logs them), for a while."""
    loggers = [logging.root, logging.getLogger("django")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    connection.force_debug_cursor = True
    try:
        yield
    finally:
        connection.force_debug_cursor = False
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


@pytest.mark.django_db
def test_a_guardian_approval_and_a_password_reset_log_no_token_email_or_birth_date(
    client, member, mailoutbox, django_capture_on_commit_callbacks, log_output
):
    guardianship = GuardianshipFactory(guardian_email=EMAIL)
    guardian = GuardianFactory(email=EMAIL)
    people = [guardianship.teen, guardian, member]
    link = reverse("guardians:consent", kwargs={"token": make_token(guardianship.requests.get())})
    new_password = "a-brand-new-password"
    with every_record_logged():
        client.get(link)
        client.force_login(guardian)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(link, {"decision": "approve"})
        client.get(link)  # used: 410 Gone, logged with its path
        client.logout()

        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("account_reset_password"), {"email": member.email})
        reset_link = RESET_LINK.search(mailoutbox[-1].body).group()
        form = client.get(reset_link)["Location"]
        client.post(form, {"password1": new_password, "password2": new_password})
        client.get(reset_link)  # used: allauth's "bad token" page

    written = log_output.getvalue()
    assert "Gone: /guardian/consent/[redacted]/" in written
    assert "accounts_user" in written  # the SQL log is in
    secrets = [link.split("/")[-2], reset_link.split("/")[-2]]
    for person in people:
        secrets += [person.email, person.date_of_birth.isoformat(), repr(person.date_of_birth)]
    assert [secret for secret in secrets if secret in written] == []
