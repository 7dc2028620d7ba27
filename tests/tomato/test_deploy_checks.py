"""``check --deploy`` warns of a production setting that only suits a laptop."""

import pytest
from django.core.checks import Tags, run_checks

from tomato.config import parse_email_url
from tomato.deploy_checks import (
    check_receipt_signing_key,
    check_shared_cache,
    check_site_url_is_https,
)

REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        # Never resolved: the check reads the setting and connects to nothing.
        "LOCATION": "redis://cache.invalid:6379/0",
    }
}


# Security and mail: the tags of our checks and of Django's mailer check (the model checks
# would need the database).
TAGS = [Tags.security, Tags.mail]


def deploy_check_ids():
    return {message.id for message in run_checks(tags=TAGS, include_deployment_checks=True)}


def test_our_checks_run_with_the_deployment_checklist_only(settings):
    settings.SITE_URL = "http://tomato.example"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert {"tomato.W001", "tomato.W002"} <= deploy_check_ids()
    assert not {"tomato.W001", "tomato.W002"} & {m.id for m in run_checks(tags=TAGS)}


@pytest.mark.parametrize(
    "backend",
    [
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
    ],
)
def test_a_cache_kept_by_each_process_is_a_warning(settings, backend):
    settings.CACHES = {"default": {"BACKEND": backend}}
    [warning] = check_shared_cache()
    assert warning.id == "tomato.W001"
    assert "REDIS_URL" in str(warning.hint)


def test_a_shared_redis_cache_passes(settings):
    settings.CACHES = REDIS
    assert check_shared_cache() == []


@pytest.mark.parametrize("site_url", ["http://tomato.example", "http://127.0.0.1:8000"])
def test_a_site_url_without_https_is_a_warning(settings, site_url):
    settings.SITE_URL = site_url
    [warning] = check_site_url_is_https()
    assert warning.id == "tomato.W002"
    assert site_url in warning.msg


def test_an_https_site_url_passes(settings):
    settings.SITE_URL = "https://tomato.example"
    assert check_site_url_is_https() == []
    assert "tomato.W002" not in deploy_check_ids()


@pytest.mark.parametrize("email_url", ["console:", "file:///var/mail/tomato"])
def test_django_itself_reports_a_console_or_file_mailer(settings, email_url):
    """Django's own mail.E001 covers the mailer: there is no check of ours for it."""
    settings.MAILERS = {"default": parse_email_url(email_url)}
    assert "mail.E001" in deploy_check_ids()


def test_an_smtp_mailer_passes(settings):
    settings.MAILERS = {"default": parse_email_url("smtp://mailer:secret@mail.example:587")}
    assert "mail.E001" not in deploy_check_ids()


def test_a_receipt_key_derived_from_the_secret_key_is_a_warning(settings):
    settings.RECEIPT_SIGNING_KEY_DERIVED = True
    [warning] = check_receipt_signing_key()
    assert warning.id == "tomato.W003"
    assert "RECEIPT_SIGNING_KEY" in warning.msg


def test_a_receipt_key_of_its_own_passes(settings):
    settings.RECEIPT_SIGNING_KEY_DERIVED = False
    assert check_receipt_signing_key() == []
