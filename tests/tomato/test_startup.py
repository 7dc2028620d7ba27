"""Start-up with a bad environment stops with one clear line, and production settings pass
Django's deployment checklist."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "RECEIPT_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    "SITE_URL": "https://tomato.example",
    "ALLOWED_HOSTS": "tomato.example",
    "EMAIL_URL": "smtp://mailer:secret@mail.tomato.example:587",
    "DATABASE_URL": "sqlite:///db.sqlite3",
    # Read, never connected to, by the checks.
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


# Variables of the test run itself that a real deployment would not have.
NOT_INHERITED = {*PRODUCTION, "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def manage(*args, **env):
    base = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"DATABASE_URL": "mysql://root@localhost/tomato"}, "DATABASE_URL has the unsupported"),
        ({"DATABASE_URL": "postgres://root@localhost:nope/x"}, "DATABASE_URL has a port"),
        ({"EMAIL_URL": "pigeon://coop"}, "EMAIL_URL has the unsupported scheme 'pigeon'"),
        ({"SECRET_KEY": ""}, "SECRET_KEY is required when DEBUG is off"),
        ({"DEBUG": "maybe"}, "DEBUG must be true or false"),
        ({"REDIS_URL": "memcached://x"}, "REDIS_URL must start with"),
        ({"MFA_ENCRYPTION_KEY": "not-a-fernet-key"}, "MFA_ENCRYPTION_KEY is not a Fernet key"),
    ],
)
def test_bad_configuration_stops_with_one_clear_line(override, message):
    result = manage("check", **{**PRODUCTION, **override})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Configuration error: ")
    assert message in lines[0]


def test_production_settings_pass_the_deployment_checklist():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_wsgi_application_refuses_a_bad_environment():
    code = "import tomato.wsgi"
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DEBUG": "0", "DJANGO_SETTINGS_MODULE": "tomato.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Configuration error: SECRET_KEY is required when DEBUG is off."
    )
