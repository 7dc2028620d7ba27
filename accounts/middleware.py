"""Responses that show a person's data are kept by no cache, in the browser or on the way."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers

from consent.markers import url_carries_secret


class PrivatePagesMiddleware:
    """``Cache-Control: no-store`` on every response to a logged-in person, and on pages
    whose URL carries a secret (reached through a link emailed to someone): they show
    a person's data, and a shared computer's browser cache or a proxy must not keep them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.user.is_authenticated or url_carries_secret(request):
            add_never_cache_headers(response)
        return response
