"""Keeps a teen's account cabined until the guardian approves, and tells lower layers
what the guardian allows (``request.profile_lock``, and the consent hook)."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext as _

from consent.http import Request
from consent.markers import CABIN_OPEN, is_marked
from guardians.models import Guardianship


class _CachingRequest(HttpRequest):
    guardianship: Guardianship | None


def guardianship_of(request: HttpRequest) -> Guardianship | None:
    """The guardianship of the logged-in teen, looked up once per request."""
    cache = cast(_CachingRequest, request)
    if not hasattr(cache, "guardianship"):
        user = request.user
        cache.guardianship = (
            Guardianship.objects.filter(teen=user).first() if user.is_authenticated else None
        )
    return cache.guardianship


class CabinMiddleware(MiddlewareMixin):
    """A teen whose guardian has not approved reaches only views marked ``@cabin_open``;
    every teen under a guardian's care carries what the guardian allows."""

    def process_view(
        self,
        request: Request,
        view_func: Callable[..., HttpResponseBase],
        view_args: tuple[object, ...],
        view_kwargs: dict[str, object],
    ) -> HttpResponseBase | None:
        guardianship = guardianship_of(request)
        if guardianship is None:
            return None
        if not guardianship.is_active and not is_marked(view_func, CABIN_OPEN):
            return redirect(reverse("guardians:waiting"))
        # A material policy change is agreed to by the guardian, for the teen.
        request.policy_needs_guardian = True
        if not guardianship.profile_editable:
            request.profile_lock = (
                _("Your guardian has stopped further collection of your information.")
                if guardianship.collection_stopped
                else _("Your guardian has not allowed the optional profile fields.")
            )
        return None


def forced_off(request: HttpRequest) -> set[str]:
    """The ``CONSENT_FORCED_OFF`` hook: the cookie groups a teen may not use."""
    guardianship = guardianship_of(request)
    return guardianship.forced_off_groups() if guardianship is not None else set()
