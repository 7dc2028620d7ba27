"""Parse the environment into Django settings values.

Every reader raises :class:`ConfigurationError` with one sentence that names the
variable and says what is wrong, so that start-up stops with one clear line
(see ``manage.py`` and ``tomato/wsgi.py``) instead of a traceback deep inside
Django.
"""

from __future__ import annotations

import base64
import importlib
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import NotRequired, TypedDict
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


class ConfigurationError(ImproperlyConfigured):
    """A setting in the environment is missing or malformed."""


def env_bool(environ: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigurationError(f"{name} must be true or false (1/0, yes/no, on/off), not {raw!r}.")


def env_int(environ: Mapping[str, str], name: str, *, default: int, minimum: int = 0) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}.") from None
    if value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}, not {value}.")
    return value


def env_choice(
    environ: Mapping[str, str], name: str, *, choices: tuple[str, ...], default: str
) -> str:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if raw.upper() not in choices:
        raise ConfigurationError(f"{name} must be one of {', '.join(choices)}, not {raw!r}.")
    return raw.upper()


def env_list(environ: Mapping[str, str], name: str, *, default: list[str]) -> list[str]:
    raw = environ.get(name)
    if raw is None or not raw.strip():
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


class DatabaseConfig(TypedDict):
    """One entry of ``DATABASES``; the connection fields are PostgreSQL's."""

    ENGINE: str
    NAME: str | Path
    OPTIONS: dict[str, str]
    USER: NotRequired[str]
    PASSWORD: NotRequired[str]
    HOST: NotRequired[str]
    PORT: NotRequired[str]
    CONN_MAX_AGE: NotRequired[int]
    CONN_HEALTH_CHECKS: NotRequired[bool]


class MailerConfig(TypedDict):
    """One entry of ``MAILERS``."""

    BACKEND: str
    OPTIONS: NotRequired[dict[str, str | int | bool | None]]


def _port(url_name: str, value: str) -> int | None:
    try:
        return urlsplit(value).port
    except ValueError:
        raise ConfigurationError(f"{url_name} has a port that is not a number.") from None


def parse_database_url(value: str, *, base_dir: Path, conn_max_age: int = 600) -> DatabaseConfig:
    """Turn ``DATABASE_URL`` into one entry of ``DATABASES``.

    ``sqlite:///relative/path.sqlite3`` (relative to the project),
    ``sqlite:////absolute/path.sqlite3``, and
    ``postgres://user:password@host:port/name`` (or ``postgresql://``) with
    optional query options passed to psycopg (``?sslmode=require``).
    """
    parts = urlsplit(value.strip())
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        if parts.netloc:
            raise ConfigurationError(
                "DATABASE_URL for SQLite is sqlite:///relative/path or sqlite:////absolute/path, "
                "with no host."
            )
        raw_path = unquote(parts.path)[1:]
        if not raw_path:
            raise ConfigurationError("DATABASE_URL for SQLite needs a file name.")
        path = Path(raw_path)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path if path.is_absolute() else base_dir / path,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL;",
            },
        }
    if scheme in {"postgres", "postgresql", "pgsql"}:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ConfigurationError("DATABASE_URL for PostgreSQL needs a database name.")
        options = {
            key: values[-1] for key, values in parse_qs(parts.query, strict_parsing=False).items()
        }
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(_port("DATABASE_URL", value) or ""),
            "CONN_MAX_AGE": conn_max_age,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    if not scheme:
        raise ConfigurationError(
            "DATABASE_URL is not a URL: expected sqlite:///path or postgres://user@host/name."
        )
    raise ConfigurationError(
        f"DATABASE_URL has the unsupported scheme {scheme!r}: use sqlite or postgres."
    )


def parse_email_url(value: str) -> MailerConfig:
    """Turn ``EMAIL_URL`` into the ``default`` entry of Django's ``MAILERS``.

    ``console:`` prints messages; ``file:///dir`` writes them to a directory;
    ``smtp://user:password@host:port`` sends them, with ``?tls=1`` for
    STARTTLS (the default on port 587) and ``smtps://`` for implicit TLS.
    """
    parts = urlsplit(value.strip())
    scheme = parts.scheme.lower()
    if scheme == "console":
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "file":
        path = unquote(parts.path)
        if parts.netloc or not path.startswith("/") or path == "/":
            raise ConfigurationError("EMAIL_URL for files is file:///absolute/directory.")
        return {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": path},
        }
    if scheme in {"smtp", "smtps"}:
        if not parts.hostname:
            raise ConfigurationError("EMAIL_URL for SMTP needs a host: smtp://user:pass@host:port.")
        port = _port("EMAIL_URL", value)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        use_ssl = scheme == "smtps"
        tls_word = query.get("tls", "1" if port == 587 else "0").lower()
        if tls_word not in TRUE_WORDS | FALSE_WORDS:
            raise ConfigurationError(f"EMAIL_URL option tls must be 1 or 0, not {tls_word!r}.")
        use_tls = not use_ssl and tls_word in TRUE_WORDS
        options: dict[str, str | int | bool | None] = {
            "host": parts.hostname,
            "port": port,
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_tls": use_tls,
            "use_ssl": use_ssl,
            "timeout": 10,
        }
        return {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}
    if scheme in {"memory", "locmem"}:
        return {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    raise ConfigurationError(
        f"EMAIL_URL has the unsupported scheme {scheme or value!r}: "
        "use console:, file:///dir or smtp://user:pass@host:port."
    )


def parse_redis_url(value: str) -> str:
    """Check ``REDIS_URL`` (``redis://``, ``rediss://`` or ``unix://``) and return it."""
    parts = urlsplit(value.strip())
    if parts.scheme not in {"redis", "rediss", "unix"}:
        raise ConfigurationError(
            "REDIS_URL must start with redis://, rediss:// or unix://, "
            f"not {parts.scheme or value!r}."
        )
    if parts.scheme != "unix" and not parts.hostname:
        raise ConfigurationError("REDIS_URL needs a host: redis://host:port/db.")
    _port("REDIS_URL", value)
    return value.strip()


def parse_site_url(value: str) -> str:
    """Check ``SITE_URL`` (the public origin, like ``https://tomato.example``)."""
    parts = urlsplit(value.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigurationError(
            f"SITE_URL must be an http or https origin like https://tomato.example, not {value!r}."
        )
    _port("SITE_URL", value)
    return f"{parts.scheme}://{parts.netloc}"


def read_secret_key(environ: Mapping[str, str], *, debug: bool) -> str:
    key = environ.get("SECRET_KEY", "")
    if key:
        if not debug and len(key) < 50:
            raise ConfigurationError("SECRET_KEY must be at least 50 characters in production.")
        return key
    if debug:
        # A fixed key for local development only; production must set its own.
        return "django-insecure-tomato-local-development-key-not-for-production-use"
    raise ConfigurationError("SECRET_KEY is required when DEBUG is off.")


#: The purpose label that makes the two-factor key derived from SECRET_KEY its own key.
MFA_KEY_LABEL = b"tomato two-factor secrets encryption key v1"


def derive_fernet_key(secret_key: str, *, label: bytes = MFA_KEY_LABEL) -> str:
    """A Fernet key derived from ``SECRET_KEY`` (HKDF-SHA256 with a fixed purpose label)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label)
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode())).decode("ascii")


def read_mfa_encryption_keys(environ: Mapping[str, str], *, secret_key: str) -> list[str]:
    """``MFA_ENCRYPTION_KEY``: the Fernet keys that encrypt two-factor secrets at rest.

    One key, or several separated by commas to rotate: the first encrypts new
    secrets, every one decrypts. Unset, a key derived from ``SECRET_KEY``. The
    error never repeats the value, which is a secret.
    """
    raw = environ.get("MFA_ENCRYPTION_KEY", "")
    if not raw.strip():
        return [derive_fernet_key(secret_key)]
    keys = [key.strip() for key in raw.split(",")]
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            which = f" (key {position} of {len(keys)})" if len(keys) > 1 else ""
            raise ConfigurationError(
                f"MFA_ENCRYPTION_KEY{which} is not a Fernet key "
                "(44 characters of url-safe base64, from Fernet.generate_key())."
            ) from None
    return keys


#: The purpose label that makes the receipt signing key derived from SECRET_KEY its own key.
RECEIPT_KEY_LABEL = b"tomato consent receipt signing key v1"


def read_receipt_signing_key(environ: Mapping[str, str], *, secret_key: str) -> tuple[str, bool]:
    """``RECEIPT_SIGNING_KEY``: the Ed25519 private key that signs consent receipts, as 32
    bytes in base64, and whether it was derived from ``SECRET_KEY`` (the variable unset).

    The variable holds a PEM private key (PKCS#8, its line breaks as they are or as ``\\n``)
    or the 32 bytes of the key in base64. The error never repeats the value, a secret.
    """
    raw = environ.get("RECEIPT_SIGNING_KEY", "").strip()
    if not raw:
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=RECEIPT_KEY_LABEL)
        return base64.b64encode(hkdf.derive(secret_key.encode())).decode("ascii"), True
    try:
        if raw.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(raw.replace("\\n", "\n").encode(), None)
            if not isinstance(key, Ed25519PrivateKey):
                raise ValueError("not Ed25519")
            seed = key.private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
        else:
            standard = raw.replace("-", "+").replace("_", "/")
            seed = base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
            Ed25519PrivateKey.from_private_bytes(seed)
    except (ValueError, TypeError):
        raise ConfigurationError(
            "RECEIPT_SIGNING_KEY is not an Ed25519 private key (a PEM private key, or its 32 "
            "bytes in base64)."
        ) from None
    return base64.b64encode(seed).decode("ascii"), False


def load_settings_or_exit() -> None:
    """Import the settings module now, and stop with one line if the environment is bad.

    Django would otherwise defer the error and report it later as a long
    traceback, or (in ``manage.py``) swallow it and fail on something else.
    """
    try:
        importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"])
    except ConfigurationError as error:
        sys.stderr.write(f"Configuration error: {error}\n")
        raise SystemExit(2) from None
