"""Browser journeys: Playwright for Python drives Debian's Chromium against a live server.

Without Chromium these tests are skipped with the reason; with ``REQUIRE_BROWSER=1``
(as in CI) a missing browser fails the run instead.
"""

import os
import re
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connections

# Playwright's sync API runs an event loop in the test's thread; Django would then
# refuse ORM calls made from that thread by the tests themselves.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--no-first-run",
]


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    browser_items = [item for item in items if Path(str(item.fspath)).is_relative_to(here)]
    for item in browser_items:
        item.add_marker(pytest.mark.browser)
    if CHROMIUM.exists() or not browser_items:
        return
    if os.environ.get("REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(
            f"REQUIRE_BROWSER=1 but there is no Chromium at {CHROMIUM}: "
            "install it with 'apt-get install chromium'."
        )
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    for item in browser_items:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session", autouse=True)
def _migrated_data(django_db_setup, django_db_blocker):
    """The database as the migrations left it (policy 1.0, cookie groups, the site).

    Taken before Playwright starts: its sync API keeps an asyncio loop running in the
    test thread, and from then on Django hands out connections from context-local
    storage, so the copy that the test database set-up kept on the thread's connection
    is not on the one the tests use.
    """
    with django_db_blocker.unblock():
        return getattr(connections[DEFAULT_DB_ALIAS], "_test_serialized_contents")  # noqa: B009


@pytest.fixture
def site(live_server, django_db_serialized_rollback, _migrated_data):
    """The live site's base URL, with the seed data of the migrations in place.

    Each journey is a transactional test: the database is emptied after it and the
    migrations' data is loaded again before the next one.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    if not hasattr(connection, "_test_serialized_contents"):
        setattr(connection, "_test_serialized_contents", _migrated_data)  # noqa: B010
        connection.creation.deserialize_db_from_string(_migrated_data)
    return live_server.url


@pytest.fixture
def no_js_page(browser, site):
    """A page in a browser context with JavaScript turned off."""
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()


@pytest.fixture
def page(page):
    page.set_default_timeout(10_000)
    return page


LINK = re.compile(r"https?://[^/\s]+(/accounts/[^\s]+/)")


def link_in(message) -> str:
    """The path of the first account link in an email."""
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)
