"""Gunicorn settings: ``gunicorn -c gunicorn.conf.py tomato.wsgi`` (``make serve`` does).

Gunicorn also reads this file by itself when started from the repository root. It sends
gunicorn's own logs through Tomato's redaction filter (``tomato.logging.RedactSecrets``):
the error log (``gunicorn.error``) to standard error and the access log (``gunicorn.access``,
on whenever this file is read) to standard output, with no consent token, email or
password-reset key, email address or date of birth in them. Everything else is logged as
``settings.LOGGING`` says once the application loads.
"""

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    # The root logger is Django's (settings.LOGGING): an empty entry leaves it alone.
    "root": {},
    "filters": {"redact_secrets": {"()": "tomato.logging.RedactSecrets"}},
    "formatters": {
        "error": {
            "format": "%(asctime)s [%(process)d] [%(levelname)s] %(message)s",
            "datefmt": "[%Y-%m-%d %H:%M:%S %z]",
        },
        "access": {"format": "%(message)s"},
    },
    "handlers": {
        "error": {
            "class": "logging.StreamHandler",
            "formatter": "error",
            "filters": ["redact_secrets"],
            "stream": "ext://sys.stderr",
        },
        "access": {
            "class": "logging.StreamHandler",
            "formatter": "access",
            "filters": ["redact_secrets"],
            "stream": "ext://sys.stdout",
        },
    },
    # No levels here: gunicorn sets them (--log-level for the error log, INFO for access).
    "loggers": {
        "gunicorn.error": {"handlers": ["error"], "propagate": False},
        "gunicorn.access": {"handlers": ["access"], "propagate": False},
    },
}
