"""Security headers for static files (``WHITENOISE_ADD_HEADERS_FUNCTION``).

WhiteNoise answers a static file from its place near the top of ``MIDDLEWARE``, so the
clickjacking, Content-Security-Policy and Permissions-Policy middleware below it never see
the response. WhiteNoise builds each file's headers once, at start-up, and calls this
function to add ours: the same values as the pages, read from the same settings, and a
policy of its own for static files, which run no script and submit no form (an SVG opened
on its own is a document too).
"""

from __future__ import annotations

from wsgiref.headers import Headers

from django.conf import settings
from django.utils.csp import CSP, build_policy
from django_permissions_policy import PermissionsPolicyMiddleware

#: What a stylesheet, an image or a font may load when opened as a document: its own kind
#: from this origin, nothing else; never framed, never a script.
STATIC_CSP: dict[str, list[str]] = {
    "default-src": [CSP.NONE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}


def hsts_value() -> str:
    """The ``Strict-Transport-Security`` value Django's ``SecurityMiddleware`` sends."""
    value = f"max-age={settings.SECURE_HSTS_SECONDS}"
    if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
        value += "; includeSubDomains"
    if settings.SECURE_HSTS_PRELOAD:
        value += "; preload"
    return value


def add_security_headers(headers: Headers, path: str, url: str) -> None:
    """Add the pages' security headers, and a static-file CSP, to one static file's headers."""
    headers[str(CSP.HEADER_ENFORCE)] = build_policy(STATIC_CSP)
    if settings.X_FRAME_OPTIONS:
        headers["X-Frame-Options"] = settings.X_FRAME_OPTIONS
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers["X-Content-Type-Options"] = "nosniff"
    if settings.SECURE_REFERRER_POLICY:
        headers["Referrer-Policy"] = settings.SECURE_REFERRER_POLICY
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers["Cross-Origin-Opener-Policy"] = settings.SECURE_CROSS_ORIGIN_OPENER_POLICY
    policy: dict[str, str | list[str] | tuple[str]] = dict(settings.PERMISSIONS_POLICY)
    permissions_policy: str = PermissionsPolicyMiddleware.compute_header_value(
        policy, name="PERMISSIONS_POLICY"
    )
    if permissions_policy:
        headers["Permissions-Policy"] = permissions_policy
    # Zero when DEBUG is on. WhiteNoise's headers cannot depend on the request, so this one
    # also goes out over plain HTTP, where browsers ignore it (RFC 6797, section 8.1).
    if settings.SECURE_HSTS_SECONDS:
        headers["Strict-Transport-Security"] = hsts_value()
