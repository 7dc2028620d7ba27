"""Writes about consent: choices, their records, and the account's stored choices."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from allauth.account.adapter import get_adapter
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponseBase

from consent.cookies import delete_group_cookies, write_consent_cookie
from consent.groups import group_version
from consent.models import (
    AccountCookieChoice,
    ConsentAction,
    ConsentRecord,
    ConsentSource,
    PolicyVersion,
)
from consent.privacy import subject_hash
from consent.state import ConsentState, consent_of

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
    *, request: HttpRequest, decisions: Mapping[str, tuple[bool, str]], about: Any = None
) -> list[ConsentRecord]:
    """Append one record per decision (group → (accepted, source)).

    The record is about this request's person, or about ``about`` (the teen a
    guardian decides for); where and how it was made is the request's.
    """
    if not decisions:
        return []
    user: Any = about or (request.user if request.user.is_authenticated else None)
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
            group_version=group_version(varname),
            source=source,
            **common,
        )
        for varname, (accepted, source) in decisions.items()
    ]
    return ConsentRecord.objects.bulk_create(records)


def account_choices_store(*, user: Any, state: ConsentState, varnames: list[str]) -> None:
    for varname in varnames:
        decision = state.decisions.get(varname)
        if decision is None:
            continue
        AccountCookieChoice.objects.update_or_create(
            user=user,
            group=varname,
            defaults={"accepted": decision, "group_version": state.versions.get(varname, "")},
        )


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
    """
    state = consent_of(request)
    chosen = [varname for varname in groups if not (accept and varname in state.forced_off)]
    for varname in chosen:
        state.set(varname, accept)
        if not accept:
            delete_group_cookies(response, varname)
    records = consent_records_write(
        request=request, decisions=dict.fromkeys(chosen, (accept, source))
    )
    if request.user.is_authenticated:
        account_choices_store(user=request.user, state=state, varnames=chosen)
    write_consent_cookie(response, state)
    state.dirty = False
    return records


def account_choices_apply(*, request: HttpRequest) -> None:
    """At the first request of a member's session: the account's choices win on this device.

    Choices made on this device that the account has not got yet are stored on it.
    """
    state = consent_of(request)
    stored = {choice.group: choice for choice in request.user.cookie_choices.all()}  # type: ignore[union-attr]
    unknown_to_account = []
    for varname, decision in list(state.decisions.items()):
        choice = stored.get(varname)
        if choice is None:
            if decision is not None:
                unknown_to_account.append(varname)
            continue
        if choice.accepted and choice.group_version < group_version(varname):
            continue  # a cookie was added to the group since: ask again
        if decision is not choice.accepted:
            state.decide(varname, choice.accepted, source=ConsentSource.ACCOUNT)
    account_choices_store(user=request.user, state=state, varnames=unknown_to_account)
