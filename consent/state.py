"""What a request may do with optional cookies, decided on the server before rendering.

``ConsentState.from_request`` reads django-cookie-consent's ``cookie_consent``
cookie (and the cached groups), applies Global Privacy Control and any groups
forced off for this person (the ``CONSENT_FORCED_OFF`` hook, which the
guardians layer fills for under-16s), and is put on ``request.consent`` by
``consent.middleware.ConsentMiddleware``.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import cast

from cookie_consent.cache import all_cookie_groups
from cookie_consent.conf import settings as cc_settings
from cookie_consent.models import CookieGroup
from cookie_consent.util import get_cookie_dict_from_request
from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.utils.module_loading import import_string

from consent.http import Request
from consent.models import ConsentSource

VISITOR_KEY = "id"
#: In the consent cookie: a decline by Global Privacy Control not recorded yet. It is
#: recorded when the visitor comes back with the cookie, so a client that keeps no
#: cookies (each request a new visitor) makes the site write nothing.
GPC_UNRECORDED_KEY = "gpc"
#: A visitor id, of the consent cookie and of the analytics cookie: 32 random hex digits.
VISITOR_ID = re.compile(r"\A[0-9a-f]{32}\Z")
#: The value django-cookie-consent writes for a declined group.
DECLINED: str = getattr(cc_settings, "COOKIE_CONSENT_DECLINE", "-1")
ANALYTICS = "analytics"
PREFERENCES = "preferences"


def _valid_version(value: str) -> bool:
    if value == DECLINED:
        return True
    try:
        datetime.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _forced_off(request: HttpRequest) -> frozenset[str]:
    path = getattr(settings, "CONSENT_FORCED_OFF", "")
    if not path:
        return frozenset()
    hook: Callable[[HttpRequest], Iterable[str]] = import_string(path)
    return frozenset(hook(request))


@dataclass
class ConsentState:
    #: Each optional group: True (accepted, current version), False (declined) or None.
    decisions: dict[str, bool | None]
    #: The versions the cookie holds for accepted groups.
    versions: dict[str, str]
    visitor_id: str
    gpc: bool = False
    forced_off: frozenset[str] = frozenset()
    #: The request came with the consent cookie the site set (a known visitor id).
    returning: bool = False
    #: A decline by Global Privacy Control is in the cookie but not yet recorded.
    gpc_unrecorded: bool = False
    #: Global Privacy Control made a decision in this request (the banner says so).
    gpc_applied: bool = False
    #: Decisions made on the server in this request (by GPC, or from the account),
    #: to be written to the cookie and recorded with their source.
    changes: dict[str, tuple[bool, str]] = field(default_factory=dict)
    #: The cookie needs writing (changes, a new visitor id, or entries to clean).
    dirty: bool = False
    #: The optional groups by varname, read from the cache once for the whole request.
    groups: Mapping[str, CookieGroup] = field(default_factory=dict, repr=False)

    @classmethod
    def from_request(cls, request: HttpRequest) -> ConsentState:
        raw = get_cookie_dict_from_request(request)
        known = _verified_visitor(raw.get(VISITOR_KEY, ""))
        returning = known is not None
        visitor_id = known or new_visitor_id()
        dirty = not returning and bool(raw)
        decisions: dict[str, bool | None] = {}
        versions: dict[str, str] = {}
        groups = all_cookie_groups()
        for varname, group in groups.items():
            value = raw.get(varname)
            if value is None:
                decisions[varname] = None
            elif not _valid_version(value):
                # A tampered entry counts as no decision at all.
                decisions[varname] = None
                dirty = True
            elif value == DECLINED:
                decisions[varname] = False
            else:
                # Accepted, unless a cookie was added to the group since: then ask again.
                decisions[varname] = True if value >= group.get_version() else None
                versions[varname] = value
        return cls(
            decisions=decisions,
            versions=versions,
            visitor_id=visitor_id,
            gpc=request.headers.get("Sec-GPC", "").strip() == "1",
            forced_off=_forced_off(request),
            returning=returning,
            gpc_unrecorded=returning and raw.get(GPC_UNRECORDED_KEY) == "1",
            dirty=dirty,
            groups=groups,
        )

    def apply_gpc(self) -> None:
        """Global Privacy Control declines analytics unless this site was told otherwise.

        The decline applies at once. It is recorded at once for a returning visitor, and
        otherwise when the visitor comes back with the cookie set now: once per visitor id,
        and never for a client that keeps no cookies.
        """
        if self.gpc_unrecorded:
            self.gpc_unrecorded = False
            self.dirty = True
            if self.decisions.get(ANALYTICS) is False:
                self.changes[ANALYTICS] = (False, ConsentSource.GPC)
        if self.gpc and ANALYTICS in self.decisions and self.decisions[ANALYTICS] is None:
            self.gpc_applied = True
            if self.returning:
                self.decide(ANALYTICS, False, source=ConsentSource.GPC)
            else:
                self.set(ANALYTICS, False)
                self.gpc_unrecorded = True

    def decide(self, varname: str, accepted: bool, *, source: str) -> None:
        """A decision taken on the server for this request (GPC, or the account's)."""
        self.set(varname, accepted)
        self.changes[varname] = (accepted, source)

    def set(self, varname: str, accepted: bool) -> None:
        """Record a decision in this state (the cookie is rewritten on the response)."""
        self.decisions[varname] = accepted
        if accepted:
            self.versions[varname] = self.version(varname)
        else:
            self.versions.pop(varname, None)
        self.dirty = True

    def accepted(self, varname: str) -> bool:
        return self.decisions.get(varname) is True and varname not in self.forced_off

    @property
    def analytics(self) -> bool:
        return self.accepted(ANALYTICS)

    @property
    def preferences(self) -> bool:
        return self.accepted(PREFERENCES)

    @property
    def undecided(self) -> list[str]:
        return [
            varname
            for varname, decision in self.decisions.items()
            if decision is None and varname not in self.forced_off
        ]

    @property
    def gpc_declined_analytics(self) -> bool:
        return self.gpc and self.decisions.get(ANALYTICS) is False

    @property
    def show_banner(self) -> bool:
        return bool(self.undecided) or self.gpc_applied

    def status(self, varname: str) -> str:
        """The group's state on the settings page: "accepted", "declined", "undecided", or
        "off" for a group forced off for this person (an under-16's analytics, say)."""
        if varname in self.forced_off:
            return "off"
        decision = self.decisions.get(varname)
        return {True: "accepted", False: "declined", None: "undecided"}[decision]

    def cookie_values(self) -> dict[str, str]:
        """The content of the ``cookie_consent`` cookie for these decisions."""
        values = {VISITOR_KEY: _signer().sign(self.visitor_id)}
        if self.gpc_unrecorded:
            values[GPC_UNRECORDED_KEY] = "1"
        for varname, decision in self.decisions.items():
            if decision is False:
                values[varname] = DECLINED
            elif decision is True:
                values[varname] = self.versions.get(varname) or self.version(varname)
        return values

    def version(self, varname: str) -> str:
        """The group's current version (its newest cookie's date); empty for an unknown one."""
        group = self.groups.get(varname)
        return group.get_version() if group else ""


def new_visitor_id() -> str:
    return uuid.uuid4().hex


def _signer() -> signing.Signer:
    # "." rather than ":" between id and signature, as in the rest of the cookie's values.
    return signing.Signer(salt="tomato.consent.visitor", sep=".")


def _verified_visitor(value: str) -> str | None:
    """The visitor id the site itself set in the cookie, or ``None`` for a made-up one.

    Only a visitor who comes back with an id the site signed counts as returning, so a
    client cannot make the site record decisions under ids it invents.
    """
    try:
        visitor_id = _signer().unsign(value)
    except signing.BadSignature:
        return None
    return visitor_id if VISITOR_ID.match(visitor_id) else None


def consent_of(request: HttpRequest) -> ConsentState:
    """The request's consent state (set by ``ConsentMiddleware``; computed if it is absent)."""
    typed = cast(Request, request)
    state = getattr(typed, "consent", None)
    if not isinstance(state, ConsentState):
        state = ConsentState.from_request(request)
        typed.consent = state
    return state
