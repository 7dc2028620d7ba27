"""Two-factor authentication: secrets encrypted at rest, and a staff member's first
authenticator enrolled only by someone who controls the account's email.

Staff without two-factor log in with a code sent to their email on top of the
password (``AccountAdapter.is_login_by_code_required``), and
``StaffEnrolmentMiddleware`` keeps any other session of theirs away from the
enrolment views.

allauth keeps TOTP secrets and the recovery-codes seed in ``Authenticator.data``
and passes them through the MFA adapter's ``encrypt``/``decrypt`` hooks; ours
seals them with Fernet under ``settings.MFA_ENCRYPTION_KEYS`` (the first key
encrypts, every key decrypts, so a key can be rotated in). WebAuthn rows hold
public keys only and are not touched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypedDict

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.utils import is_mfa_enabled
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext as _

from consent.markers import is_marked, view_marker

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

ENROLS_AUTHENTICATOR = "enrols_authenticator"


enrols_authenticator = view_marker(
    ENROLS_AUTHENTICATOR,
    "The view enrols an authenticator (allauth's, marked by URL name in ``tomato/urls.py``).",
)


#: allauth authentication records that prove control of the account's email address.
EMAIL_PROOF_METHODS = frozenset({"code", "password_reset"})

# Every Fernet token starts with its version byte, 0x80: "gAAAAA" once base64-encoded.
# Clear secrets never do (TOTP secrets are base32, seeds hex, recovery codes digits).
FERNET_PREFIX = "gAAAAA"


class SecretUnreadable(Exception):
    """A stored two-factor secret cannot be decrypted with the configured keys."""


def fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.MFA_ENCRYPTION_KEYS])


def encrypt_secret(text: str) -> str:
    return fernet().encrypt(text.encode()).decode("ascii")


def decrypt_secret(token: str) -> str:
    """The clear text of a stored secret; refuses clear text and unknown keys."""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        if looks_encrypted(token):
            raise SecretUnreadable(
                "A two-factor secret was encrypted with a key that is not configured: "
                "MFA_ENCRYPTION_KEY (or SECRET_KEY, when it is unset) has changed."
            ) from None
        raise SecretUnreadable(
            "A two-factor secret is stored in clear: run manage.py migrate to encrypt it."
        ) from None


def looks_encrypted(value: str) -> bool:
    return value.startswith(FERNET_PREFIX)


def is_readable(value: str) -> bool:
    """Whether a stored value is a Fernet token that the configured keys open."""
    try:
        fernet().decrypt(value.encode())
    except InvalidToken:
        return False
    return True


class AuthenticatorData(TypedDict, total=False):
    """The secrets in allauth's ``Authenticator.data`` (TOTP, and recovery codes); the
    other keys of a row pass through untouched."""

    secret: str
    seed: str
    migrated_codes: list[str]


def encrypt_authenticator_data(data: AuthenticatorData) -> AuthenticatorData | None:
    """``Authenticator.data`` with its clear secrets encrypted; ``None`` if nothing was clear.

    Used by the data migration. Values that already decrypt are left alone; a value
    that looks encrypted but does not decrypt stops the migration rather than being
    encrypted a second time.
    """

    def seal(value: str) -> str:
        if is_readable(value):
            return value
        if looks_encrypted(value):
            decrypt_secret(value)  # raises SecretUnreadable, naming the key
        return encrypt_secret(value)

    return _rewrite_secrets(data, seal)


def decrypt_authenticator_data(data: AuthenticatorData) -> AuthenticatorData | None:
    """The reverse of ``encrypt_authenticator_data``: secrets back in clear."""

    def unseal(value: str) -> str:
        return decrypt_secret(value) if looks_encrypted(value) else value

    return _rewrite_secrets(data, unseal)


def _rewrite_secrets(
    data: AuthenticatorData, rewrite: Callable[[str], str]
) -> AuthenticatorData | None:
    """``data`` with each secret rewritten; ``None`` if none changed."""
    new = data.copy()
    if isinstance(secret := new.get("secret"), str):
        new["secret"] = rewrite(secret)
    if isinstance(seed := new.get("seed"), str):
        new["seed"] = rewrite(seed)
    if isinstance(codes := new.get("migrated_codes"), list):
        new["migrated_codes"] = [rewrite(code) for code in codes]
    return new if new != data else None


# allauth ships no type information: its MFA adapter is a base mypy cannot see.
class MFAAdapter(DefaultMFAAdapter):  # type: ignore[misc]
    def encrypt(self, text: str) -> str:
        return encrypt_secret(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_secret(encrypted_text)


def is_staff_without_two_factor(user: User | AnonymousUser) -> bool:
    """An active staff account (logged in or logging in) with no authenticator yet."""
    return bool(
        user.is_authenticated and user.is_active and user.is_staff and not is_mfa_enabled(user)
    )


def proved_email_control(request: HttpRequest, user: User) -> bool:
    """Whether this session authenticated ``user`` with a code or link sent to their email."""
    return any(
        record.get("method") in EMAIL_PROOF_METHODS
        for record in get_authentication_records(request, user)
    )


class StaffEnrolmentMiddleware(MiddlewareMixin):
    """Before a staff member without two-factor opens an enrolment view, check the session.

    A session that logged in with the password alone (made staff while logged in, or
    logged in before staff had to confirm a code) could let whoever has the password
    enrol their own authenticator: it is logged out and sent to log in again, which now
    asks for a code sent to the account's email (``AccountAdapter.is_login_by_code_required``).
    """

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponseBase],
        view_args: tuple[object, ...],
        view_kwargs: dict[str, object],
    ) -> HttpResponseBase | None:
        if not is_marked(view_func, ENROLS_AUTHENTICATOR):
            return None
        user = request.user
        if not user.is_authenticated or not is_staff_without_two_factor(user):
            return None
        if proved_email_control(request, user):
            return None
        next_path = request.get_full_path()
        logout(request)
        messages.warning(
            request,
            _(
                "To set up two-factor authentication on a staff account, log in again "
                "and enter the code we email to you."
            ),
        )
        return redirect_to_login(next_path, reverse("account_login"))
