import pytest
from django.core.cache import caches

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # The manifest storage needs collectstatic; tests serve static files from the finders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Production redirects every request to HTTPS; tests talk plain HTTP to the test server.
    settings.SECURE_SSL_REDIRECT = False
    # Fast hashing in tests; the Argon2 configuration is tested on its own.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_caches():
    # allauth keeps rate limits in the cache: without this, tests start getting 429s.
    for cache in caches.all(initialized_only=True):
        cache.clear()
    yield
    for cache in caches.all(initialized_only=True):
        cache.clear()


@pytest.fixture
def member(db):
    """A verified member who can log in with the password ``correct-horse-battery``."""
    return UserFactory()
