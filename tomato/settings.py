"""Settings for Tomato, read from the environment with safe local defaults.

See README.md for the variables. A malformed value stops start-up with one
line naming it (``tomato.config.ConfigurationError``).
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import django_stubs_ext
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from tomato.config import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    parse_database_url,
    parse_email_url,
    parse_redis_url,
    parse_site_url,
    read_mfa_encryption_keys,
    read_receipt_signing_key,
    read_secret_key,
)
from tomato.static_headers import add_security_headers

# Lets classes like ModelAdmin[Model] be subscripted at run time, as the type checker wants.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
ENV = os.environ

# --- Core -------------------------------------------------------------------

DEBUG = env_bool(ENV, "DEBUG", default=False)
SECRET_KEY = read_secret_key(ENV, debug=DEBUG)
SITE_URL = parse_site_url(ENV.get("SITE_URL", "http://127.0.0.1:8000"))
SITE_HOST = urlsplit(SITE_URL).hostname or "127.0.0.1"
SITE_SCHEME = urlsplit(SITE_URL).scheme
ALLOWED_HOSTS = env_list(ENV, "ALLOWED_HOSTS", default=[SITE_HOST, "127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = [SITE_URL]
SITE_ID = 1

ROOT_URLCONF = "tomato.urls"
WSGI_APPLICATION = "tomato.wsgi.application"
ASGI_APPLICATION = "tomato.asgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

INSTALLED_APPS = [
    "accounts.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    # Index operator classes (accounts.models.PatternOps); nothing else of it is used, and
    # it stays inert on SQLite.
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "cookie_consent",
    "django_tasks_db",
    "consent",
    "accounts",
    "guardians",
    "transparency",
    "tomato.apps.TomatoConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before anything that writes: the 400 page, in the visitor's language and with their menu.
    "tomato.middleware.refuse_nul_characters",
    "accounts.middleware.MemberLanguageMiddleware",
    "accounts.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.mfa.StaffEnrolmentMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "guardians.middleware.CabinMiddleware",
    "consent.middleware.PolicyGateMiddleware",
    "consent.middleware.ConsentMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "consent.context_processors.consent",
            ],
        },
    },
]

FORM_RENDERER = "tomato.forms.FormRenderer"

# --- Data stores ------------------------------------------------------------

DATABASES = {
    "default": parse_database_url(
        ENV.get("DATABASE_URL", "sqlite:///db.sqlite3"),
        base_dir=BASE_DIR,
        conn_max_age=env_int(ENV, "CONN_MAX_AGE", default=600),
    )
}

REDIS_URL = parse_redis_url(ENV["REDIS_URL"]) if ENV.get("REDIS_URL", "").strip() else ""
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "tomato",
        }
    }
    # Sessions live in PostgreSQL and are read through the shared cache.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Mail -------------------------------------------------------------------

MAILERS = {"default": parse_email_url(ENV.get("EMAIL_URL", "console:"))}
DEFAULT_FROM_EMAIL = ENV.get("DEFAULT_FROM_EMAIL", f"Tomato <no-reply@{SITE_HOST}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Background work ----------------------------------------------------------
# Every email is rendered in the request and sent by a task (accounts.mail). Django's
# immediate backend sends it at the end of the request; in production
# TASKS_BACKEND=django_tasks_db.DatabaseBackend queues it for `manage.py db_worker`.
TASKS = {
    "default": {
        "BACKEND": ENV.get("TASKS_BACKEND", "").strip()
        or "django.tasks.backends.immediate.ImmediateBackend"
    }
}

# --- Authentication ---------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:me"

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {
    "signup": "accounts.forms.MemberSignupForm",
    "login": "accounts.forms.MemberLoginForm",
}
# The under-16 sign-up form, provided by the guardians layer (unset: under-16s cannot sign up).
TEEN_SIGNUP_FORM = "guardians.forms.TeenSignupForm"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Tomato] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = SITE_SCHEME
ACCOUNT_RATE_LIMITS = {
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "reauthenticate": "10/m/user",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    # A teen resending the request to their guardian, or changing the guardian's email.
    "guardian_request": "3/h/user,10/h/ip",
    # Writes any visitor can cause (consent.throttle): cookie choices, beacon hits, and
    # answers to the sign-up age screen, per client IP.
    "consent_choice": "60/m/ip",
    "beacon": "300/m/ip",
    "age_screen": "20/m/ip",
    "confirm_email": "1/3m/key",
}
ALLAUTH_TRUSTED_PROXY_COUNT = env_int(ENV, "TRUSTED_PROXY_COUNT", default=0)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_TOTP_ISSUER = "Tomato"
# TOTP secrets and recovery-code seeds are encrypted at rest with these Fernet keys.
MFA_ADAPTER = "accounts.mfa.MFAAdapter"
MFA_ENCRYPTION_KEYS = read_mfa_encryption_keys(ENV, secret_key=SECRET_KEY)
USERSESSIONS_TRACK_ACTIVITY = True

# --- Cookies and consent ----------------------------------------------------

COOKIE_CONSENT_NAME = "cookie_consent"
COOKIE_CONSENT_SECURE = not DEBUG
COOKIE_CONSENT_SAMESITE = "Lax"
COOKIE_CONSENT_SUCCESS_URL = "/cookies/"
# Our own consent records replace django-cookie-consent's subject-less log.
COOKIE_CONSENT_LOG_ENABLED = False
# A shared cookie domain (".tomato.example") for our optional cookies; unset: this host only.
CONSENT_COOKIE_DOMAIN = ENV.get("COOKIE_DOMAIN", "").strip() or None
COOKIE_CONSENT_DOMAIN = CONSENT_COOKIE_DOMAIN
# Groups forced off for a request (the guardians layer turns analytics off for under-16s).
CONSENT_FORCED_OFF = "guardians.middleware.forced_off"
# How long anonymous visitors' consent records and beacon page views are kept.
# Consent receipts are signed with this Ed25519 key (32 bytes, base64); derived from
# SECRET_KEY when RECEIPT_SIGNING_KEY is unset (``check --deploy`` warns: tomato.W003).
RECEIPT_SIGNING_KEY, RECEIPT_SIGNING_KEY_DERIVED = read_receipt_signing_key(
    ENV, secret_key=SECRET_KEY
)
CONSENT_ANONYMOUS_RETENTION_DAYS = env_int(ENV, "CONSENT_ANONYMOUS_RETENTION_DAYS", default=395)

# --- Security headers -------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "accelerometer": [],
    "camera": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "payment": [],
    "usb": [],
    "interest-cohort": [],
    "browsing-topics": [],
    "publickey-credentials-get": ["self"],
    "publickey-credentials-create": ["self"],
}

SECURE_COOKIES = not DEBUG
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
# __Host- cookies are bound to this exact host, over HTTPS, on path /.
SESSION_COOKIE_NAME = "__Host-sessionid" if SECURE_COOKIES else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if SECURE_COOKIES else "csrftoken"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Scripts send the token from the form's hidden field, never read the cookie.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SECURE_SSL_REDIRECT = env_bool(ENV, "SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = 0 if DEBUG else 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
if ALLAUTH_TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
#: The load balancer's health probe (``tomato.views.healthz``), also answered over plain HTTP.
HEALTHZ_PATH = "healthz"
SECURE_REDIRECT_EXEMPT = [f"^{HEALTHZ_PATH}$"]

# --- Internationalisation ---------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
# Our catalogue of the templates and of tomato/ (each app keeps its own in <app>/locale/),
# then the Chinese that allauth's own zh_Hans catalogue lacks for the strings we show.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "allauth"]
USE_I18N = True
FORMAT_MODULE_PATH = ["tomato.formats"]
# The footer's language switcher remembers the choice in this cookie, strictly necessary
# (listed with the others of that group on /cookies/), kept a year.
LANGUAGE_COOKIE_NAME = "tomato_lang"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static files -----------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = Path(ENV.get("STATIC_ROOT", "").strip() or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# WhiteNoise answers above the clickjacking, CSP and Permissions-Policy middleware.
WHITENOISE_ADD_HEADERS_FUNCTION = add_security_headers
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Logging: no personal data, to the console -------------------------------

LOG_LEVEL = env_choice(
    ENV, "LOG_LEVEL", choices=("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"), default="INFO"
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "{levelname} {name} {message}", "style": "{"},
        # runserver's request lines, formatted as Django's DEFAULT_LOGGING does.
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    # Every handler carries it: tokens, email addresses and dates of birth become [redacted].
    "filters": {"redact_secrets": {"()": "tomato.logging.RedactSecrets"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_secrets"],
        },
    },
    # Django's DEFAULT_LOGGING gives these two loggers handlers of its own, without the filter;
    # naming them here replaces those. "django" logs through the root console; its mail_admins
    # handler goes too (ADMINS is unset, and a mailed report would carry the request unredacted).
    "loggers": {
        "django": {"handlers": [], "level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
