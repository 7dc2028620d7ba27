"""Writes about consent: choices, their records, and the account's stored choices."""

from __future__ import annotations

import datetime
import ipaddress
import re
from collections.abc import Mapping

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _

from consent.cookies import delete_group_cookies, write_consent_cookie
from consent.http import AuthenticatedRequest
from consent.models import (
    PERMISSION_BASES,
    REFERENCE_BASES,
    AccountCookieChoice,
    ConsentAction,
    ConsentRecord,
    ConsentSource,
    Disclosure,
    DisclosureSubject,
    PolicyAcceptance,
    PolicyVersion,
    Recipient,
    SharingPermission,
)
from consent.privacy import subject_hash
from consent.signals import policy_agreed
from consent.state import ANALYTICS, ConsentState, consent_of
from consent.types import AuthUser

USER_AGENT_LENGTH = 300


def truncated_network(request: HttpRequest) -> str:
    """The client's address cut to its /24 (IPv4) or /48 (IPv6) network."""
    try:
        address = ipaddress.ip_address(get_adapter().get_client_ip(request))
    except (PermissionDenied, ValueError):
        return ""
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def consent_records_write(
    *,
    request: HttpRequest,
    decisions: Mapping[str, tuple[bool, str]],
    about: AuthUser | None = None,
) -> list[ConsentRecord]:
    """Append one record per decision (group → (accepted, source)).

    The record is about this request's person, or about ``about`` (the teen a
    guardian decides for); where and how it was made is the request's.
    """
    if not decisions:
        return []
    user = about or (request.user if request.user.is_authenticated else None)
    state = consent_of(request)
    current = PolicyVersion.objects.current()
    common = {
        "user": user,
        "subject_type": (
            ConsentRecord.SubjectType.MEMBER if user else ConsentRecord.SubjectType.VISITOR
        ),
        "subject": subject_hash(user.pk) if user else state.visitor_id,
        "policy_version": current.version if current else "",
        "ip_network": truncated_network(request),
        "user_agent": request.headers.get("User-Agent", "")[:USER_AGENT_LENGTH],
    }
    records = [
        ConsentRecord(
            group=varname,
            action=ConsentAction.ACCEPT if accepted else ConsentAction.DECLINE,
            group_version=state.version(varname),
            source=source,
            **common,
        )
        for varname, (accepted, source) in decisions.items()
    ]
    return ConsentRecord.objects.bulk_create(records)


@transaction.atomic
def consent_records_write_server(*, request: HttpRequest, state: ConsentState) -> None:
    """Record the decisions taken on the server for this request (GPC, the account's).

    A Global Privacy Control decline is recorded once per visitor id (and version of the
    group): a replayed cookie that still says "not yet recorded" writes nothing more. A
    member's row is locked first, as for their own choices: a member erased while this
    request ran gets nothing written.
    """
    if request.user.is_authenticated and not _member_lock(request.user):
        return
    decisions = dict(state.changes)
    anonymous = not request.user.is_authenticated
    if anonymous and decisions.get(ANALYTICS, (True, ""))[1] == ConsentSource.GPC:
        recorded = ConsentRecord.objects.filter(
            subject=state.visitor_id,
            group=ANALYTICS,
            source=ConsentSource.GPC,
            group_version=state.version(ANALYTICS),
        )
        if recorded.exists():
            del decisions[ANALYTICS]
    consent_records_write(request=request, decisions=decisions)


def account_choices_store(*, user: AuthUser, state: ConsentState, varnames: list[str]) -> None:
    for varname in varnames:
        decision = state.decisions.get(varname)
        if decision is None:
            continue
        AccountCookieChoice.objects.update_or_create(
            user=user,
            group=varname,
            defaults={"accepted": decision, "group_version": state.versions.get(varname, "")},
        )


def _member_lock(member: AuthUser) -> bool:
    """Lock the member's row until the transaction ends (``accounts.services.user_lock``,
    from below); ``False`` if they are gone."""
    return get_user_model()._default_manager.select_for_update().filter(pk=member.pk).exists()


@transaction.atomic
def consent_choose(
    *,
    request: HttpRequest,
    response: HttpResponseBase,
    groups: list[str],
    accept: bool,
    source: str,
) -> list[ConsentRecord]:
    """A person accepts or declines cookie groups.

    Sets the consent cookie, deletes the cookies of declined groups in the same
    response, appends a consent record per group and, for a member, stores the
    choice on the account. Groups forced off for this person cannot be accepted.

    A member's row is locked first, as their erasure locks it: a choice and an erasure
    take turns. A member erased while this request ran gets nothing written at all.
    """
    if request.user.is_authenticated and not _member_lock(request.user):
        return []
    state = consent_of(request)
    chosen = [varname for varname in groups if not (accept and varname in state.forced_off)]
    for varname in chosen:
        state.set(varname, accept)
        if not accept:
            delete_group_cookies(response, state.groups.get(varname))
    records = consent_records_write(
        request=request, decisions=dict.fromkeys(chosen, (accept, source))
    )
    if request.user.is_authenticated:
        account_choices_store(user=request.user, state=state, varnames=chosen)
    write_consent_cookie(response, state)
    state.dirty = False
    return records


@transaction.atomic
def account_choices_apply(*, request: HttpRequest, user: AuthUser) -> None:
    """At the first request of a member's session: the account's choices win on this device.

    Choices made on this device that the account has not got yet are stored on it; nothing
    for a member erased while this request ran (their row is locked first).
    """
    if not _member_lock(user):
        return
    state = consent_of(request)
    stored = {choice.group: choice for choice in user.cookie_choices.all()}
    unknown_to_account = []
    for varname, decision in list(state.decisions.items()):
        choice = stored.get(varname)
        if choice is None:
            if decision is not None:
                unknown_to_account.append(varname)
            continue
        if choice.accepted and choice.group_version < state.version(varname):
            continue  # a cookie was added to the group since: ask again
        if decision is not choice.accepted:
            state.decide(varname, choice.accepted, source=ConsentSource.ACCOUNT)
    account_choices_store(user=user, state=state, varnames=unknown_to_account)


# --- Data-sharing permissions (basis (a)/(b)) -------------------------------------


@transaction.atomic
def policy_version_agree(
    *, request: AuthenticatedRequest, version: PolicyVersion
) -> PolicyAcceptance:
    """The logged-in member agrees to an updated policy ("I agree" on the interstitial).

    Higher layers act on the agreement in the same transaction (``policy_agreed``: the
    guardians layer records it for the member's wards).
    """
    acceptance = PolicyAcceptance.objects.record(
        user=request.user, version=version, source=PolicyAcceptance.Source.UPDATE
    )
    policy_agreed.send(sender=PolicyAcceptance, user=request.user, version=version, request=request)
    return acceptance


@transaction.atomic
def sharing_permission_set(
    *,
    request: HttpRequest,
    person: AuthUser,
    recipient: Recipient,
    grant: bool,
    granted_by: AuthUser | None = None,
) -> SharingPermission | None:
    """Grant or withdraw a person's permission to share with a recipient, and record it.

    ``granted_by`` is the guardian when the person is their ward.
    """
    current = SharingPermission.objects.current().filter(user=person, recipient=recipient)
    if grant:
        permission = current.in_force().first()
        if permission is None:
            # A permission given to terms that have changed since is replaced, on record.
            if current.update(withdrawn_at=timezone.now()):
                _record_sharing(request, person, recipient, False, granted_by)
            permission = SharingPermission.given_to(
                user=person, recipient=recipient, granted_by=granted_by or person
            )
            permission.save()
            _record_sharing(request, person, recipient, True, granted_by)
        return permission
    if current.update(withdrawn_at=timezone.now()):
        _record_sharing(request, person, recipient, False, granted_by)
    return None


def _record_sharing(
    request: HttpRequest,
    person: AuthUser,
    recipient: Recipient,
    grant: bool,
    granted_by: AuthUser | None,
) -> None:
    source = (
        ConsentSource.GUARDIAN if granted_by and granted_by != person else ConsentSource.ACCOUNT
    )
    consent_records_write(
        request=request,
        decisions={recipient.topic: (grant, source)},
        about=person,
    )


# --- The disclosure register ---------------------------------------------------------


class DisclosureRefused(ValidationError):
    pass


def people_lacking_permission(
    people: list[AuthUser], recipient: Recipient | None
) -> list[AuthUser]:
    if recipient is None:
        return list(people)
    allowed = set(
        SharingPermission.objects.in_force()
        .filter(recipient=recipient, user__in=people)
        .values_list("user_id", flat=True)
    )
    return [person for person in people if person.pk not in allowed]


def _fields_naming(people: list[AuthUser], texts: Mapping[str, str]) -> dict[str, str]:
    """Each field whose text names one of the people, with the name it holds: a username
    (as a word of its own: "ord" is not named by "order") or any of their addresses."""
    addresses = {person.email.lower() for person in people if person.email}
    addresses |= {
        email.lower()
        for email in EmailAddress.objects.filter(user__in=people).values_list("email", flat=True)
    }
    names = [
        re.compile(rf"(?<![\w.@+-]){re.escape(person.username)}(?![\w.@+-])", re.IGNORECASE)
        for person in people
    ]
    names += [re.compile(re.escape(address), re.IGNORECASE) for address in addresses]
    found = {}
    for field, text in texts.items():
        for name in names:
            if match := name.search(text):
                found[field] = match.group(0)
                break
    return found


def disclosure_check(
    *,
    legal_basis: str,
    reference: str,
    listed_recipient: Recipient | None,
    people: list[AuthUser],
    recipient: str = "",
    purpose: str = "",
    data_categories: str = "",
) -> None:
    """The rules of the register; raises ``DisclosureRefused`` naming what is wrong."""
    if not people:
        raise DisclosureRefused(_("Name at least one person whose data was disclosed."))
    texts = {
        "recipient": recipient,
        "purpose": purpose,
        "reference": reference,
        "data_categories": data_categories,
    }
    naming = _fields_naming(people, texts)
    if naming:
        message = _(
            "“%(name)s” names a person concerned (a username or an email address). The "
            "register is kept after the people in it are erased, so its text must not "
            "identify them: the people are linked to the entry separately."
        )
        raise DisclosureRefused(
            {field: [message % {"name": name}] for field, name in naming.items()}
        )
    if not recipient.strip() and listed_recipient is None:
        raise DisclosureRefused(_("Name the recipient."))
    if legal_basis in REFERENCE_BASES and not reference.strip():
        raise DisclosureRefused(
            _(
                "A disclosure by law or in an emergency needs a reference: "
                "the order, request or incident number."
            )
        )
    if legal_basis in PERMISSION_BASES:
        if listed_recipient is None:
            raise DisclosureRefused(
                _("A disclosure with a person's permission must name a listed recipient.")
            )
        if not listed_recipient.is_active:
            raise DisclosureRefused(
                _("%(recipient)s is no longer a recipient we share data with.")
                % {"recipient": listed_recipient.name}
            )
        if listed_recipient.basis != legal_basis:
            raise DisclosureRefused(
                _("People gave %(recipient)s permission of another kind.")
                % {"recipient": listed_recipient.name}
            )
        lacking = people_lacking_permission(people, listed_recipient)
        if lacking:
            names = ", ".join(sorted(person.username for person in lacking))
            raise DisclosureRefused(
                _("Refused: no permission to share with %(recipient)s is on record for: %(names)s.")
                % {"recipient": listed_recipient.name, "names": names}
            )


@transaction.atomic
def disclosure_record(
    *,
    recipient: str,
    listed_recipient: Recipient | None,
    purpose: str,
    legal_basis: str,
    reference: str,
    data_categories: str,
    people: list[AuthUser],
    recorded_by: AuthUser | None,
    disclosed_at: datetime.datetime | None = None,
    corrects: Disclosure | None = None,
) -> Disclosure:
    """Enter a disclosure in the register (immutable; a correction points to the old entry)."""
    disclosure_check(
        legal_basis=legal_basis,
        reference=reference,
        listed_recipient=listed_recipient,
        people=people,
        recipient=recipient,
        purpose=purpose,
        data_categories=data_categories,
    )
    disclosure = Disclosure.objects.create(
        recipient=recipient or (listed_recipient.name if listed_recipient else ""),
        listed_recipient=listed_recipient,
        purpose=purpose,
        legal_basis=legal_basis,
        reference=reference.strip(),
        data_categories=data_categories,
        recorded_by=recorded_by,
        disclosed_at=disclosed_at or timezone.now(),
        corrects=corrects,
    )
    DisclosureSubject.objects.bulk_create(
        DisclosureSubject(disclosure=disclosure, user=person, subject=subject_hash(person.pk))
        for person in people
    )
    return disclosure
