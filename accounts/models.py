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
import json
from typing import TYPE_CHECKING, ClassVar, TypedDict

from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import ACTION_FLAG_CHOICES, LogEntry
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import PermissionsMixin
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.indexes import OpClass
from django.db import models
from django.db.models import Value
from django.db.models.functions import Lower, Upper
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts.validators import validate_no_payment_details
from consent.ledger import Ledger, LedgerQuerySet, LedgerRow
from consent.privacy import NO_PERSONAL_DATA, Erasure, PersonalData, subject_hash

if TYPE_CHECKING:
    from django.db.backends.base.schema import BaseDatabaseSchemaEditor
    from django.db.backends.ddl_references import Statement


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    NON_BINARY = "non_binary", _("Non-binary")
    UNDISCLOSED = "undisclosed", _("Prefer not to say")


HOBBIES_MAX_LENGTH = 200


#: From this age a person consents for themselves; under it, a guardian consents first.
CONSENT_AGE = 16
#: The age of majority: a guardian's, and the admin's "18+".
AGE_OF_MAJORITY = 18


#: The constraints that keep usernames and (non-empty) addresses unique whatever their case:
#: the last word when two sign-ups pass their form's checks at once.
USERNAME_UNIQUE = "user_username_ci_unique"
EMAIL_UNIQUE = "user_email_ci_unique"


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same day ``years`` earlier (28 February for a 29 February that year lacks)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_on(date_of_birth: datetime.date, day: datetime.date) -> int:
    """Whole years between a date of birth and a day (a 29 February birthday counts on 1 March)."""
    had_birthday = (day.month, day.day) >= (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - (0 if had_birthday else 1)


class PatternIndex(models.Index):
    """An index on expressions that also serves ``LIKE 'abc%'`` (``istartswith``: the
    admin's ``^`` searches) on PostgreSQL, whatever the database's collation: each
    expression with the ``text_pattern_ops`` operator class there. SQLite has no
    operator classes and gets a plain index on the expressions."""

    def create_sql(
        self,
        model: type[models.Model],
        schema_editor: BaseDatabaseSchemaEditor,
        using: str = "",
        **kwargs: object,
    ) -> Statement:
        if schema_editor.connection.vendor != "postgresql":
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        with_opclass = models.Index(
            *(OpClass(expression, name="text_pattern_ops") for expression in self.expressions),
            name=self.name,
            condition=self.condition,
        )
        return with_opclass.create_sql(model, schema_editor, using=using, **kwargs)


class UserManager(DjangoUserManager["User"]):
    """Django's own user manager: ``create_user`` normalises the email address and hashes
    the password, ``create_superuser`` refuses anyone who is not both staff and superuser.
    Named here because the migrations refer to ``accounts.models.UserManager``."""


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
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The language of the site and of the emails we send you."),
    )

    objects: ClassVar[UserManager] = UserManager()
    personal_data: ClassVar[PersonalData[User]] = PersonalData(
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
            (_("Language"), lambda user: user.get_language_display()),
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
            models.UniqueConstraint(Lower("username"), name=USERNAME_UNIQUE),
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name=EMAIL_UNIQUE
            ),
        ]
        indexes = [
            # The admin's search by the beginning of a username (istartswith).
            PatternIndex(Upper("username"), name="user_username_prefix"),
            # The admin's list of staff, by username.
            models.Index(
                fields=["username"], condition=models.Q(is_staff=True), name="user_staff_username"
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


def email_is(address: str) -> models.Q:
    """Accounts with this email address, in any case: a lookup the unique index on the
    lower-cased address (``user_email_ci_unique``, for addresses that are not empty)
    serves."""
    return ~models.Q(email="") & models.Q(Exact(Lower("email"), Lower(Value(address))))


class StaffRole(models.TextChoices):
    """The role a staff member acted in, kept with what they did."""

    SUPERUSER = "superuser", _("Superuser")
    PRIVACY_OFFICER = "privacy_officer", _("Privacy officer")
    SUPPORT = "support", _("Support")
    STAFF = "staff", _("Staff")


#: The staff groups (created by migration 0005) and the role each gives.
STAFF_GROUPS = {"Privacy officer": StaffRole.PRIVACY_OFFICER, "Support": StaffRole.SUPPORT}


def staff_role(user: User) -> StaffRole:
    """The role a staff member acts in now (a superuser, or their staff group's)."""
    if user.is_superuser:
        return StaffRole.SUPERUSER
    names = set(user.groups.values_list("name", flat=True))
    for name, role in STAFF_GROUPS.items():
        if name in names:
            return role
    return StaffRole.STAFF


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

    personal_data: ClassVar[PersonalData[AgeScreenChange]] = NO_PERSONAL_DATA

    class Meta:
        verbose_name = _("age screen change")
        verbose_name_plural = _("age screen changes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_previous_band_display()} → {self.get_new_band_display()}"


class ErasureReceipt(LedgerRow):
    """Proof that a person's data was erased, kept without anything that identifies them.

    The person (or their guardian) is emailed the reference; the keyed hash of
    the old user id lets staff match it to the consent records kept after erasure.
    It says who caused the erasure: the reason names the kind (the person, their
    guardian, the schedule or a staff member), and the guardian or staff member is
    linked while their account exists and by keyed hash afterwards, with the role a
    staff member acted in. A ledger (``consent.ledger``): the chain covers the keyed
    hashes, never the links to accounts.
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
    actor = models.ForeignKey(
        "accounts.User",
        verbose_name=_("erased by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The guardian or staff member who caused the erasure."),
    )
    actor_subject = models.CharField(
        _("erased by (keyed hash)"), max_length=64, blank=True, db_index=True
    )
    actor_role = models.CharField(
        _("role of the staff member"), max_length=20, choices=StaffRole.choices, blank=True
    )

    objects = LedgerQuerySet["ErasureReceipt"].as_manager()
    ledger = Ledger(
        fields=(
            "reference",
            "subject",
            "reason",
            "erased_at",
            "summary",
            "actor_subject",
            "actor_role",
        )
    )
    personal_data: ClassVar[PersonalData[ErasureReceipt]] = PersonalData(
        title=_("Erasures you caused"),
        owner="actor",
        erasure=Erasure.PSEUDONYMISE,
        fields=("erased_at", "reason", "reference"),
        ordering=("-erased_at",),
    )

    class Meta:
        verbose_name = _("erasure receipt")
        verbose_name_plural = _("erasure receipts")
        ordering = ["-erased_at"]

    def __str__(self) -> str:
        return str(self.reference)

    @property
    def caused_by(self) -> str:
        """Who caused the erasure, as staff read it (a pseudonym once they are erased)."""
        if self.reason == self.Reason.ACCOUNT_DELETION:
            return str(_("the person themselves"))
        if self.reason == self.Reason.EXPIRY:
            return str(_("the schedule"))
        who = acting_person(self.actor, self.actor_subject)
        if self.reason == self.Reason.STAFF_ERASURE:
            role = StaffRole(self.actor_role).label if self.actor_role else _("staff member")
            return f"{who} ({role})"
        return str(_("their guardian, %(who)s") % {"who": who})


def acting_person(user: User | None, subject: str) -> str:
    """A staff member or guardian by username, by keyed hash once they are erased, or
    "not recorded" (receipts written before the actor was kept)."""
    if user is not None:
        return user.username
    if not subject:
        return str(_("not recorded"))
    return str(_("erased account %(ref)s") % {"ref": subject[:12]})


class ActedBy(TypedDict):
    """The fields that say which staff member did something, and in which role."""

    staff: User
    staff_subject: str
    staff_role: StaffRole


class ActedByStaff(models.Model):
    """Something a staff member did: who, by keyed hash once their account is erased, and
    the role they acted in then."""

    staff = models.ForeignKey(
        "accounts.User",
        verbose_name=_("staff member"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    staff_subject = models.CharField(_("staff member (keyed hash)"), max_length=64, db_index=True)
    staff_role = models.CharField(_("role"), max_length=20, choices=StaffRole.choices)

    class Meta:
        abstract = True

    @property
    def staff_member(self) -> str:
        return acting_person(self.staff, self.staff_subject)

    @staticmethod
    def by(staff: User) -> ActedBy:
        """The fields that say who did it, for a row about to be written."""
        return {
            "staff": staff,
            "staff_subject": subject_hash(staff.pk),
            "staff_role": staff_role(staff),
        }


class StaffAccess(LedgerRow, ActedByStaff):
    """A staff member opened a person's personal data in the admin (who, whom, what, when).

    Kept when either of them is erased: the person and the staff member are then known
    by keyed hash only, and the staff member's role at the time stays. A ledger
    (``consent.ledger``): the chain covers the keyed hashes and the role, never the links.
    """

    class View(models.TextChoices):
        CHANGE = "change", _("the record")
        HISTORY = "history", _("its change history")
        LIST = "list", _("a list of records")
        SEARCH = "search", _("a search")

    class Reason(models.TextChoices):
        """Why a staff member opened a person's record: asked before it shows."""

        SUPPORT = "support", _("Support request from the person")
        GUARDIAN = "guardian", _("Request from the person's guardian")
        LEGAL = "legal", _("Legal request")
        SECURITY = "security", _("Security investigation")
        CORRECTION = "correction", _("Data correction")

    user = models.ForeignKey(
        "accounts.User",
        verbose_name=_("person"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="staff_accesses",
    )
    subject = models.CharField(_("person (keyed hash)"), max_length=64, blank=True, db_index=True)
    accessed_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    what = models.CharField(
        _("kind of record"), max_length=100, help_text=_("The model, like accounts.user.")
    )
    view = models.CharField(_("what was opened"), max_length=10, choices=View.choices)
    reason = models.CharField(
        _("reason"),
        max_length=12,
        choices=Reason.choices,
        blank=True,
        help_text=_("Asked before a record shows; none for lists and searches."),
    )
    reason_reference = models.CharField(
        _("reference"),
        max_length=100,
        blank=True,
        help_text=_("A legal request's reference (a case or order number), never a name."),
    )

    objects = LedgerQuerySet["StaffAccess"].as_manager()
    ledger = Ledger(
        fields=("staff_subject", "staff_role", "subject", "accessed_at", "what", "view"),
        # Chained since reasons were asked: rows from before keep their hashes.
        added=("reason", "reason_reference"),
    )
    personal_data: ClassVar[PersonalData[StaffAccess]] = PersonalData(
        title=_("Staff who opened your data"),
        owner="user",
        erasure=Erasure.PSEUDONYMISE,
        also_cut=("staff",),
        fields=(
            "accessed_at",
            "staff_role",
            (_("Record"), lambda row: row.record_name),
            "view",
            # The reason, never a legal request's reference: it can be confidential.
            (_("Reason"), lambda row: row.reason_shown),
        ),
        ordering=("-accessed_at",),
    )

    class Meta:
        verbose_name = _("staff access")
        verbose_name_plural = _("staff accesses")
        ordering = ["-accessed_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reason="legal") | ~models.Q(reason_reference=""),
                name="staff_access_legal_request_has_reference",
                violation_error_message=_("A legal request needs its reference."),
            ),
        ]

    def __str__(self) -> str:
        when = f"{self.accessed_at:%Y-%m-%d %H:%M}"
        return str(
            _("%(record)s (%(view)s) at %(when)s")
            % {"record": self.record_name, "view": self.get_view_display(), "when": when}
        )

    @property
    def record_name(self) -> str:
        return record_name(self.what)

    @property
    def reason_shown(self) -> str:
        """The reason as the person sees it: its label, or why there is none."""
        if self.reason:
            return str(self.get_reason_display())
        return str(_("None asked (a list or search, or before reasons were asked)"))


def record_name(label: str) -> str:
    """The name of a kind of record ("accounts.user" → "User"), in the reader's language."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return label
    return str(capfirst(model._meta.verbose_name))


def without_names(change_message: str) -> str:
    """A log entry's change message without the names of the rows it added, changed or
    deleted: Django quotes each row's ``str()``, which can be a username or an email
    address. The kinds of row and the changed field names stay."""
    try:
        parsed = json.loads(change_message)
    except ValueError:
        return ""
    if not isinstance(parsed, list):
        return ""
    for part in parsed:
        for action in part.values() if isinstance(part, dict) else ():
            if isinstance(action, dict) and "object" in action:
                action["object"] = "…"
    return json.dumps(parsed, ensure_ascii=False)


class AdminActionQuerySet(models.QuerySet["AdminAction"]):
    def about(self, obj: models.Model) -> AdminActionQuerySet:
        """The changes made to one record, oldest first (its history page)."""
        content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
        return self.filter(content_type=content_type, object_id=str(obj.pk)).order_by(
            "action_time", "pk"
        )


class AdminAction(ActedByStaff):
    """A change made in the admin: the accountable copy of Django's ``LogEntry``.

    Django deletes a staff member's log entries with their account, and log entries name
    the person a record is about. This copy is kept: the staff member (by keyed hash once
    erased) and their role at the time, the person the record is about (by keyed hash
    once erased), which record, when, and what changed (field names; blanked when the
    person is erased, as it can quote what was added). The admin's history pages show it.
    """

    person = models.ForeignKey(
        "accounts.User",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="admin_actions",
    )
    subject = models.CharField(_("person (keyed hash)"), max_length=64, blank=True, db_index=True)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("kind of record"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField(_("record id"), max_length=255)
    action_flag = models.PositiveSmallIntegerField(_("action"), choices=ACTION_FLAG_CHOICES)
    change_message = models.TextField(_("change"), blank=True)
    action_time = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    objects = AdminActionQuerySet.as_manager()
    personal_data: ClassVar[PersonalData[AdminAction]] = PersonalData(
        title=_("Changes staff made to your data"),
        owner="person",
        erasure=Erasure.PSEUDONYMISE,
        also_cut=("staff",),
        scrub=("change_message",),
        fields=(
            "action_time",
            "staff_role",
            (_("Record"), lambda row: str(capfirst(row.content_type.name))),
            "action_flag",
            (_("Change"), lambda row: row.get_change_message()),
        ),
        ordering=("-action_time",),
        select_related=("content_type",),
    )

    class Meta:
        verbose_name = _("admin action")
        verbose_name_plural = _("admin actions")
        ordering = ["-action_time"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.get_action_flag_display()} {self.content_type} {self.object_id}"

    def get_change_message(self) -> str:
        """What changed, in the reader's language (Django's own wording of a log entry)."""
        return str(LogEntry(change_message=self.change_message).get_change_message())
