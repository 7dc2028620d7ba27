"""Our additions to ``manage.py check --deploy`` (registered in ``TomatoConfig.ready``).

Django itself already reports a console, file, dummy or in-memory mailer under
``--deploy`` (``mail.E001``), so there is no check of ours for that.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

#: Cache backends that each process keeps to itself (or that keep nothing at all).
PROCESS_LOCAL_CACHES = frozenset(
    {
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
    }
)


def check_shared_cache(**kwargs: object) -> list[checks.CheckMessage]:
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend not in PROCESS_LOCAL_CACHES:
        return []
    return [
        checks.Warning(
            f"The default cache ({backend}) is not shared between processes: each worker keeps "
            "its own login and sign-up rate limits and its own copy of the cookie groups.",
            hint="Set REDIS_URL to a Redis server that every app process uses, like "
            "redis://redis.internal:6379/0.",
            id="tomato.W001",
        )
    ]


def check_site_url_is_https(**kwargs: object) -> list[checks.CheckMessage]:
    if urlsplit(settings.SITE_URL).scheme == "https":
        return []
    return [
        checks.Warning(
            f"SITE_URL is {settings.SITE_URL}, not HTTPS: links in emails and the trusted "
            "origin for CSRF would use plain HTTP.",
            hint="Set SITE_URL to the public HTTPS origin, like https://tomato.example.",
            id="tomato.W002",
        )
    ]


def check_receipt_signing_key(**kwargs: object) -> list[checks.CheckMessage]:
    if not settings.RECEIPT_SIGNING_KEY_DERIVED:
        return []
    return [
        checks.Warning(
            "RECEIPT_SIGNING_KEY is unset: consent receipts are signed with a key derived from "
            "SECRET_KEY, so changing SECRET_KEY changes the published key and every receipt "
            "already given out stops verifying against it.",
            hint="Set RECEIPT_SIGNING_KEY to an Ed25519 private key of its own (see the README, "
            "Configuration).",
            id="tomato.W003",
        )
    ]
