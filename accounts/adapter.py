from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from accounts import age_screen
from accounts.mfa import is_staff_without_two_factor, proved_email_control
from consent.cookies import write_prefs


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        """Keep the date of birth from the age screen and the optional profile fields."""
        # The date now lives on the account only; the session forgets it.
        user.date_of_birth = age_screen.take_answer(request)
        data = form.cleaned_data
        user.gender = data.get("gender") or ""
        user.hobbies = data.get("hobbies") or ""
        return super().save_user(request, user, form, commit=commit)

    def is_login_by_code_required(self, login: Any) -> bool:
        """Staff without two-factor confirm a code sent to their email before logging in.

        Otherwise whoever has the password alone could enrol their own authenticator
        and reach the admin. Everyone else keeps allauth's default.
        """
        user = login.user
        if user is not None and is_staff_without_two_factor(user):
            return not proved_email_control(self.request, user)
        result: bool = super().is_login_by_code_required(login)
        return result

    def post_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> Any:
        """After a log-in from the login form: remember (or forget) the email on this device."""
        response = super().post_login(request, user, **kwargs)
        if request.method == "POST" and "login" in request.POST:
            remember = request.POST.get("remember_email") == "on"
            write_prefs(request, response, email=user.email if remember else None)
        return response
