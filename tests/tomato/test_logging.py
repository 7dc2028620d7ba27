import logging

from tomato.logging import RedactSecretPaths


def record(message, *args):
    return logging.LogRecord("django.request", logging.WARNING, __file__, 1, message, args, None)


def test_tokens_in_logged_paths_are_redacted():
    entry = record("Gone: %s", "/guardian/consent/eyJyIjoxfQ:1xW8:abc/")
    assert RedactSecretPaths().filter(entry)
    assert entry.getMessage() == "Gone: /guardian/consent/[redacted]/"


def test_other_messages_are_left_alone():
    entry = record("Not Found: %s", "/privacy/9.9/")
    RedactSecretPaths().filter(entry)
    assert entry.getMessage() == "Not Found: /privacy/9.9/"


def test_the_console_handler_uses_the_filter(settings):
    assert "redact_secret_paths" in settings.LOGGING["handlers"]["console"]["filters"]
