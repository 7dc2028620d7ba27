"""What production settings give the browser: cookie flags and prefixes, HSTS, CSP.

The test run itself uses development-like settings; these read ``tomato.settings`` in a
fresh interpreter with a production environment, as ``test_startup`` runs ``check --deploy``.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.tomato.test_startup import NOT_INHERITED, PRODUCTION

ROOT = Path(__file__).resolve().parents[2]

READ_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
names = [
    "DEBUG", "SESSION_COOKIE_NAME", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE", "SESSION_COOKIE_AGE", "CSRF_COOKIE_NAME", "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY", "CSRF_COOKIE_SAMESITE", "LANGUAGE_COOKIE_SECURE",
    "COOKIE_CONSENT_SECURE", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_SSL_REDIRECT",
]
print(json.dumps({name: getattr(settings, name) for name in names}))
"""


@pytest.fixture(scope="module")
def production():
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    result = subprocess.run(
        [sys.executable, "-c", READ_SETTINGS],
        cwd=ROOT,
        env={**env, **PRODUCTION, "DJANGO_SETTINGS_MODULE": "tomato.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def test_production_session_and_csrf_cookies_are_host_only_secure_and_http_only(production):
    assert production["DEBUG"] is False
    for cookie in ("SESSION", "CSRF"):
        assert production[f"{cookie}_COOKIE_NAME"].startswith("__Host-")
        assert production[f"{cookie}_COOKIE_SECURE"] is True
        assert production[f"{cookie}_COOKIE_HTTPONLY"] is True
        assert production[f"{cookie}_COOKIE_SAMESITE"] == "Lax"
    assert production["LANGUAGE_COOKIE_SECURE"] is True
    assert production["COOKIE_CONSENT_SECURE"] is True


def test_production_sends_hsts_for_a_year_with_subdomains_and_redirects_to_https(production):
    assert production["SECURE_HSTS_SECONDS"] >= 365 * 24 * 60 * 60
    assert production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production["SECURE_SSL_REDIRECT"] is True


def test_a_production_session_lasts_at_most_fourteen_days(production):
    assert 0 < production["SESSION_COOKIE_AGE"] <= 14 * 24 * 60 * 60


@pytest.mark.django_db
def test_the_pages_policy_forbids_plugins_base_tags_and_other_origins(client):
    csp = client.get(reverse("home"))["Content-Security-Policy"]
    directives = dict(
        (part.split(" ", 1) + [""])[:2] for part in (p.strip() for p in csp.split(";")) if part
    )
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert directives["script-src"].split()[0] == "'self'"
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "*" not in csp
