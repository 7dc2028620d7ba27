"""Responses that show a person's data are kept by no cache, in the browser or on the way."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers
from django.utils.deprecation import MiddlewareMixin

from consent.markers import url_carries_secret


class PrivatePagesMiddleware(MiddlewareMixin):
    """``Cache-Control: no-store`` on every response to a logged-in person, and on pages
    whose URL carries a secret (reached through a link emailed to someone): they show
    a person's data, and a shared computer's browser cache or a proxy must not keep them."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if request.user.is_authenticated or url_carries_secret(request):
            add_never_cache_headers(response)
        return response
