"""The admin site: staff log in through allauth and must have two-factor enabled."""

from __future__ import annotations

from typing import Any

from allauth.account.decorators import secure_admin_login
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from accounts.mfa import is_staff_without_two_factor


def staff_without_two_factor(request: HttpRequest) -> bool:
    return is_staff_without_two_factor(request.user)


class AdminSite(admin.AdminSite):
    site_header = "Tomato administration"
    site_title = "Tomato admin"

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and not staff_without_two_factor(request)

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if staff_without_two_factor(request):
            messages.warning(
                request,
                _(
                    "Staff accounts must have two-factor authentication to use the admin. "
                    "Set it up here first."
                ),
            )
            return redirect("mfa_index")
        view = secure_admin_login(super().login)
        response: HttpResponse = view(request, extra_context)
        return response
