"""Signed consent receipts: every consent event, as a receipt a person can keep and check.

**What a receipt is.** A JSON document in the structure of ISO/IEC TS 27560:2023 (consent
record information structure)::

    {"schema_version": "1.0",
     "receipt_id": "<uuid>",
     "content": {"record_id": …, "record_hash": …, "pii_principal_id": …,
                 "pii_processing": {"privacy_notice": <URL of the policy version>,
                                    "purposes": [{"purpose", "purpose_id", "lawful_basis",
                                                  "pii_information": [{"pii_type"}, …],
                                                  "pii_controllers", "retention_period",
                                                  "withdrawal_method"}]},
                 "party_identification": [{"party_name", "party_id", "role"}, …],
                 "event": {"event_time", "event_type", "event_state",
                           "validity_duration", "event_source"}},
     "signature": {"alg": "EdDSA", "kid": …, "value": <base64url>}}

Its schema is ``consent/schemas/consent-receipt.schema.json`` (JSON Schema 2020-12).

**No table of its own.** The consent events are already append-only ledger rows
(``consent.ledger``): a ``ConsentRecord`` (a cookie group by its varname, a guardian's
decision under a topic the guardians layer registers, a sharing permission under
``sharing:<recipient>``) or a ``PolicyAcceptance``. A receipt is built from its row on
demand, deterministically: its id is a UUID 5 over the row's chain, id and hash; what it
says comes from the row and from terms that do not change after the event (the cookies
the group had at the row's group version, the terms of the sharing permission as shown,
the policy version's URL; only a cookie group's description, which staff can edit, is read
as it is now); Ed25519 signatures are deterministic. So the same row gives the same receipt,
byte for byte, whenever it is downloaded, and a receipt names the row's ledger hash: the
ledger and the receipt vouch for each other. Listing them costs three queries whatever
their number (records, acceptances, the sharing terms), the cookie groups coming from the
cache the consent middleware reads.

**Who it is about.** The subject is pseudonymous: the keyed hash the ledgers keep
(``consent.privacy.subject_hash``), never a name, an email, an address or a user agent.
A receipt outlives its person's erasure unchanged (the row keeps that hash).

**Event state.** An accept is "given"; a decline is "withdrawn" when the same subject's
last event on the same topic was an accept, else "refused". Global Privacy Control is an
"implicit" event; a choice on the banner, the settings page, the account or by a guardian
is "explicit".

**Signature.** Ed25519 over the canonical JSON of the receipt without its ``signature``
member (keys sorted, no whitespace, UTF-8, non-ASCII characters as themselves), attached as
``{"alg": "EdDSA", "kid": <key id>, "value": <base64url, unpadded>}``. The key id is the
RFC 7638 thumbprint of the public key. The private key is ``settings.RECEIPT_SIGNING_KEY``
(``RECEIPT_SIGNING_KEY`` in the environment, else derived from ``SECRET_KEY``: see
``tomato.config``); the public key is published at ``/privacy/receipt-key.json`` as a JWK,
and ``manage.py verify_receipt`` or the README's snippet checks a receipt offline.

This module is the ground floor: it imports nothing of the higher apps, which describe
their own topics (``TOPIC_TERMS``) in their ``AppConfig.ready``.
"""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib
import io
import json
import uuid
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cookie_consent.cache import all_cookie_groups
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.db import models
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from consent.cookies import COOKIE_AGE
from consent.models import (
    SHARING_TOPIC_PREFIX,
    ConsentAction,
    ConsentRecord,
    ConsentSource,
    LegalBasis,
    PolicyAcceptance,
    SharingPermission,
)
from consent.types import AuthUser

SCHEMA_VERSION = "1.0"
ALGORITHM = "EdDSA"
#: The namespace of receipt ids (a UUID 5 of the row's chain, id and hash).
RECEIPT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:tomato:consent-receipt")
#: What the receipt says of a consent that lasts until it is withdrawn.
UNTIL_WITHDRAWN = "until-withdrawn"
#: What the receipt says of data kept while the account exists.
UNTIL_ERASURE = "until-erasure"
PLATFORM_NAME = "Tomato"

#: The personal data the privacy policy describes (agreeing to a version covers them).
POLICY_PII_TYPES = (
    "username",
    "email",
    "password (hashed)",
    "date of birth",
    "age (computed)",
    "gender",
    "hobbies",
)


class EventState(models.TextChoices):
    GIVEN = "given", _("Given")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ReceiptInvalid(Exception):
    """A receipt that does not verify; the message says why."""


@dataclass(frozen=True)
class TopicTerms:
    """What a consent topic other than a cookie group or a sharing permission is about
    (a guardian's decision), as a receipt states it: in English, the receipt's language."""

    #: Shown on the person's data page.
    label: StrOrPromise
    purpose: str
    pii_types: tuple[str, ...]
    #: The name of the URL where the decision is changed.
    withdrawal_url_name: str
    lawful_basis: str = "consent"


#: Topics registered by higher apps (``guardians`` registers its decisions).
TOPIC_TERMS: dict[str, TopicTerms] = {}


@dataclass(frozen=True)
class Receipt:
    """An unsigned receipt, with what the person's data page shows of it."""

    receipt_id: str
    time: datetime.datetime
    label: StrOrPromise
    state: EventState
    body: dict[str, Any] = field(repr=False)

    @property
    def filename(self) -> str:
        return f"consent-receipt-{self.receipt_id}.json"

    def signed(self) -> dict[str, Any]:
        return sign(self.body)

    def signed_json(self) -> bytes:
        return json.dumps(self.signed(), indent=2, sort_keys=True, ensure_ascii=False).encode()


# --- Canonical form, keys, signatures ------------------------------------------------------


def canonical_json(value: object) -> bytes:
    """The bytes a signature covers: keys sorted, no whitespace, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@functools.cache
def _private_key(encoded: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(encoded))


def signing_key() -> Ed25519PrivateKey:
    """The site's private key (``settings.RECEIPT_SIGNING_KEY``: 32 bytes in base64)."""
    return _private_key(settings.RECEIPT_SIGNING_KEY)


def jwk_of(public_key: Ed25519PublicKey) -> dict[str, str]:
    """The public key as a JWK (RFC 8037), with its RFC 7638 thumbprint as ``kid``."""
    x = b64url(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw))
    thumbprint = b64url(
        hashlib.sha256(canonical_json({"crv": "Ed25519", "kty": "OKP", "x": x})).digest()
    )
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": x,
        "kid": thumbprint,
        "alg": ALGORITHM,
        "use": "sig",
    }


def public_jwk() -> dict[str, str]:
    """The site's public key, as ``/privacy/receipt-key.json`` publishes it."""
    return jwk_of(signing_key().public_key())


def sign(receipt: Mapping[str, Any]) -> dict[str, Any]:
    """The receipt with its signature (any signature it had is replaced)."""
    unsigned = {key: value for key, value in receipt.items() if key != "signature"}
    key = signing_key()
    value = b64url(key.sign(canonical_json(unsigned)))
    kid = public_jwk()["kid"]
    return {**unsigned, "signature": {"alg": ALGORITHM, "kid": kid, "value": value}}


def verify(receipt: object, jwk: Mapping[str, Any] | None = None) -> None:
    """Check a receipt's signature against ``jwk`` (the site's own key by default).

    Raises ``ReceiptInvalid`` saying what is wrong; returns nothing when it is valid.
    """
    jwk = public_jwk() if jwk is None else jwk
    if not isinstance(receipt, Mapping):
        raise ReceiptInvalid("The receipt is not a JSON object.")
    signature = receipt.get("signature")
    if not isinstance(signature, Mapping):
        raise ReceiptInvalid("The receipt has no signature.")
    if signature.get("alg") != ALGORITHM:
        raise ReceiptInvalid(f"The signature's algorithm is not {ALGORITHM}.")
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not isinstance(jwk.get("x"), str):
        raise ReceiptInvalid("The key is not an Ed25519 public key (a JWK with kty OKP).")
    if "kid" in jwk and signature.get("kid") != jwk["kid"]:
        raise ReceiptInvalid("The receipt was signed with another key (its kid differs).")
    try:
        public_key = Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
        value = b64url_decode(str(signature.get("value", "")))
    except ValueError:
        raise ReceiptInvalid("The key or the signature is not valid base64url.") from None
    unsigned = {key: item for key, item in receipt.items() if key != "signature"}
    try:
        public_key.verify(value, canonical_json(unsigned))
    except InvalidSignature:
        raise ReceiptInvalid("The signature does not match the receipt: it was changed.") from None


# --- Building receipts from ledger rows ----------------------------------------------------


def receipt_id(chain: str, pk: int, row_hash: str) -> str:
    return str(uuid.uuid5(RECEIPT_NAMESPACE, f"{chain}:{pk}:{row_hash}"))


def _url(name: str, **kwargs: str) -> str:
    return settings.SITE_URL + reverse(name, kwargs=kwargs or None)


def _privacy_notice(version: str) -> str:
    return _url("policy_version", version=version) if version else _url("policy")


def _controller() -> dict[str, str]:
    return {"party_name": PLATFORM_NAME, "party_id": settings.SITE_URL, "role": "pii_controller"}


def _purpose(
    *,
    purpose: str,
    purpose_id: str,
    lawful_basis: str,
    pii_types: Iterable[str],
    retention_period: str,
    withdrawal_method: str,
    controllers: Iterable[str] = (PLATFORM_NAME,),
) -> dict[str, Any]:
    return {
        "purpose": purpose,
        "purpose_id": purpose_id,
        "lawful_basis": lawful_basis,
        "pii_information": [{"pii_type": pii_type} for pii_type in pii_types],
        "pii_controllers": list(controllers),
        "retention_period": retention_period,
        "withdrawal_method": withdrawal_method,
    }


def _envelope(
    *,
    rid: str,
    record_id: str,
    row_hash: str,
    subject: str,
    privacy_notice: str,
    purposes: list[dict[str, Any]],
    parties: list[dict[str, str]],
    event: dict[str, str],
) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "receipt_id": rid,
        "content": {
            "record_id": record_id,
            "record_hash": row_hash,
            "pii_principal_id": subject,
            "pii_processing": {"privacy_notice": privacy_notice, "purposes": purposes},
            "party_identification": parties,
            "event": event,
        },
    }


def _time(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat()


@dataclass
class _Context:
    """What the receipts of one person's rows need besides the rows: read once."""

    groups: dict[str, Any]
    permissions: dict[int, list[SharingPermission]]

    @classmethod
    def for_records(cls, user: AuthUser) -> _Context:
        permissions: dict[int, list[SharingPermission]] = {}
        for permission in SharingPermission.objects.filter(user=user).order_by("granted_at", "pk"):
            permissions.setdefault(permission.recipient_id, []).append(permission)
        # The groups the consent middleware reads on every request (cached, with cookies).
        return cls(groups=dict(all_cookie_groups()), permissions=permissions)

    def permission_at(
        self, recipient_id: int, moment: datetime.datetime
    ) -> SharingPermission | None:
        """The permission given to this recipient last, at or before ``moment``: the terms a
        grant recorded then gave, or a withdrawal took back."""
        found = None
        for permission in self.permissions.get(recipient_id, []):
            if permission.granted_at <= moment:
                found = permission
        return found


def _record_receipt(record: ConsentRecord, state: EventState, context: _Context) -> Receipt:
    chain = ConsentRecord.ledger.chain_of(record)
    rid = receipt_id(chain, record.pk, record.row_hash)
    member = record.subject_type == ConsentRecord.SubjectType.MEMBER
    record_retention = UNTIL_ERASURE if member else f"P{settings.CONSENT_ANONYMOUS_RETENTION_DAYS}D"
    parties = [_controller()]
    topic = record.group
    label: StrOrPromise
    if topic.startswith(SHARING_TOPIC_PREFIX):
        recipient_id = int(topic.removeprefix(SHARING_TOPIC_PREFIX))
        permission = context.permission_at(recipient_id, record.created_at)
        name = permission.recipient_name if permission else f"recipient {recipient_id}"
        basis = permission.basis if permission else LegalBasis.INTERACTION
        label = _("Sharing with %(name)s") % {"name": name}
        parties.append({"party_name": name, "party_id": topic, "role": "third_party_recipient"})
        purposes = [
            _purpose(
                purpose=permission.purpose if permission else f"Sharing data with {name}",
                purpose_id=topic,
                lawful_basis=f"consent (privacy policy basis {basis})",
                pii_types=_categories(permission.data_categories if permission else ""),
                retention_period=record_retention,
                withdrawal_method=_url("accounts:sharing"),
                controllers=(PLATFORM_NAME, name),
            )
        ]
        validity = UNTIL_WITHDRAWN
    elif record.source == ConsentSource.GUARDIAN and topic in TOPIC_TERMS:
        terms = TOPIC_TERMS[topic]
        label = terms.label
        purposes = [
            _purpose(
                purpose=terms.purpose,
                purpose_id=topic,
                lawful_basis=terms.lawful_basis,
                pii_types=terms.pii_types,
                retention_period=record_retention,
                withdrawal_method=_url(terms.withdrawal_url_name),
            )
        ]
        validity = UNTIL_WITHDRAWN
    else:
        group = context.groups.get(topic)
        label = _(group.name) if group else topic  # noqa: INT001 - stored names, translated here
        cookies = (
            [
                f"cookie {cookie.name}"
                for cookie in group.cookie_set.all()
                if not record.group_version or cookie.get_version() <= record.group_version
            ]
            if group
            else []
        )
        purposes = [
            _purpose(
                purpose=group.description if group else topic,
                purpose_id=topic,
                lawful_basis="consent",
                pii_types=sorted(cookies) or [f"cookie group {topic}"],
                retention_period=record_retention,
                withdrawal_method=_url("consent:cookie_settings"),
            )
        ]
        validity = f"P{COOKIE_AGE // 86400}D"
    event = {
        "event_time": _time(record.created_at),
        "event_type": "implicit" if record.source == ConsentSource.GPC else "explicit",
        "event_state": state.value,
        "validity_duration": validity,
        "event_source": record.source,
    }
    body = _envelope(
        rid=rid,
        record_id=f"{chain}/{record.pk}",
        row_hash=record.row_hash,
        subject=record.subject,
        privacy_notice=_privacy_notice(record.policy_version),
        purposes=purposes,
        parties=parties,
        event=event,
    )
    return Receipt(receipt_id=rid, time=record.created_at, label=label, state=state, body=body)


def _categories(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()] or ["unspecified"]


def _acceptance_receipt(acceptance: PolicyAcceptance) -> Receipt:
    chain = PolicyAcceptance.ledger.chain_of(acceptance)
    rid = receipt_id(chain, acceptance.pk, acceptance.row_hash)
    version = acceptance.policy_version.version
    purposes = [
        _purpose(
            purpose=f"The processing described in the Tomato Privacy Policy, version {version}",
            purpose_id=f"policy:{version}",
            lawful_basis="consent",
            pii_types=POLICY_PII_TYPES,
            retention_period=UNTIL_ERASURE,
            withdrawal_method=_url("accounts:delete"),
        )
    ]
    event = {
        "event_time": _time(acceptance.accepted_at),
        "event_type": "explicit",
        "event_state": EventState.GIVEN.value,
        "validity_duration": UNTIL_WITHDRAWN,
        "event_source": acceptance.source,
    }
    body = _envelope(
        rid=rid,
        record_id=f"{chain}/{acceptance.pk}",
        row_hash=acceptance.row_hash,
        subject=acceptance.subject,
        privacy_notice=_privacy_notice(version),
        purposes=purposes,
        parties=[_controller()],
        event=event,
    )
    label = _("Privacy Policy %(version)s") % {"version": version}
    return Receipt(
        receipt_id=rid, time=acceptance.accepted_at, label=label, state=EventState.GIVEN, body=body
    )


def record_receipts(records: Iterable[ConsentRecord], context: _Context) -> list[Receipt]:
    """The receipts of one subject's consent records, given in time order."""
    last: dict[str, str] = {}
    receipts = []
    for record in records:
        if record.action == ConsentAction.ACCEPT:
            state = EventState.GIVEN
        elif last.get(record.group) == ConsentAction.ACCEPT:
            state = EventState.WITHDRAWN
        else:
            state = EventState.REFUSED
        last[record.group] = record.action
        receipts.append(_record_receipt(record, state, context))
    return receipts


def receipts_of(user: AuthUser) -> list[Receipt]:
    """Every consent receipt of a person, newest first: a fixed number of queries (their
    consent records, their policy acceptances, their sharing permissions) whatever their
    number."""
    records = ConsentRecord.objects.filter(user=user).order_by("created_at", "pk")
    receipts = record_receipts(records, _Context.for_records(user))
    acceptances = PolicyAcceptance.objects.filter(user=user).select_related("policy_version")
    receipts += [_acceptance_receipt(acceptance) for acceptance in acceptances]
    receipts.sort(key=lambda receipt: (receipt.time, receipt.receipt_id), reverse=True)
    return receipts


def receipt_of(user: AuthUser, rid: str) -> Receipt | None:
    """The person's receipt with this id; ``None`` for anyone else's (or none)."""
    return next((receipt for receipt in receipts_of(user) if receipt.receipt_id == rid), None)


def receipts_zip(receipts: Iterable[Receipt]) -> bytes:
    """Every receipt, signed, in one ZIP file (one JSON file each), built in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for receipt in receipts:
            archive.writestr(receipt.filename, receipt.signed_json())
    return buffer.getvalue()


# --- Downloads -------------------------------------------------------------------------------


def receipt_response(receipt: Receipt) -> HttpResponse:
    """One signed receipt, as a JSON file to save."""
    response = HttpResponse(receipt.signed_json(), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{receipt.filename}"'
    response["Cache-Control"] = "no-store"
    return response


def receipts_zip_response(receipts: Iterable[Receipt], *, filename: str) -> HttpResponse:
    """Every receipt, signed, in one ZIP file to save."""
    response = HttpResponse(receipts_zip(receipts), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
