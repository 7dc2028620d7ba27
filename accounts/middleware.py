"""Responses that show a person's data are kept by no cache, in the browser or on the way."""

from __future__ import annotations

from collections.abc import Callable
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers

#: allauth's pages that show a person's data to a visitor who is not logged in: they are
#: reached through a key emailed to the person (the address to confirm, the password reset).
KEYED_ALLAUTH_PAGES = frozenset(
    {
        "account_confirm_email",
        "account_reset_password_from_key",
        "account_reset_password_from_key_done",
    }
)


class PrivatePagesMiddleware:
    """``Cache-Control: no-store`` on every response to a logged-in person, and on pages
    reached by an emailed key: they show someone's data, and a shared computer's browser
    cache or a proxy must not keep them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        match = request.resolver_match
        keyed = match is not None and match.url_name in KEYED_ALLAUTH_PAGES
        if keyed or request.user.is_authenticated:
            add_never_cache_headers(response)
        return response

