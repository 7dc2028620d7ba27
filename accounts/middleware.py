"""Staff enrol their first authenticator only from a session that proved control of the
account's email address."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.mfa import ENROLMENT_URL_NAMES, is_staff_without_two_factor, proved_email_control


class StaffEnrolmentMiddleware:
    """Before a staff member without two-factor opens an enrolment view, check the session.

    A session that logged in with the password alone (made staff while logged in, or
    logged in before staff had to confirm a code) could let whoever has the password
    enrol their own authenticator: it is logged out and sent to log in again, which now
    asks for a code sent to the account's email (``AccountAdapter.is_login_by_code_required``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        match = request.resolver_match
        if match is None or match.url_name not in ENROLMENT_URL_NAMES:
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
