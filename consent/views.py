from __future__ import annotations

from cookie_consent.models import CookieGroup
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe


@require_safe
def cookie_settings(request: HttpRequest) -> HttpResponse:
    """Every cookie group, what it is for, its cookies and the visitor's choice."""
    groups = CookieGroup.objects.prefetch_related("cookie_set").order_by("ordering", "pk")
    return render(request, "consent/cookiegroup_list.html", {"cookie_groups": groups})
