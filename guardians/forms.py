from __future__ import annotations

from typing import Any

from allauth.account.forms import SignupForm
from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.forms import PolicyAgreementMixin
from accounts.models import User
from guardians.models import Guardianship
from guardians.services import guardianship_start


def validate_not_own_email(guardian_email: str, own_email: str) -> None:
    """A teen cannot be their own guardian: the two addresses must differ."""
    if guardian_email.strip().lower() == own_email.strip().lower():
        raise forms.ValidationError(
            _("Your guardian's email must be different from your own."), code="own_email"
        )


# allauth ships no type information: its SignupForm is a base mypy cannot see.
class TeenSignupForm(PolicyAgreementMixin, SignupForm):  # type: ignore[misc]
    """Step 2 of sign-up for under-16s: no optional fields, and the guardian's email."""

    guardian_email = forms.EmailField(
        label=_("Guardian's email"),
        help_text=_("We ask your parent or guardian to agree before your account can be used."),
    )

    field_order = ["username", "email", "password1", "password2", "guardian_email", "agree"]

    def clean(self) -> dict[str, object]:
        data: dict[str, object] = super().clean() or {}
        email, guardian_email = data.get("email"), data.get("guardian_email")
        if isinstance(email, str) and isinstance(guardian_email, str) and email and guardian_email:
            try:
                validate_not_own_email(guardian_email, email)
            except forms.ValidationError as error:
                self.add_error("guardian_email", error)
        return data

    def signup(self, request: HttpRequest, user: User) -> None:
        """allauth's hook after the user is saved: policy acceptance, then ask the guardian."""
        self.record_policy_acceptance(user)
        guardianship_start(teen=user, guardian_email=self.cleaned_data["guardian_email"])


class GuardianEmailForm(forms.Form):
    guardian_email = forms.EmailField(label=_("Guardian's email"))

    # Django's Form arguments, passed on, and the teen whose guardian this is.
    def __init__(self, *args: Any, teen: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.teen = teen

    def clean_guardian_email(self) -> str:
        value: str = self.cleaned_data["guardian_email"]
        validate_not_own_email(value, self.teen.email)
        return value


class GuardianDecisionForm(forms.Form):
    """The guardian's answer on the consent link: approve the account, or decline it."""

    APPROVE, DECLINE = "approve", "decline"
    decision = forms.ChoiceField(
        choices=[(APPROVE, _("Approve")), (DECLINE, _("Decline"))],
        error_messages={
            "required": _("Choose Approve or Decline."),
            "invalid_choice": _("Choose Approve or Decline."),
        },
    )

    @property
    def approve(self) -> bool:
        return bool(self.cleaned_data["decision"] == self.APPROVE)


class GuardianSwitchesForm(forms.Form):
    allow_optional_fields = forms.BooleanField(
        label=_("Allow optional profile fields"),
        required=False,
        help_text=_("Lets your child add a gender and hobbies to the profile."),
    )
    allow_personalisation = forms.BooleanField(
        label=_("Allow personalisation"),
        required=False,
        help_text=_("Lets your child accept Personalisation cookies (theme, remembered email)."),
    )

    @classmethod
    def for_ward(cls, guardianship: Guardianship) -> GuardianSwitchesForm:
        return cls(
            initial={
                "allow_optional_fields": guardianship.allow_optional_fields,
                "allow_personalisation": guardianship.allow_personalisation,
            }
        )


class WardDeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that this deletes my child's account and all its data."),
        error_messages={"required": _("Tick the box to confirm that you want to delete.")},
    )
