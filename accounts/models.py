"""The user and their own data.

Design: the profile lives on the user row. The policy lets us hold exactly
three personal items beyond the credentials and email address — date of
birth, gender and hobbies — so they are three columns of ``User`` rather than
a one-to-one ``Profile`` that every page would have to join. Age is computed
from the date of birth and never stored. ``AbstractBaseUser`` is used instead
of ``AbstractUser`` so that no first or last name is ever collected.
"""

from __future__ import annotations

import datetime
from typing import ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.validators import validate_no_payment_details
from consent.privacy import NO_PERSONAL_DATA, Erasure, PersonalData


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    NON_BINARY = "non_binary", _("Non-binary")
    UNDISCLOSED = "undisclosed", _("Prefer not to say")


HOBBIES_MAX_LENGTH = 200


def age_on(date_of_birth: datetime.date, day: datetime.date) -> int:
    """Whole years between a date of birth and a day (a 29 February birthday counts on 1 March)."""
    had_birthday = (day.month, day.day) >= (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - (0 if had_birthday else 1)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(
        self, username: str, email: str, password: str | None, **extra_fields: object
    ) -> User:
        if not username:
            raise ValueError("A username is required.")
        user = self.model(
            username=self.model.normalize_username(username),
            email=self.normalize_email(email),
            **extra_fields,
        )
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(
        self, username: str, email: str = "", password: str | None = None, **extra_fields: object
    ) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(username, email, password, **extra_fields)

    def create_superuser(
        self, username: str, email: str = "", password: str | None = None, **extra_fields: object
    ) -> User:
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(username, email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    username = models.CharField(
        _("username"),
        max_length=150,
        unique=True,
        help_text=_("150 characters or fewer. Letters, digits and @/./+/-/_ only."),
        validators=[UnicodeUsernameValidator(), validate_no_payment_details],
        error_messages={"unique": _("A user with that username already exists.")},
    )
    email = models.EmailField(_("email address"), blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=20, choices=Gender.choices, blank=True)
    hobbies = models.CharField(
        _("hobbies"),
        max_length=HOBBIES_MAX_LENGTH,
        blank=True,
        validators=[validate_no_payment_details],
        help_text=_("A few words or tags, at most 200 characters."),
    )
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Whether the user can log into the admin site."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Unselect this instead of deleting accounts."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()
    personal_data: ClassVar[PersonalData] = PersonalData(
        title=_("Account and profile"),
        owner="",
        erasure=Erasure.DELETE,
        fields=(
            "username",
            "email",
            "date_of_birth",
            (_("Age"), lambda user: user.age()),
            (_("Gender"), lambda user: user.get_gender_display()),
            "hobbies",
            "date_joined",
            "last_login",
        ),
    )

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [("erase_user", _("Can erase a person's data"))]
        constraints = [
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_email_ci_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.username

    def clean(self) -> None:
        super().clean()
        self.email = type(self).objects.normalize_email(self.email)

    def age(self, on: datetime.date | None = None) -> int | None:
        """Age in whole years today (or on a given day); ``None`` without a date of birth."""
        if self.date_of_birth is None:
            return None
        return age_on(self.date_of_birth, on or timezone.localdate())


class AgeBand(models.TextChoices):
    UNDER_16 = "under_16", _("Under 16")
    ADULT = "16_or_older", _("16 or older")


class AgeScreenChange(models.Model):
    """A browser that answered the sign-up age screen again, in a new session, differently.

    Holds no personal data: only the two age bands and when it happened, for
    staff to see how often the screen is tried around.
    """

    previous_band = models.CharField(_("previous answer"), max_length=20, choices=AgeBand.choices)
    new_band = models.CharField(_("new answer"), max_length=20, choices=AgeBand.choices)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    personal_data: ClassVar[PersonalData] = NO_PERSONAL_DATA

    class Meta:
        verbose_name = _("age screen change")
        verbose_name_plural = _("age screen changes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_previous_band_display()} → {self.get_new_band_display()}"


class ErasureReceipt(models.Model):
    """Proof that a person's data was erased, kept without anything that identifies them.

    The person (or their guardian) is emailed the reference; the keyed hash of
    the old user id lets staff match it to the consent records kept after erasure.
    """

    class Reason(models.TextChoices):
        ACCOUNT_DELETION = "account_deletion", _("The member deleted their account")
        GUARDIAN_DELETION = "guardian_deletion", _("The guardian deleted the data")
        GUARDIAN_DECLINE = "guardian_decline", _("The guardian declined")
        EXPIRY = "expiry", _("Not approved in time")
        STAFF_ERASURE = "staff_erasure", _("Erased by a privacy officer on request")

    reference = models.UUIDField(_("reference"), unique=True, editable=False)
    subject = models.CharField(_("subject (keyed hash)"), max_length=64, db_index=True)
    reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices)
    erased_at = models.DateTimeField(_("erased at"), default=timezone.now)
    summary = models.JSONField(_("what was erased"), default=dict)

    personal_data: ClassVar[PersonalData] = NO_PERSONAL_DATA

    class Meta:
        verbose_name = _("erasure receipt")
        verbose_name_plural = _("erasure receipts")
        ordering = ["-erased_at"]

    def __str__(self) -> str:
        return str(self.reference)


class StaffAccess(models.Model):
    """A staff member opened a person's personal data in the admin (who, whom, when)."""

    staff = models.ForeignKey(
        "accounts.User",
        verbose_name=_("staff member"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    user = models.ForeignKey(
        "accounts.User",
        verbose_name=_("person"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="staff_accesses",
    )
    subject = models.CharField(_("person (keyed hash)"), max_length=64, db_index=True)
    accessed_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    what = models.CharField(_("what was opened"), max_length=100)

    personal_data: ClassVar[PersonalData] = PersonalData(
        title=_("Staff who opened your data"),
        owner="user",
        erasure=Erasure.PSEUDONYMISE,
        fields=("accessed_at", "what"),
        ordering=("-accessed_at",),
    )

    class Meta:
        verbose_name = _("staff access")
        verbose_name_plural = _("staff accesses")
        ordering = ["-accessed_at"]

    def __str__(self) -> str:
        return f"{self.what} at {self.accessed_at:%Y-%m-%d %H:%M}"
