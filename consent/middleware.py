from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse

from consent.cookies import delete_group_cookies, write_consent_cookie
from consent.groups import optional_groups
from consent.models import PolicyAcceptance, PolicyVersion
from consent.services import account_choices_apply, consent_records_write_server
from consent.state import ConsentState

SYNCED_SESSION_KEY = "consent_synced_for"


class ConsentMiddleware:
    """Decide, before any view runs, which optional cookies this request may use.

    Puts ``request.consent`` (a ``ConsentState``); applies a member's stored
    choices once per session and Global Privacy Control, and records the decisions
    taken on the server; on the response, rewrites the consent cookie when needed
    and deletes cookies of groups that are declined or forced off.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path_info in settings.CONSENT_EXEMPT_PATHS:
            return self.get_response(request)
        state = ConsentState.from_request(request)
        request.consent = state  # type: ignore[attr-defined]
        user = request.user
        if user.is_authenticated and request.session.get(SYNCED_SESSION_KEY) != user.pk:
            account_choices_apply(request=request)
            request.session[SYNCED_SESSION_KEY] = user.pk
        state.apply_gpc()
        if state.changes:
            # Recorded before the view runs: a choice the view makes comes after them.
            consent_records_write_server(request=request, state=state)

        response = self.get_response(request)

        if state.dirty:
            write_consent_cookie(response, state)
        self._remove_unwanted_cookies(request, response, state)
        return response

    @staticmethod
    def _remove_unwanted_cookies(
        request: HttpRequest, response: HttpResponseBase, state: ConsentState
    ) -> None:
        for varname, group in optional_groups().items():
            if state.accepted(varname):
                continue
            names = {cookie.name for cookie in group.cookie_set.all()}
            if names & request.COOKIES.keys() and not names & response.cookies.keys():
                delete_group_cookies(response, varname)


POLICY_OK_SESSION_KEY = "policy_agreed_to"
#: Reachable before agreeing to an updated policy: the policy itself, logging out,
#: downloading one's data and deleting the account (with the re-authentication it asks).
POLICY_GATE_OPEN = (
    "/privacy/",
    "/accounts/logout/",
    "/accounts/reauthenticate/",
    "/me/data.json",
    "/me/delete/",
    "/static/",
    "/healthz",
)


class PolicyGateMiddleware:
    """After a material policy change, members meet "We've updated our Privacy Policy" first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = request.user
        if user.is_authenticated and not request.path_info.startswith(POLICY_GATE_OPEN):
            required = PolicyVersion.objects.requiring_agreement()
            if (
                required is not None
                and request.session.get(POLICY_OK_SESSION_KEY) != required.version
            ):
                if PolicyAcceptance.objects.covers(user=user, version=required):
                    request.session[POLICY_OK_SESSION_KEY] = required.version
                else:
                    return redirect(
                        f"{reverse('policy_agree')}?{urlencode({'next': request.get_full_path()})}"
                    )
        return self.get_response(request)
