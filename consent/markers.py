"""Marks on views, read from the request's resolved view (as Django's ``login_not_required``).

A view whose URL carries a secret (the guardian's consent link, allauth's email and
password-reset keys) is never counted by the web beacon and never kept by a cache.
Our own views are decorated; allauth's are named here, once.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.urls import ResolverMatch

#: allauth's views whose URLs carry a key emailed to the person.
KEYED_ALLAUTH_URL_NAMES = frozenset({"account_confirm_email", "account_reset_password_from_key"})


def secret_in_url[View: Callable[..., object]](view: View) -> View:
    """Mark a view whose URL carries a secret."""
    view.secret_in_url = True  # type: ignore[attr-defined]
    return view


def carries_secret(match: ResolverMatch) -> bool:
    """Whether the URL that resolved to this match carries a secret."""
    return bool(getattr(match.func, "secret_in_url", False)) or (
        match.url_name in KEYED_ALLAUTH_URL_NAMES
    )


def url_carries_secret(request: HttpRequest) -> bool:
    match = request.resolver_match
    return match is not None and carries_secret(match)
