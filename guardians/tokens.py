"""The signed, single-use link in the guardian's email (valid 7 days).

The token names the request and its random nonce; it holds no personal data.
It is single-use because a request stops being pending once answered, and a
newer request replaces the older one.
"""

from __future__ import annotations

from django.core import signing

from guardians.models import REQUEST_VALIDITY, GuardianRequest

SALT = "tomato.guardian-consent"


class LinkError(Exception):
    """Why a link cannot be used: ``reason`` is "invalid", "expired" or "used"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def make_token(request: GuardianRequest) -> str:
    return signing.dumps({"r": request.pk, "n": request.nonce}, salt=SALT)


def read_token(token: str) -> GuardianRequest:
    """The pending request a token stands for, or ``LinkError``."""
    try:
        data = signing.loads(token, salt=SALT, max_age=REQUEST_VALIDITY)
    except signing.SignatureExpired:
        raise LinkError("expired") from None
    except signing.BadSignature:
        raise LinkError("invalid") from None
    if not isinstance(data, dict) or not isinstance(data.get("r"), int):
        raise LinkError("invalid")
    found = (
        GuardianRequest.objects.select_related("guardianship__teen")
        .filter(pk=data["r"], nonce=str(data.get("n", "")))
        .first()
    )
    if found is None:
        raise LinkError("invalid")
    if found.status == GuardianRequest.Status.EXPIRED or (
        found.status == GuardianRequest.Status.PENDING and not found.is_open
    ):
        raise LinkError("expired")
    if found.status != GuardianRequest.Status.PENDING:
        raise LinkError("used")
    return found
