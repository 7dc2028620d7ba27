"""The admin site: staff log in through allauth and must have two-factor enabled."""

from __future__ import annotations

import types
from collections.abc import Iterable
from typing import cast

from allauth.account.decorators import secure_admin_login
from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from accounts.accountability import StaffAccountability
from accounts.mfa import is_staff_without_two_factor


def staff_without_two_factor(request: HttpRequest) -> bool:
    return is_staff_without_two_factor(request.user)


class AdminSite(admin.AdminSite):
    site_header = "Tomato administration"
    site_title = "Tomato admin"

    def register[M: models.Model](
        self,
        model_or_iterable: type[M] | Iterable[type[M]],
        admin_class: type[admin.ModelAdmin[M]] | None = None,
        **options: object,
    ) -> None:
        """Every admin, ours and the libraries', keeps staff accountable: openings of
        personal data and changes are written down (``accounts.accountability``)."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, StaffAccountability):
            names = {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__}
            accountable = types.new_class(
                admin_class.__name__,
                (StaffAccountability, admin_class),
                exec_body=lambda namespace: namespace.update(names),
            )
            # types.new_class makes a plain ``type``; its bases make it a ModelAdmin.
            admin_class = cast(type[admin.ModelAdmin[M]], accountable)
        super().register(model_or_iterable, admin_class, **options)

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and not staff_without_two_factor(request)

    def login(
        self, request: HttpRequest, extra_context: dict[str, object] | None = None
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
