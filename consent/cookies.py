"""Writing and removing the cookies that consent governs."""

from __future__ import annotations

from http.cookies import Morsel

from cookie_consent.models import CookieGroup
from cookie_consent.util import set_cookie_dict_to_response
from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponseBase

from consent.state import VISITOR_ID, ConsentState, consent_of, new_visitor_id
from consent.types import JSON

PREFS_COOKIE = "tomato_prefs"
PREFS_SALT = "tomato.prefs"
VISITOR_COOKIE = "tomato_vid"
COOKIE_AGE = 60 * 60 * 24 * 365
THEMES = ("light", "dark")
EXPIRED = "Thu, 01 Jan 1970 00:00:00 GMT"


def write_consent_cookie(response: HttpResponseBase, state: ConsentState) -> None:
    set_cookie_dict_to_response(response, state.cookie_values())


def delete_everywhere(response: HttpResponseBase, name: str, path: str = "/") -> None:
    """Delete a cookie on this host and, where a cookie domain is configured, on that domain.

    Django keeps one ``Set-Cookie`` per name; the second deletion is added as its own
    morsel so that both headers are sent.
    """
    # With the flags the cookie was set with: a scanner (and a strict browser) expects them.
    response.set_cookie(
        name,
        "",
        max_age=0,
        expires=EXPIRED,
        path=path,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    domain = settings.CONSENT_COOKIE_DOMAIN
    if domain:
        morsel: Morsel[str] = Morsel()
        morsel.set(name, "", '""')
        morsel["domain"] = domain
        morsel["path"] = path
        morsel["max-age"] = 0
        morsel["expires"] = EXPIRED
        morsel["samesite"] = "Lax"
        morsel["secure"] = settings.SESSION_COOKIE_SECURE
        morsel["httponly"] = True
        response.cookies[f"{name}@{domain}"] = morsel


def delete_group_cookies(response: HttpResponseBase, group: CookieGroup | None) -> None:
    if group is None or not group.is_deletable:
        return
    for cookie in group.cookie_set.all():
        delete_everywhere(response, cookie.name, cookie.path or "/")


def forget_this_browser(request: HttpRequest, response: HttpResponseBase) -> None:
    """A person who leaves: every optional cookie and the consent cookie itself go.

    The browser then meets the site as a new visitor would (a new visitor id, nothing
    chosen), so nothing set for the person stays on the device.
    """
    for group in consent_of(request).groups.values():
        delete_group_cookies(response, group)
    delete_everywhere(response, settings.COOKIE_CONSENT_NAME)
    consent_of(request).dirty = False  # the middleware must not write it again


def _set(response: HttpResponseBase, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        max_age=COOKIE_AGE,
        domain=settings.CONSENT_COOKIE_DOMAIN or None,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


# --- Personalisation (tomato_prefs), only with "preferences" consent -------------------


def read_prefs(request: HttpRequest) -> dict[str, JSON]:
    if not consent_of(request).preferences:
        return {}
    try:
        prefs = signing.loads(request.COOKIES.get(PREFS_COOKIE, ""), salt=PREFS_SALT)
    except signing.BadSignature:
        return {}
    return prefs if isinstance(prefs, dict) else {}


def write_prefs(request: HttpRequest, response: HttpResponseBase, **changes: JSON) -> bool:
    """Update ``tomato_prefs``; refused (returns False) without Personalisation consent."""
    if not consent_of(request).preferences:
        return False
    prefs = {**read_prefs(request), **changes}
    prefs = {key: value for key, value in prefs.items() if value not in (None, "")}
    if prefs:
        _set(response, PREFS_COOKIE, signing.dumps(prefs, salt=PREFS_SALT, compress=True))
    else:
        delete_everywhere(response, PREFS_COOKIE)
    return True


def theme(request: HttpRequest) -> str:
    value = read_prefs(request).get("theme")
    return value if value in THEMES else "light"


# --- The analytics visitor id (tomato_vid), only with "analytics" consent ---------------


def visitor_id(request: HttpRequest, response: HttpResponseBase) -> str | None:
    """The analytics visitor id, set on first use; ``None`` without Analytics consent."""
    if not consent_of(request).analytics:
        return None
    current = request.COOKIES.get(VISITOR_COOKIE, "")
    if VISITOR_ID.match(current):
        return current
    new = new_visitor_id()
    _set(response, VISITOR_COOKIE, new)
    return new
