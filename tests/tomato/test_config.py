from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tomato.config import (
    ConfigurationError,
    env_bool,
    env_choice,
    env_int,
    env_list,
    parse_database_url,
    parse_email_url,
    parse_redis_url,
    parse_site_url,
    read_mfa_encryption_keys,
    read_secret_key,
)

BASE = Path("/srv/tomato")


class TestDatabaseUrl:
    def test_sqlite_relative_path_is_under_the_project(self):
        config = parse_database_url("sqlite:///db.sqlite3", base_dir=BASE)
        assert config["ENGINE"] == "django.db.backends.sqlite3"
        assert config["NAME"] == BASE / "db.sqlite3"

    def test_sqlite_absolute_path_is_kept(self):
        config = parse_database_url("sqlite:////var/lib/tomato/db.sqlite3", base_dir=BASE)
        assert config["NAME"] == Path("/var/lib/tomato/db.sqlite3")

    def test_postgres_url_gives_persistent_health_checked_connections(self):
        config = parse_database_url(
            "postgres://tom%40to:p%2Fss@db.internal:6543/tomato?sslmode=require",
            base_dir=BASE,
            conn_max_age=300,
        )
        assert config == {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "tomato",
            "USER": "tom@to",
            "PASSWORD": "p/ss",
            "HOST": "db.internal",
            "PORT": "6543",
            "CONN_MAX_AGE": 300,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {"sslmode": "require"},
        }

    @pytest.mark.parametrize("scheme", ["postgres", "postgresql", "pgsql"])
    def test_postgres_scheme_spellings(self, scheme):
        config = parse_database_url(f"{scheme}://root@127.0.0.1/test", base_dir=BASE)
        assert config["ENGINE"] == "django.db.backends.postgresql"
        assert config["PORT"] == ""

    @pytest.mark.parametrize(
        ("url", "message"),
        [
            ("mysql://root@localhost/tomato", "unsupported scheme 'mysql'"),
            ("not a url", "not a URL"),
            ("", "not a URL"),
            ("postgres://root@localhost/", "needs a database name"),
            ("postgres://root@localhost:port/tomato", "port that is not a number"),
            ("sqlite://host/db.sqlite3", "with no host"),
            ("sqlite:///", "needs a file name"),
        ],
    )
    def test_bad_database_urls_are_refused_with_a_clear_message(self, url, message):
        with pytest.raises(ConfigurationError, match=message) as error:
            parse_database_url(url, base_dir=BASE)
        assert "DATABASE_URL" in str(error.value)


class TestEmailUrl:
    def test_console(self):
        assert parse_email_url("console:") == {
            "BACKEND": "django.core.mail.backends.console.EmailBackend"
        }

    def test_file_directory(self):
        assert parse_email_url("file:///var/mail/tomato") == {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": "/var/mail/tomato"},
        }

    def test_smtp_with_credentials(self):
        mailer = parse_email_url("smtp://user%40x:pa%3Ass@mail.example:2525")
        assert mailer["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
        assert mailer["OPTIONS"] == {
            "host": "mail.example",
            "port": 2525,
            "username": "user@x",
            "password": "pa:ss",
            "use_tls": False,
            "use_ssl": False,
            "timeout": 10,
        }

    def test_smtp_submission_port_uses_starttls(self):
        options = parse_email_url("smtp://u:p@mail.example:587")["OPTIONS"]
        assert options["use_tls"] is True
        assert options["use_ssl"] is False

    def test_smtp_tls_can_be_asked_for_on_any_port(self):
        assert parse_email_url("smtp://mail.example:25?tls=1")["OPTIONS"]["use_tls"] is True

    def test_smtps_uses_implicit_tls(self):
        options = parse_email_url("smtps://u:p@mail.example")["OPTIONS"]
        assert (options["use_ssl"], options["use_tls"], options["port"]) == (True, False, None)

    def test_memory_for_tests(self):
        assert parse_email_url("memory:")["BACKEND"].endswith("locmem.EmailBackend")

    @pytest.mark.parametrize(
        ("url", "message"),
        [
            ("sendgrid://key@api", "unsupported scheme 'sendgrid'"),
            ("smtp://", "needs a host"),
            ("smtp://mail.example:abc", "port that is not a number"),
            ("smtp://mail.example?tls=maybe", "tls must be 1 or 0"),
            ("file://relative/dir", "file:///absolute/directory"),
            ("file:///", "file:///absolute/directory"),
            ("", "unsupported scheme"),
        ],
    )
    def test_bad_email_urls_are_refused_with_a_clear_message(self, url, message):
        with pytest.raises(ConfigurationError, match=message) as error:
            parse_email_url(url)
        assert "EMAIL_URL" in str(error.value)


class TestOtherValues:
    @pytest.mark.parametrize(
        "url", ["redis://127.0.0.1:6379/0", "rediss://cache.example:6380", "unix:///run/redis.sock"]
    )
    def test_redis_urls(self, url):
        assert parse_redis_url(url) == url

    @pytest.mark.parametrize(
        ("url", "message"),
        [
            ("memcached://127.0.0.1", "must start with redis://"),
            ("redis://", "needs a host"),
            ("redis://host:port", "not a number"),
        ],
    )
    def test_bad_redis_urls(self, url, message):
        with pytest.raises(ConfigurationError, match=message):
            parse_redis_url(url)

    def test_site_url_is_reduced_to_its_origin(self):
        assert parse_site_url("https://tomato.example/some/path") == "https://tomato.example"

    @pytest.mark.parametrize("url", ["tomato.example", "ftp://tomato.example", "https://"])
    def test_bad_site_urls(self, url):
        with pytest.raises(ConfigurationError, match="SITE_URL"):
            parse_site_url(url)

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [("1", True), ("true", True), ("On", True), ("0", False), ("no", False), ("", False)],
    )
    def test_booleans(self, raw, expected):
        assert env_bool({"DEBUG": raw}, "DEBUG", default=not expected) is expected

    def test_boolean_default_when_unset(self):
        assert env_bool({}, "DEBUG", default=True) is True

    def test_bad_boolean(self):
        with pytest.raises(ConfigurationError, match="DEBUG must be true or false"):
            env_bool({"DEBUG": "perhaps"}, "DEBUG", default=False)

    def test_integers(self):
        assert env_int({"N": " 5 "}, "N", default=1) == 5
        assert env_int({}, "N", default=1) == 1
        with pytest.raises(ConfigurationError, match="whole number"):
            env_int({"N": "five"}, "N", default=1)
        with pytest.raises(ConfigurationError, match="at least 0"):
            env_int({"N": "-1"}, "N", default=1)

    def test_choices_are_checked_and_upper_cased(self):
        levels = ("DEBUG", "INFO")
        assert env_choice({"L": "debug"}, "L", choices=levels, default="INFO") == "DEBUG"
        assert env_choice({}, "L", choices=levels, default="INFO") == "INFO"
        with pytest.raises(ConfigurationError, match="L must be one of DEBUG, INFO, not 'loud'"):
            env_choice({"L": "loud"}, "L", choices=levels, default="INFO")

    def test_lists(self):
        assert env_list({"H": "a.example, b.example,,"}, "H", default=["x"]) == [
            "a.example",
            "b.example",
        ]
        assert env_list({}, "H", default=["x"]) == ["x"]

    def test_secret_key_is_required_in_production(self):
        with pytest.raises(ConfigurationError, match="SECRET_KEY is required"):
            read_secret_key({}, debug=False)

    def test_short_secret_key_is_refused_in_production(self):
        with pytest.raises(ConfigurationError, match="at least 50 characters"):
            read_secret_key({"SECRET_KEY": "short"}, debug=False)

    def test_development_gets_a_local_key(self):
        assert read_secret_key({}, debug=True).startswith("django-insecure-")

    def test_given_secret_key_is_used(self):
        key = "k" * 60
        assert read_secret_key({"SECRET_KEY": key}, debug=False) == key


class TestMfaEncryptionKey:
    SECRET = "s" * 60

    def test_unset_it_is_a_fernet_key_derived_from_the_secret_key(self):
        [key] = read_mfa_encryption_keys({}, secret_key=self.SECRET)
        assert Fernet(key).decrypt(Fernet(key).encrypt(b"x")) == b"x"
        assert read_mfa_encryption_keys({"MFA_ENCRYPTION_KEY": " "}, secret_key=self.SECRET) == [
            key
        ]
        assert read_mfa_encryption_keys({}, secret_key="t" * 60) != [key]
        assert self.SECRET not in key

    def test_given_keys_are_used_in_order(self):
        first, second = Fernet.generate_key().decode(), Fernet.generate_key().decode()
        environ = {"MFA_ENCRYPTION_KEY": f"{first}, {second}"}
        assert read_mfa_encryption_keys(environ, secret_key=self.SECRET) == [first, second]

    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            ("not-a-fernet-key", "MFA_ENCRYPTION_KEY is not a Fernet key"),
            ("a" * 44, "MFA_ENCRYPTION_KEY is not a Fernet key"),
            (f"{Fernet.generate_key().decode()},secret-typo", r"MFA_ENCRYPTION_KEY \(key 2 of 2\)"),
            (",", r"MFA_ENCRYPTION_KEY \(key 1 of 2\)"),
        ],
    )
    def test_bad_keys_are_refused_without_repeating_them(self, raw, message):
        with pytest.raises(ConfigurationError, match=message) as error:
            read_mfa_encryption_keys({"MFA_ENCRYPTION_KEY": raw}, secret_key=self.SECRET)
        assert "a" * 44 not in str(error.value)
        assert "secret-typo" not in str(error.value)
        assert "not-a-fernet-key" not in str(error.value)


# --- RECEIPT_SIGNING_KEY ----------------------------------------------------------------------


def _receipt_seed(value: str) -> bytes:
    import base64

    return base64.b64decode(value)


def test_an_unset_receipt_key_is_derived_from_the_secret_key_and_says_so():
    from tomato.config import read_receipt_signing_key

    first, derived = read_receipt_signing_key({}, secret_key="a" * 50)
    again, _ = read_receipt_signing_key({}, secret_key="a" * 50)
    other, _ = read_receipt_signing_key({}, secret_key="b" * 50)
    assert derived
    assert first == again != other
    assert len(_receipt_seed(first)) == 32


def test_a_receipt_key_is_read_from_pem_or_base64():
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from tomato.config import read_receipt_signing_key

    key = Ed25519PrivateKey.generate()
    seed = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    for value in (pem, pem.replace("\n", "\\n"), base64.b64encode(seed).decode()):
        read, derived = read_receipt_signing_key({"RECEIPT_SIGNING_KEY": value}, secret_key="x")
        assert not derived
        assert _receipt_seed(read) == seed


@pytest.mark.parametrize("value", ["not a key", "c2hvcnQ=", "-----BEGIN PRIVATE KEY-----\nxx"])
def test_a_malformed_receipt_key_stops_start_up_without_repeating_it(value):
    from tomato.config import ConfigurationError, read_receipt_signing_key

    with pytest.raises(ConfigurationError, match="RECEIPT_SIGNING_KEY") as raised:
        read_receipt_signing_key({"RECEIPT_SIGNING_KEY": value}, secret_key="x")
    assert value not in str(raised.value)
