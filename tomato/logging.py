"""Logging filters: no personal data and no live secrets in the logs."""

from __future__ import annotations

import logging
import re

# Paths that carry a secret: the guardian's consent link, allauth's email and reset keys.
SECRET_PATHS = re.compile(
    r"(/guardian/consent/|/accounts/confirm-email/|/accounts/password/reset/key/)[^/\s\"']+"
)


class RedactSecretPaths(logging.Filter):
    """Replace the token in a logged URL path with ``[redacted]``."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if SECRET_PATHS.search(message):
            record.msg = SECRET_PATHS.sub(r"\1[redacted]", message)
            record.args = None
        return True
