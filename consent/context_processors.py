from __future__ import annotations

from django.http import HttpRequest

from consent.cookies import theme
from consent.markers import url_carries_secret
from consent.state import consent_of


def consent(request: HttpRequest) -> dict[str, object]:
    return {
        "consent": consent_of(request),
        "theme": theme(request),
        "beacon_route": beacon_route(request),
    }


def beacon_route(request: HttpRequest) -> str:
    """The name of the page for the web beacon ("guardians:ward"), never its path: paths
    carry ids and secrets. Empty without Analytics consent, and on pages whose URL carries
    a secret, which are never counted."""
    match = request.resolver_match
    if match is None or not consent_of(request).analytics or url_carries_secret(request):
        return ""
    return match.view_name
