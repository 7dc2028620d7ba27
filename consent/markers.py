"""Marks on views, which middleware reads from the resolved view, as Django's
``LoginRequiredMiddleware`` reads ``login_not_required``.

A boundary is held by the view it opens, never by a list of paths: our own views carry
these decorators, and views of allauth and other libraries, which cannot, are marked once,
by URL name, where the project includes them (``tomato/urls.py``, with ``mark_by_url_name``).
Marks live on the ground floor so that every app's views can carry them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.urls import ResolverMatch, URLPattern, URLResolver, get_resolver

type View = Callable[..., object]


class ViewMarker(Protocol):
    def __call__[V: View](self, view: V, /) -> V: ...


SECRET_IN_URL = "secret_in_url"
POLICY_GATE_EXEMPT = "policy_gate_exempt"
CABIN_OPEN = "cabin_open"
CONSENT_EXEMPT = "consent_exempt"


def view_marker(attribute: str, doc: str) -> ViewMarker:
    """A decorator that marks a view (sets ``attribute`` on it) and returns it unchanged."""

    def mark[V: View](view: V) -> V:
        setattr(view, attribute, True)
        return view

    mark.__name__ = attribute
    mark.__doc__ = doc
    return mark


secret_in_url = view_marker(
    SECRET_IN_URL,
    "The view's URL carries a secret (a link emailed to someone): never counted by the web "
    "beacon, never kept by a cache.",
)
policy_gate_exempt = view_marker(
    POLICY_GATE_EXEMPT,
    "Reachable by a member who has not yet agreed to an updated privacy policy.",
)
cabin_open = view_marker(
    CABIN_OPEN,
    "Reachable by a teen whose account still awaits their guardian's approval.",
)
consent_exempt = view_marker(
    CONSENT_EXEMPT,
    "Left alone by the consent middleware: no consent state, no cookies, no records "
    "(a health probe).",
)


def is_marked(view: object, attribute: str) -> bool:
    return bool(getattr(view, attribute, False))


def carries_secret(match: ResolverMatch) -> bool:
    """Whether the URL that resolved to this match carries a secret."""
    return is_marked(match.func, SECRET_IN_URL)


def url_carries_secret(request: HttpRequest) -> bool:
    match = request.resolver_match
    return match is not None and carries_secret(match)


def mark_by_url_name(
    patterns: Sequence[URLPattern | URLResolver],
    marks: Mapping[str, Iterable[ViewMarker]],
) -> None:
    """Put marks on views that cannot carry a decorator of ours, found by URL name.

    A name that no pattern has is a configuration error, so a library that renames a URL
    cannot silently open (or close) a boundary.
    """
    found = dict(named_url_patterns(patterns))
    missing = sorted(set(marks) - found.keys())
    if missing:
        raise ImproperlyConfigured(f"No URL pattern is named {', '.join(missing)}.")
    for name, decorators in marks.items():
        for decorate in decorators:
            decorate(found[name].callback)


def named_url_patterns(
    patterns: Sequence[URLPattern | URLResolver] | None = None, *, namespace: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    """Each named pattern of the URL configuration (or of ``patterns``) with its full name,
    as ``reverse()`` takes it ("accounts:delete")."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from named_url_patterns(pattern.url_patterns, namespace=inner)
        elif pattern.name:
            yield f"{namespace}{pattern.name}", pattern
