from __future__ import annotations

import datetime
from typing import Any

from allauth.account.forms import LoginForm, SignupForm
from django import forms
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import HOBBIES_MAX_LENGTH, Gender, StaffAccess, User
from accounts.services import signup_policy_accept
from accounts.validators import validate_no_payment_details
from consent.cookies import read_prefs
from consent.state import consent_of

OLDEST_BIRTH_YEAR = 1900
GENDER_CHOICES = [("", _("Choose if you wish")), *Gender.choices]


class DateInput(forms.DateInput):
    input_type = "date"


class AgeScreenForm(forms.Form):
    """Step 1 of sign-up: one neutral question that hints at no age limit."""

    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        widget=DateInput(attrs={"autocomplete": "bday"}),
        error_messages={"invalid": _("Enter a date, like 2001-04-17.")},
    )

    def clean_date_of_birth(self) -> datetime.date:
        value: datetime.date = self.cleaned_data["date_of_birth"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        if value.year < OLDEST_BIRTH_YEAR:
            raise forms.ValidationError(_("Enter your real date of birth."))
        return value


class PolicyAgreementMixin(forms.Form):
    agree = forms.BooleanField(
        required=True,
        error_messages={"required": _("You need to agree to the Privacy Policy to sign up.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # Django's Form arguments, passed on
        super().__init__(*args, **kwargs)
        self.fields["agree"].label = format_html(
            gettext('I agree to the <a href="{url}">Privacy Policy</a>'), url=reverse("policy")
        )

    def record_policy_acceptance(self, user: User) -> None:
        signup_policy_accept(user=user)


# allauth ships no type information: its SignupForm is a base mypy cannot see.
class MemberSignupForm(PolicyAgreementMixin, SignupForm):  # type: ignore[misc]
    """Step 2 of sign-up for people 16 or older (allauth's form, with our fields)."""

    gender = forms.ChoiceField(label=_("Gender"), choices=GENDER_CHOICES, required=False)
    hobbies = forms.CharField(
        label=_("Hobbies"),
        max_length=HOBBIES_MAX_LENGTH,
        required=False,
        validators=[validate_no_payment_details],
        help_text=_("Optional. A few words or tags, at most 200 characters."),
    )

    field_order = ["username", "email", "password1", "password2", "gender", "hobbies", "agree"]

    def clean_username(self) -> str:
        username: str = super().clean_username()
        validate_no_payment_details(username)
        return username

    def signup(self, request: HttpRequest, user: User) -> None:
        """allauth's hook after the user is saved: record the policy acceptance."""
        self.record_policy_acceptance(user)


# allauth ships no type information: its LoginForm is a base mypy cannot see, and its
# arguments (``request`` among them) are untyped.
class MemberLoginForm(LoginForm):  # type: ignore[misc]
    """allauth's log-in form, with "Remember my email on this device" (Personalisation)."""

    remember_email = forms.BooleanField(label=_("Remember my email on this device"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["remember_email"]
        if self.request is None or not consent_of(self.request).preferences:
            field.disabled = True
            field.help_text = format_html(
                gettext('This needs Personalisation cookies. <a href="{url}">Cookie settings</a>'),
                url=reverse("consent:cookie_settings"),
            )
            return
        remembered = read_prefs(self.request).get("email")
        if remembered and not self.is_bound:
            self.fields["login"].initial = remembered
            field.initial = True


class ProfileForm(forms.ModelForm[User]):
    gender = forms.ChoiceField(label=_("Gender"), choices=GENDER_CHOICES, required=False)

    class Meta:
        model = User
        fields = ["gender", "hobbies"]
        labels = {"hobbies": _("Hobbies")}

    # Django's ModelForm arguments, passed on, and ``lock``.
    def __init__(self, *args: Any, lock: str | None = None, **kwargs: Any) -> None:
        """``lock``: why the profile cannot be changed (a guardian's restriction), if it cannot."""
        super().__init__(*args, **kwargs)
        self.lock = lock
        if lock:
            for field in self.fields.values():
                field.disabled = True

    def clean(self) -> dict[str, object]:
        if self.lock:
            raise forms.ValidationError(self.lock, code="locked")
        return super().clean() or {}


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that this deletes my account and all my data, and cannot be undone."),
        required=True,
        error_messages={"required": _("Tick the box to confirm that you want to delete.")},
    )


class AccessReasonForm(forms.Form):
    """Why a staff member opens a person's record in the admin, asked before it shows."""

    _access_reason = forms.ChoiceField(
        label=_("Why are you opening this record?"),
        choices=StaffAccess.Reason.choices,
        widget=forms.RadioSelect,
    )
    _access_reference = forms.CharField(
        label=_("Reference of the legal request"),
        max_length=StaffAccess._meta.get_field("reason_reference").max_length,
        required=False,
        help_text=_("Required for a legal request: the case or order number. No names."),
        validators=[validate_no_payment_details],
    )

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        reason = cleaned.get("_access_reason")
        reference = (cleaned.get("_access_reference") or "").strip()
        if reason == StaffAccess.Reason.LEGAL and not reference:
            self.add_error("_access_reference", _("A legal request needs its reference."))
        if reason != StaffAccess.Reason.LEGAL:
            reference = ""  # only a legal request keeps a reference
        cleaned["_access_reference"] = reference
        return cleaned
