from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.deprecation import MiddlewareMixin

from consent.cookies import delete_group_cookies, write_consent_cookie
from consent.http import Request
from consent.markers import CONSENT_EXEMPT, POLICY_GATE_EXEMPT, is_marked
from consent.models import PolicyAcceptance, PolicyVersion
from consent.services import account_choices_apply, consent_records_write_server
from consent.state import ConsentState, consent_of

SYNCED_SESSION_KEY = "consent_synced_for"


class ConsentMiddleware(MiddlewareMixin):
    """Decide, before the view runs, which optional cookies this request may use.

    Puts ``request.consent`` (a ``ConsentState``); applies a member's stored
    choices once per session and Global Privacy Control, and records the decisions
    taken on the server; on the response, rewrites the consent cookie when needed
    and deletes cookies of groups that are declined or forced off. Views marked
    ``@consent_exempt`` (the health probe) are left alone. A page no view answered
    (a 404, say) gets the state read from the cookie by ``consent_of``, unrecorded.
    """

    def process_request(self, request: Request) -> None:
        # The defaults of the hooks a higher layer's middleware fills in process_view.
        request.policy_needs_guardian = False
        request.profile_lock = None

    def process_response(self, request: Request, response: HttpResponseBase) -> HttpResponseBase:
        state = getattr(request, "consent", None)
        if isinstance(state, ConsentState):
            if state.dirty:
                write_consent_cookie(response, state)
            self._remove_unwanted_cookies(request, response, state)
        return response

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponseBase],
        view_args: tuple[object, ...],
        view_kwargs: dict[str, object],
    ) -> None:
        if is_marked(view_func, CONSENT_EXEMPT):
            return
        state = consent_of(request)
        user = request.user
        if user.is_authenticated and request.session.get(SYNCED_SESSION_KEY) != user.pk:
            account_choices_apply(request=request, user=user)
            request.session[SYNCED_SESSION_KEY] = user.pk
        state.apply_gpc()
        if state.changes:
            # Recorded before the view runs: a choice the view makes comes after them.
            consent_records_write_server(request=request, state=state)

    @staticmethod
    def _remove_unwanted_cookies(
        request: HttpRequest, response: HttpResponseBase, state: ConsentState
    ) -> None:
        for varname, group in state.groups.items():
            if state.accepted(varname):
                continue
            names = {cookie.name for cookie in group.cookie_set.all()}
            if names & request.COOKIES.keys() and not names & response.cookies.keys():
                delete_group_cookies(response, group)


POLICY_OK_SESSION_KEY = "policy_agreed_to"


class PolicyGateMiddleware(MiddlewareMixin):
    """After a material policy change, members meet "We've updated our Privacy Policy" first.

    Views marked ``@policy_gate_exempt`` stay reachable: the policy itself, cookie choices,
    logging out, downloading one's data and deleting the account (with the
    re-authentication it asks).
    """

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponseBase],
        view_args: tuple[object, ...],
        view_kwargs: dict[str, object],
    ) -> HttpResponseBase | None:
        user = request.user
        if not user.is_authenticated or is_marked(view_func, POLICY_GATE_EXEMPT):
            return None
        required = PolicyVersion.objects.requiring_agreement()
        if required is None or request.session.get(POLICY_OK_SESSION_KEY) == required.version:
            return None
        if PolicyAcceptance.objects.covers(user=user, version=required):
            request.session[POLICY_OK_SESSION_KEY] = required.version
            return None
        return redirect(f"{reverse('policy_agree')}?{urlencode({'next': request.get_full_path()})}")
