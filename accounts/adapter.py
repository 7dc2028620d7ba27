from __future__ import annotations

from typing import TYPE_CHECKING

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from accounts import age_screen
from accounts.languages import language_of
from accounts.mail import message_queue
from accounts.mfa import is_staff_without_two_factor, proved_email_control
from accounts.models import User
from consent.cookies import write_prefs
from consent.languages import active_language

if TYPE_CHECKING:
    from allauth.account.models import Login


# allauth ships no type information: its adapter is a base mypy cannot see (hence the
# ignore), and what its methods return is untyped (hence the annotated results).
class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    def save_user(
        self, request: HttpRequest, user: User, form: BaseForm, commit: bool = True
    ) -> User:
        """Keep the date of birth from the age screen and the optional profile fields."""
        # The date now lives on the account only; the session forgets it.
        user.date_of_birth = age_screen.take_answer(request)
        data = form.cleaned_data
        user.gender = data.get("gender") or ""
        user.hobbies = data.get("hobbies") or ""
        # The language they signed up in is theirs until they choose another.
        user.language = active_language()
        saved: User = super().save_user(request, user, form, commit=commit)
        return saved

    def is_login_by_code_required(self, login: Login) -> bool:
        """Staff without two-factor confirm a code sent to their email before logging in.

        Otherwise whoever has the password alone could enrol their own authenticator
        and reach the admin. Everyone else keeps allauth's default.
        """
        user = login.user
        if user is not None and is_staff_without_two_factor(user):
            return not proved_email_control(self.request, user)
        result: bool = super().is_login_by_code_required(login)
        return result

    def send_mail(self, template_prefix: str, email: str, context: dict[str, object]) -> None:
        """allauth's emails (confirmation, password reset, login codes, security notices),
        rendered now as allauth renders them and sent by the delivery task, like ours."""
        request = allauth_context.request
        full = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
            **context,
        }
        user = context.get("user")
        member = user if isinstance(user, User) else None
        # In the recipient's language: the account's, or the page's when there is none yet.
        with translation.override(language_of(member)):
            message = self.render_mail(template_prefix, email, full)
        message_queue(message, about=member)

    def post_login(self, request: HttpRequest, user: User, **kwargs: object) -> HttpResponse:
        """After a log-in from the login form: remember (or forget) the email on this device."""
        response: HttpResponse = super().post_login(request, user, **kwargs)
        if request.method == "POST" and "login" in request.POST:
            remember = request.POST.get("remember_email") == "on"
            write_prefs(request, response, email=user.email if remember else None)
        if user.language:
            # The account's language, on this device too after logging out.
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                user.language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite="Lax",  # settings.LANGUAGE_COOKIE_SAMESITE
            )
        return response
