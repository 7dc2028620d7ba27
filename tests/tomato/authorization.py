"""The machinery of the authorization matrix (``test_authorization_matrix.py``): the
roles, the people and records each URL needs, what a cell expects, and the runner that
asks every URL as one role and collects every wrong cell."""

from __future__ import annotations

import copy
import hashlib
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from cookie_consent.models import Cookie, CookieGroup
from cryptography.hazmat.primitives.asymmetric import ec
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.contrib.sites.models import Site
from django.core.cache import caches
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from fido2.cose import ES256
from fido2.utils import websafe_encode
from fido2.webauthn import (
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
)

from accounts.models import AdminAction, AgeBand, AgeScreenChange, ErasureReceipt, StaffAccess, User
from accounts.services import user_erase
from consent.models import ConsentRecord, PageView, PolicyVersion, SharingPermission
from consent.privacy import subject_hash
from guardians.models import GuardianRequest, Guardianship
from guardians.tokens import make_token
from tests.factories import (
    PASSWORD,
    GuardianFactory,
    GuardianshipFactory,
    PolicyVersionFactory,
    RecipientFactory,
    StaffFactory,
    UserFactory,
    approved_guardianship,
    court_disclosure,
    member_record,
    staff_in,
)

#: Every role, in the order of the table's columns.
ROLES = (
    "anonymous",
    "member",
    "teen_waiting",  # under 16, the guardian has not approved: the "cabin"
    "teen",  # under 16, approved by ``guardian``
    "guardian",
    "other_guardian",  # a guardian of another teen: ``guardian``'s ward is not theirs
    "support",
    "officer",  # the "Privacy officer" group
    "superuser",
)
STAFF_ROLES = ("support", "officer", "superuser")


# --- What a cell expects ----------------------------------------------------------------


class Expect(NamedTuple):
    """A status, and for a redirect where it goes: the name of the view that the
    ``Location`` resolves to (``"guardians:ward"``, whichever ward)."""

    status: int
    to: str | None = None

    def __str__(self) -> str:
        return f"{self.status} → {self.to}" if self.to else str(self.status)


def to(target: str) -> Expect:
    """A redirect (302) to the view named ``target``."""
    return Expect(HTTPStatus.FOUND, target)


OK = Expect(HTTPStatus.OK)
NO_CONTENT = Expect(HTTPStatus.NO_CONTENT)
FORBIDDEN = Expect(HTTPStatus.FORBIDDEN)
NOT_FOUND = Expect(HTTPStatus.NOT_FOUND)
#: Someone not logged in, sent to log in.
LOGIN = to("account_login")
#: A teen whose guardian has not approved, kept in the cabin.
WAITING = to("guardians:waiting")
#: Anyone who is not (two-factor) staff, sent to the admin's login.
ADMIN_LOGIN = to("admin:login")


def matches(expect: Expect, status: int, location: str) -> bool:
    if status != expect.status:
        return False
    if expect.to is None:
        return True
    try:
        return resolve(urlsplit(location).path).view_name == expect.to
    except Resolver404:
        return False


# --- The URL configuration -----------------------------------------------------------------


def url_patterns() -> Iterator[tuple[str, URLPattern]]:
    """Every pattern of the URL configuration, named or not, with the key the table
    knows it by: its name as ``reverse()`` takes it; a second pattern of the same name
    (which ``reverse()`` never reaches) by its name and its view's module; an unnamed
    pattern by its whole route."""
    seen: set[str] = set()
    for key, pattern in _walk(get_resolver().url_patterns):
        if key in seen:
            key = f"{key} ({pattern.callback.__module__})"
        seen.add(key)
        yield key, pattern


def _walk(
    patterns: list[URLPattern | URLResolver], namespace: str = "", prefix: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, inner, prefix + str(pattern.pattern))
        elif pattern.name:
            yield f"{namespace}{pattern.name}", pattern
        else:
            yield f"{prefix}{pattern.pattern}", pattern


type Probe = Callable[["World"], object]


# --- The people and the records the URLs are about -------------------------------------------


@dataclass
class World:
    """One of each: the people of every role, and a record of every kind the URLs name."""

    people: dict[str, User]
    ward: Guardianship  # ``guardian``'s ward (``teen``)
    other_ward: Guardianship  # ``other_guardian``'s
    waiting: Guardianship  # ``teen_waiting``'s, asking ``guardian``
    policy: PolicyVersion  # the published version 1.0
    draft: PolicyVersion
    recipient: Any  # the member gave a permission to share with it
    new_recipient: Any  # nobody has given one yet
    permission: SharingPermission
    disclosure: Any
    receipt: ErasureReceipt
    spare_email: EmailAddress  # the member's second address, not verified yet
    passkey: Authenticator  # the member's
    objects: dict[str, Any] = field(default_factory=dict)  # by model label, for the admin

    @property
    def member(self) -> User:
        return self.people["member"]

    def pk(self, label: str) -> str:
        return str(self.objects[label].pk)


def build_world() -> World:
    guardian = GuardianFactory()
    ward = approved_guardianship(guardian=guardian)
    other_ward = approved_guardianship()
    waiting = GuardianshipFactory(guardian_email=guardian.email)
    people = {
        "member": UserFactory(),
        "teen_waiting": waiting.teen,
        "teen": ward.teen,
        "guardian": guardian,
        "other_guardian": other_ward.guardian,
        "support": staff_in("Support"),
        "officer": staff_in("Privacy officer"),
        "superuser": StaffFactory(is_superuser=True),
    }
    member = people["member"]
    recipient = RecipientFactory()
    permission = SharingPermission.given_to(user=member, recipient=recipient, granted_by=member)
    permission.save()
    disclosure = court_disclosure(people=[member])
    (record,) = ConsentRecord.objects.bulk_create([member_record(member)])
    # The guardian's approval of their ward, for the ward's consent receipt.
    ConsentRecord.objects.bulk_create(
        [member_record(ward.teen, group="account", action="accept", source="guardian")]
    )
    gone = UserFactory()
    receipt = user_erase(user_id=gone.pk, reason=ErasureReceipt.Reason.ACCOUNT_DELETION)
    assert receipt is not None
    spare_email = EmailAddress.objects.create(user=member, email=f"also.{member.email}")
    passkey = Authenticator.objects.create(
        user=member, type=Authenticator.Type.WEBAUTHN,
        data={"name": "Phone", "credential": passkey_credential()},
    )  # fmt: skip
    superuser = people["superuser"]
    LogEntry.objects.create(
        user=superuser, content_type=ContentType.objects.get_for_model(User),
        object_id=str(member.pk), object_repr=member.username, action_flag=CHANGE,
        change_message="[]",
    )  # fmt: skip
    world = World(
        people=people,
        ward=ward,
        other_ward=other_ward,
        waiting=waiting,
        policy=PolicyVersion.objects.get(version="1.0"),
        draft=PolicyVersionFactory(version="9.0", published_at=None),
        recipient=recipient,
        new_recipient=RecipientFactory(),
        permission=permission,
        disclosure=disclosure,
        receipt=receipt,
        spare_email=spare_email,
        passkey=passkey,
    )
    world.objects = {
        "auth.group": Group.objects.get(name="Support"),
        "sites.site": Site.objects.get_current(),
        "account.emailaddress": spare_email,
        "mfa.authenticator": passkey,
        "usersessions.usersession": UserSession.objects.create(
            user=member, session_key="matrix-session", ip="192.0.2.1", user_agent="Browser"
        ),
        "cookie_consent.cookie": Cookie.objects.order_by("pk").first(),
        "cookie_consent.cookiegroup": CookieGroup.objects.get(varname="analytics"),
        "consent.policyversion": world.draft,
        "consent.consentrecord": record,
        "consent.pageview": PageView.objects.create(visitor="v" * 32, route="home"),
        "consent.recipient": world.new_recipient,
        "consent.sharingpermission": permission,
        "consent.disclosure": disclosure,
        "accounts.user": member,
        "accounts.staffaccess": StaffAccess.objects.create(
            user=member,
            subject=subject_hash(member.pk),
            what="accounts.user",
            view="change",
            **StaffAccess.by(superuser),
        ),  # fmt: skip
        "accounts.adminaction": AdminAction.objects.create(
            person=member,
            subject=subject_hash(member.pk),
            content_type=ContentType.objects.get_for_model(User),
            object_id=str(member.pk),
            action_flag=CHANGE,
            change_message="[]",
            **AdminAction.by(superuser),
        ),  # fmt: skip
        "accounts.erasurereceipt": receipt,
        "accounts.agescreenchange": AgeScreenChange.objects.create(
            previous_band=AgeBand.UNDER_16, new_band=AgeBand.ADULT
        ),
        "guardians.guardianship": ward,
        "guardians.guardianrequest": waiting.requests.get(),
    }
    return world


def passkey_credential() -> dict[str, object]:
    """A passkey's registration, as a browser sends it (allauth keeps it whole): a fresh
    P-256 key, attestation "none"."""
    key = ec.generate_private_key(ec.SECP256R1())
    credential_id = os.urandom(16)
    attested = AttestedCredentialData.create(
        b"\0" * 16, credential_id, ES256.from_cryptography_key(key.public_key())
    )
    flags = AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.AT
    data = AuthenticatorData.create(hashlib.sha256(b"localhost").digest(), flags, 0, attested)
    client_data = CollectedClientData.create(
        type="webauthn.create", challenge=os.urandom(16), origin="http://localhost"
    )
    return {
        "id": websafe_encode(credential_id),
        "rawId": websafe_encode(credential_id),
        "type": "public-key",
        "response": {
            "clientDataJSON": websafe_encode(client_data),
            "attestationObject": websafe_encode(AttestationObject.create("none", data, {})),
        },
        "clientExtensionResults": {},
    }


def guardian_link(world: World) -> str:
    """The token of the waiting teen's request, which asks ``guardian``."""
    return make_token(world.waiting.requests.get())


def email_key(world: World) -> str:
    return str(EmailConfirmationHMAC(world.spare_email).key)


def reset_kwargs(world: World) -> dict[str, str]:
    member = world.member
    return {"uidb36": user_pk_to_url_str(member), "key": default_token_generator.make_token(member)}


def waiting_requests(world: World) -> list[str]:
    """The statuses of the requests of the waiting teen (none once the teen is erased)."""
    requests = GuardianRequest.objects.filter(guardianship_id=world.waiting.pk).order_by("pk")
    return list(requests.values_list("status", flat=True))


# --- Asking -----------------------------------------------------------------------------------


def log_in(client: Client, role: str, world: World) -> None:
    """Log the role in, and re-authenticate as a person who just typed their password
    would, so that pages asking for a recent login answer rather than ask."""
    if role == "anonymous":
        return
    client.force_login(world.people[role])
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})


@dataclass(frozen=True)
class Row:
    """One request (a URL, a method, what it sends) and what each role gets.

    ``probe`` reads the state the request would change: a role not in ``changes`` must
    leave it as it was, a role in it must change it. ``prepare`` sets the world up for
    the request first (in the cell's savepoint, undone with it).
    """

    key: str
    expected: Mapping[str, Expect]
    method: str = "get"
    label: str = ""
    url: Callable[[World], str] | None = None
    kwargs: Callable[[World], Mapping[str, object]] | None = None
    data: Callable[[World], Mapping[str, object]] | None = None
    probe: Probe | None = None
    changes: frozenset[str] = frozenset()
    prepare: Callable[[World], object] | None = None

    @property
    def title(self) -> str:
        return f"{self.method.upper()} {self.key}" + (f" [{self.label}]" if self.label else "")

    def path(self, world: World) -> str:
        if self.url is not None:
            return self.url(world)
        return reverse(self.key, kwargs=dict(self.kwargs(world)) if self.kwargs else None)


def ask(client: Client, row: Row, role: str, world: World) -> list[str]:
    """Ask one cell; what is wrong with the answer (nothing when it is right).

    The request runs in a savepoint that is rolled back, and the client's cookies and
    the caches are put back, so that the next cell finds the same world.
    """
    expect = row.expected[role]
    cookies = copy.deepcopy(client.cookies)
    problems = []
    try:
        with transaction.atomic():
            if row.prepare:
                row.prepare(world)
            path = row.path(world)
            before = row.probe(world) if row.probe else None
            data = dict(row.data(world)) if row.data else {}
            try:
                response = getattr(client, row.method)(path, data)
                after = row.probe(world) if row.probe else None
            except Exception as error:  # noqa: BLE001 - one broken cell must not hide the rest
                transaction.set_rollback(True)
                return [f"{row.title} as {role}: raised {error!r}"]
            location = response.get("Location", "")
            if not matches(expect, response.status_code, location):
                got = f"{response.status_code}" + (f" → {location}" if location else "")
                problems.append(f"{row.title} as {role}: expected {expect}, got {got}")
            if row.probe:
                if role in row.changes and after == before:
                    problems.append(f"{row.title} as {role}: changed nothing ({before!r})")
                if role not in row.changes and after != before:
                    problems.append(f"{row.title} as {role}: changed {before!r} to {after!r}")
            transaction.set_rollback(True)
    finally:
        client.cookies = cookies
        for cache in caches.all(initialized_only=True):
            cache.clear()
    return problems
