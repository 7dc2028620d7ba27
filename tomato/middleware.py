"""Requests no browser sends are refused before anything reads them."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponseBase

NUL = "\x00"


def carries_nul(request: HttpRequest) -> bool:
    """A NUL character in the path, the query string, a header or a cookie.

    No browser sends one, and PostgreSQL refuses it in a text column: let through, it
    would reach a query (an admin list filter, a stored user agent) as a 500. Form fields
    refuse it themselves, with a message beside the field.
    """
    if NUL in request.path_info:
        return True
    if any(
        NUL in key or any(NUL in value for value in values) for key, values in request.GET.lists()
    ):
        return True
    if any(NUL in value for key, value in request.META.items() if key.startswith("HTTP_")):
        return True
    return any(NUL in key or NUL in value for key, value in request.COOKIES.items())


def refuse_nul_characters(
    get_response: Callable[[HttpRequest], HttpResponseBase],
) -> Callable[[HttpRequest], HttpResponseBase]:
    def middleware(request: HttpRequest) -> HttpResponseBase:
        if carries_nul(request):
            raise BadRequest("A NUL character in the request.")  # the 400 page
        return get_response(request)

    return middleware
