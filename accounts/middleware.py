"""Responses that show a person's data are kept by no cache, in the browser or on the way;
a member sees the site in their account's language."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.utils import translation
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


class MemberLanguageMiddleware(MiddlewareMixin):
    """A logged-in member sees the site in the language kept on their account, on any
    device; everyone else gets Django's choice (``LocaleMiddleware``: the language cookie
    set by the footer's switcher, then ``Accept-Language``). Comes after
    ``AuthenticationMiddleware``; ``LocaleMiddleware`` still sets ``Content-Language``."""

    def process_request(self, request: HttpRequest) -> None:
        user = request.user
        language = getattr(user, "language", "") if user.is_authenticated else ""
        if language and language != request.LANGUAGE_CODE:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
