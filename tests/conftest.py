import re

import pytest
from django.core.cache import caches
from django.db import connections
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import translation

from tests.factories import UserFactory


@pytest.fixture(autouse=True, scope="session")
def _test_settings():
    """Overrides for the whole run, in place before the live server builds its middleware."""
    with override_settings(
        # The manifest storage needs collectstatic; tests serve files from the finders.
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        # Production redirects every request to HTTPS; tests speak plain HTTP to the server.
        SECURE_SSL_REDIRECT=False,
        # Fast hashing; the Argon2 configuration has a test of its own.
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ):
        yield


@pytest.fixture(autouse=True)
def _clear_caches():
    # allauth keeps rate limits in the cache: without this, tests start getting 429s.
    for cache in caches.all(initialized_only=True):
        cache.clear()
    yield
    for cache in caches.all(initialized_only=True):
        cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language. The test client answers requests in
    the test's own thread, and a request leaves its language active there (LocaleMiddleware
    and the member's language activate it, as they do per request in a server): a test that
    renders a template directly after another test's Chinese request would read Chinese."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _each_request_commits(monkeypatch):
    """A request's writes are committed when it ends, and what waits for the commit (the
    emails) runs then. The test's transaction never commits, so the test client runs what
    each request left waiting when it returns; a rolled-back block has left nothing."""
    request = Client.request

    def request_then_commit(self, **kwargs):
        starts = {conn.alias: len(conn.run_on_commit) for conn in connections.all()}
        response = request(self, **kwargs)
        for conn in connections.all():
            start = starts.get(conn.alias, 0)
            while len(conn.run_on_commit) > start:
                waiting = conn.run_on_commit[start:]
                del conn.run_on_commit[start:]
                for entry in waiting:  # (savepoint ids, callback, robust)
                    entry[1]()
        return response

    monkeypatch.setattr(Client, "request", request_then_commit)


@pytest.fixture
def member(db):
    """A verified member who can log in with the password ``correct-horse-battery``."""
    return UserFactory()


LOGIN_CODE = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.MULTILINE)


def login_code_in(message) -> str:
    """The sign-in code in allauth's login-code email (like ``QBWL-XJRD``)."""
    match = LOGIN_CODE.search(message.body)
    assert match, message.body
    return match.group(1)


def logged_in_user_id(client):
    """The id (a string) of the user the test client's session is logged in as, or None."""
    return client.session.get("_auth_user_id")


@pytest.fixture
def choose(client):
    """Post a choice as the banner or the settings page would."""

    def _choose(action, groups="all", source="banner", next_url="/", **meta):
        """``meta``: request environ such as ``REMOTE_ADDR`` or ``HTTP_SEC_GPC``."""
        data = {"source": source, "next": next_url}
        if groups == "all":
            data["all_groups"] = "on"
        else:
            data["cookie_groups"] = groups
        return client.post(reverse(f"consent:{action}"), data, **meta)

    return _choose
