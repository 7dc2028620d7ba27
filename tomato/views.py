"""Site pages: home, the privacy policy and its history, and the health check."""

from __future__ import annotations

import logging
import secrets
from http import HTTPStatus

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views import i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from accounts.services import member_language_set
from consent.languages import site_language
from consent.markdown import text_changes
from consent.markers import cabin_open, consent_exempt, policy_gate_exempt
from consent.models import PolicyVersion

logger = logging.getLogger(__name__)


@cabin_open
@policy_gate_exempt
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The footer's language switcher: Django's ``set_language`` (the language cookie, then
    back to the page); a member's choice is also kept on their account, so that it follows
    them to every device and into the emails we send them."""
    response = i18n.set_language(request)
    language = site_language(request.POST.get(i18n.LANGUAGE_QUERY_PARAMETER))
    if language and request.user.is_authenticated:
        member_language_set(user=request.user, language=language)
    return response


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "tomato/home.html")


@cabin_open
@policy_gate_exempt
@require_safe
def policy(request: HttpRequest) -> HttpResponse:
    current = PolicyVersion.objects.current()
    if current is None:
        raise Http404("No privacy policy has been published.")
    return render(
        request, "consent/policyversion_detail.html", {"policy": current, "is_current": True}
    )


@cabin_open
@policy_gate_exempt
@require_safe
def policy_version(request: HttpRequest, version: str) -> HttpResponse:
    shown = get_object_or_404(PolicyVersion.objects.published(), version=version)
    current = PolicyVersion.objects.current()
    return render(
        request,
        "consent/policyversion_detail.html",
        {"policy": shown, "current": current, "is_current": shown == current},
    )


@cabin_open
@policy_gate_exempt
@require_safe
def policy_history(request: HttpRequest) -> HttpResponse:
    versions = list(PolicyVersion.objects.published())
    today = timezone.localdate()
    current = next((v for v in versions if v.effective_date <= today), None)
    # Each version with what changed in its text since the one before (newest first).
    history = [
        (version, text_changes(older.text_in(), version.text_in()) if older else "")
        for version, older in zip(versions, [*versions[1:], None], strict=True)
    ]
    return render(
        request, "consent/policyversion_list.html", {"history": history, "current": current}
    )


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return bool(cursor.fetchone() == (1,))
    except DatabaseError:
        logger.exception("Health check: the database did not answer.")
        return False


def _cache_ok() -> bool:
    key = f"healthz:{secrets.token_hex(8)}"
    try:
        cache.set(key, "ok", timeout=10)
        answered = bool(cache.get(key) == "ok")
        cache.delete(key)
    except Exception:  # any backend error (connection refused, timeout) means "not ok"
        logger.exception("Health check: the cache did not answer.")
        return False
    return answered


@consent_exempt
@cabin_open
@policy_gate_exempt
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database_ok(), "cache": _cache_ok()}
    healthy = all(checks.values())
    return JsonResponse(
        {
            "status": "ok" if healthy else "error",
            "checks": {name: "ok" if ok else "error" for name, ok in checks.items()},
        },
        status=HTTPStatus.OK if healthy else HTTPStatus.SERVICE_UNAVAILABLE,
    )
