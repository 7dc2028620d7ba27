"""Writes anyone can cause are bounded: a burst from one client gets 429 and writes nothing.

The limits are allauth's: named in ``ACCOUNT_RATE_LIMITS`` beside its own, counted per
client IP (or per user) in the shared cache, so every app process sees the same count.
"""

from __future__ import annotations

from http import HTTPStatus

from allauth.core.internal import ratelimit
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def rate_limited(
    request: HttpRequest, action: str, *, user: AbstractBaseUser | None = None
) -> HttpResponse | None:
    """Count one hit of ``action``; past its limit, the 429 page to answer with instead.

    allauth's public ``consume`` never limits GET requests; the web beacon is one, so
    this calls its limiter directly (a seam with the pinned allauth version).
    """
    usage = ratelimit.consume(
        request, app="allauth.account", action=action, user=user, limit_get=True
    )
    if usage is not None:
        return None
    return render(request, "429.html", status=HTTPStatus.TOO_MANY_REQUESTS)
