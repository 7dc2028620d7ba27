"""The request as the site's middleware leaves it: views and services type against it.

Django's ``HttpRequest`` knows nothing of what our middleware adds, so this subclass says
it once (the typed-request pattern of django-htmx and Adam Johnson's projects). No request
is ever of this class at run time; it only names the attributes for the type checker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

from consent.types import AuthUser

if TYPE_CHECKING:
    from consent.state import ConsentState


class Request(HttpRequest):
    #: Which optional cookies this request may use. Set by ``ConsentMiddleware`` before the
    #: view; on a page no view answered (a 404), read it with ``consent_of(request)``.
    consent: ConsentState
    #: Hooks a higher layer fills (the guardians layer, for a teen under a guardian's care).
    #: ``ConsentMiddleware`` sets these defaults before any view runs.
    #: A material policy change is agreed to by someone else (the guardian), not by this person.
    policy_needs_guardian: bool
    #: Why the optional profile fields cannot be changed, or ``None`` when they can.
    profile_lock: str | None


class AuthenticatedRequest(Request):
    """The request of a logged-in member, for views behind ``@login_required``."""

    user: AuthUser
