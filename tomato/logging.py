"""Logging filter: no live secrets and no personal data in the logs.

``RedactSecrets`` sits on every handler: Django's (``settings.LOGGING``, runserver's
``django.server`` request log included) and gunicorn's (``gunicorn.conf.py``). It rewrites the
message, and the traceback when there is one, replacing with ``[redacted]``:

- the secret in a link: the guardian's consent token, allauth's email-confirmation key and
  password-reset key, in a path, a Referer, or percent-encoded in a query string
  (``?next=%2Fguardian%2Fconsent%2F…``);
- email addresses, plain or percent-encoded (``mum%40example.net``);
- dates of birth: every date in a message, written as ISO (``2012-05-17``, the form the
  site's date fields send) or as Python writes it (``datetime.date(2012, 5, 17)``), and
  whatever value a parameter named for a birth date carries (``date_of_birth=``, the admin's
  ``date_of_birth__year=2012``, ``dob=``). Log messages need no calendar dates; the record's
  own timestamp is added by the formatter after the filter, so it stays.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

# "/", "@", "=", "&" and "+" as they appear in a log line: plain, or percent-encoded once or more
# (a ``next`` inside a ``next`` is encoded twice: %252F).
_SLASH = r"(?:/|%(?:25)*2F)"
_AT = r"(?:@|%(?:25)*40)"
_EQUALS = r"(?:=|%(?:25)*3D)"
_AMPERSAND = r"%(?:25)*26"
_PLUS = r"%(?:25)*2B"
# Where a word may start: not inside another word, nor inside an escape like %3D, but right
# after one (``email%3Dmum%40example.net``). Matching only there keeps long lines linear.
_WORD_START = r"(?:(?<![\w.+%-])|(?<=%[0-9a-f]{2}))"

# The link paths that carry a secret (guardians:consent and allauth's account_confirm_email
# and account_reset_password_from_key; tests/tomato/test_logging.py builds them with reverse()).
# The reset key's "done" page is the one path under key/ that holds none.
SECRET_LINKS = re.compile(
    rf"(?P<keep>{_SLASH}(?:guardian{_SLASH}consent|accounts{_SLASH}confirm-email"
    rf"|accounts{_SLASH}password{_SLASH}reset{_SLASH}key){_SLASH})"
    rf"(?!done{_SLASH})(?:(?!{_SLASH})[^\s\"'<>?&#])+",
    re.IGNORECASE,
)
EMAIL_ADDRESSES = re.compile(
    rf"{_WORD_START}[\w.+-]+(?:{_PLUS}[\w.+-]*)*{_AT}[a-z0-9-]+(?:\.[a-z0-9-]+)+",
    re.IGNORECASE,
)
BIRTH_PARAMETERS = re.compile(
    rf"(?P<keep>{_WORD_START}(?:\w*birth\w*|dob(?:__\w+)?){_EQUALS})"
    rf"(?:(?!{_AMPERSAND})[^\s\"'&#;,])+",
    re.IGNORECASE,
)
ISO_DATES = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")
# A date as Python writes it, in a traceback or a debug log of query parameters.
DATE_REPRS = re.compile(r"\bdatetime\.date\(\d+, \d+, \d+\)")


def redact(text: str) -> str:
    """``text`` with secrets in links, email addresses and dates of birth replaced."""
    text = SECRET_LINKS.sub(rf"\g<keep>{REDACTED}", text)
    text = EMAIL_ADDRESSES.sub(REDACTED, text)
    text = BIRTH_PARAMETERS.sub(rf"\g<keep>{REDACTED}", text)
    text = ISO_DATES.sub(REDACTED, text)
    return DATE_REPRS.sub(REDACTED, text)


class RedactSecrets(logging.Filter):
    """Redact a record's message, traceback and stack before any handler formats them."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True  # A malformed record: the formatter reports it.
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
