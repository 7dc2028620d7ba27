"""The under-16 layer: a teen's guardianship and the email requests for the guardian's consent.

A teen's account starts "awaiting guardian" (cabined: see ``guardians.middleware``).
The guardian answers a signed, single-use link valid 7 days; on approval the
guardianship becomes active with two switches, both off; the guardian can stop
and resume collection, review, download and delete. At 16 the link ends.
"""

from __future__ import annotations

import datetime
import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import AGE_OF_MAJORITY, User
from consent.privacy import Erasure, PersonalData
from consent.state import ANALYTICS, PREFERENCES

REQUEST_VALIDITY = datetime.timedelta(days=7)
APPROVAL_DEADLINE = datetime.timedelta(days=14)
GUARDIAN_MIN_AGE = AGE_OF_MAJORITY


class GuardianshipQuerySet(models.QuerySet["Guardianship"]):
    def awaiting(self) -> GuardianshipQuerySet:
        return self.filter(status=Guardianship.Status.AWAITING)

    def active(self) -> GuardianshipQuerySet:
        return self.filter(status=Guardianship.Status.ACTIVE)

    def for_guardian(self, user: User) -> GuardianshipQuerySet:
        """A guardian's wards (the only guardianships they may see)."""
        return self.active().filter(guardian=user).select_related("teen")

    def unapproved_since(self, moment: datetime.datetime) -> GuardianshipQuerySet:
        return self.awaiting().filter(created_at__lt=moment)


def _erase_guardianships(user: User) -> int:
    """A teen's guardianship goes with them; a guardian's wards lose their guardian.

    A ward left without a guardian waits again, as a new sign-up would: the teen names
    a guardian from the waiting page, and the 14 days start again.
    """
    deleted, _by_model = Guardianship.objects.filter(teen=user).delete()
    as_guardian = Q(guardian=user)
    if user.email:
        as_guardian |= Q(guardian_email__iexact=user.email)
    wards = Guardianship.objects.filter(as_guardian)
    sent_to_them = Q(guardian=user) | Q(guardianship__in=wards)
    if user.email:
        sent_to_them |= Q(email__iexact=user.email)
    their_requests = GuardianRequest.objects.filter(sent_to_them)
    their_requests.filter(status=GuardianRequest.Status.PENDING).update(
        status=GuardianRequest.Status.EXPIRED
    )
    requests = their_requests.update(guardian=None, email="")
    detached = wards.update(
        guardian=None,
        guardian_email="",
        status=Guardianship.Status.AWAITING,
        created_at=timezone.now(),
        approved_at=None,
    )
    return deleted + requests + detached


class GuardianDecision(models.TextChoices):
    """What a guardian decides for a teen, each kept as a consent record about the teen."""

    ACCOUNT = "account", _("Guardian: the account")
    POLICY = "policy", _("Guardian: the privacy policy")
    OPTIONAL_PROFILE_FIELDS = "optional_profile_fields", _("Guardian: optional profile fields")
    PERSONALISATION = "personalisation", _("Guardian: personalisation")
    FURTHER_COLLECTION = "further_collection", _("Guardian: further collection")
    KEEP_DATA = "keep_data", _("Guardian: keeping the data")


class GuardianshipStatus(models.TextChoices):
    AWAITING = "awaiting", _("Awaiting the guardian")
    ACTIVE = "active", _("Approved")


class Guardianship(models.Model):
    """A teen (under 16) and the guardian whose consent their account needs."""

    Status = GuardianshipStatus

    teen = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("teen"),
        on_delete=models.CASCADE,
        related_name="guardianship",
    )
    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("guardian"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="wards",
    )
    guardian_email = models.EmailField(_("guardian's email"))
    language = models.CharField(
        _("language of the guardian's emails"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_(
            "The language the teen signed up in, until the guardian chooses one on their account."
        ),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.AWAITING
    )
    allow_optional_fields = models.BooleanField(_("allow optional profile fields"), default=False)
    allow_personalisation = models.BooleanField(_("allow personalisation"), default=False)
    collection_stopped = models.BooleanField(_("further collection stopped"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    objects = GuardianshipQuerySet.as_manager()
    personal_data: ClassVar[PersonalData[Guardianship]] = PersonalData(
        title=_("Guardian link"),
        owner="teen",
        lookup=lambda user: Q(teen=user) | Q(guardian=user),
        erasure=Erasure.CUSTOM,
        eraser=_erase_guardianships,
        fields=(
            (_("Teen"), lambda row: row.teen.username),
            "guardian_email",
            (_("Language of the guardian's emails"), lambda row: row.get_language_display()),
            "status",
            "allow_optional_fields",
            "allow_personalisation",
            "collection_stopped",
            "created_at",
            "approved_at",
        ),
        select_related=("teen",),
        ordering=("created_at",),
    )

    class Meta:
        verbose_name = _("guardianship")
        verbose_name_plural = _("guardianships")
        indexes = [
            # The schedule's scan for teens not approved in time.
            models.Index(
                fields=["created_at"],
                condition=Q(status=GuardianshipStatus.AWAITING),
                name="guardianship_awaiting_since",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=GuardianshipStatus.AWAITING) | Q(guardian__isnull=False),
                name="active_guardianship_has_guardian",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.teen} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def guardian_language(self) -> str:
        """The language the guardian is written to in: their account's once they have
        chosen one, until then the language the teen signed up in."""
        chosen = self.guardian.language if self.guardian is not None else ""
        return chosen or self.language

    @property
    def approval_deadline(self) -> datetime.datetime:
        return self.created_at + APPROVAL_DEADLINE

    def forced_off_groups(self) -> set[str]:
        """Cookie groups this teen may not use: analytics always; personalisation unless allowed."""
        off = {ANALYTICS}
        if not self.is_active or not self.allow_personalisation or self.collection_stopped:
            off.add(PREFERENCES)
        return off

    @property
    def profile_editable(self) -> bool:
        return self.is_active and self.allow_optional_fields and not self.collection_stopped


class GuardianRequestQuerySet(models.QuerySet["GuardianRequest"]):
    def pending(self) -> GuardianRequestQuerySet:
        return self.filter(status=GuardianRequest.Status.PENDING)

    def overdue(self, now: datetime.datetime) -> GuardianRequestQuerySet:
        return self.pending().filter(expires_at__lte=now)

    def open(self, now: datetime.datetime) -> GuardianRequestQuerySet:
        """Pending and not yet expired: the guardian can still answer (``is_open``)."""
        return self.pending().filter(expires_at__gt=now)


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


class GuardianRequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    REPLACED = "replaced", _("Replaced by a newer request")


class GuardianRequest(models.Model):
    """One email asking the guardian for consent; its link works once, for 7 days."""

    Status = GuardianRequestStatus

    guardianship = models.ForeignKey(
        Guardianship,
        verbose_name=_("guardianship"),
        on_delete=models.CASCADE,
        related_name="requests",
    )
    email = models.EmailField(_("sent to"))
    nonce = models.CharField(max_length=64, default=new_nonce, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    objects = GuardianRequestQuerySet.as_manager()
    personal_data: ClassVar[PersonalData[GuardianRequest]] = PersonalData(
        title=_("Requests to your guardian"),
        owner="guardianship__teen",
        erasure=Erasure.DELETE,
        fields=("email", "status", "sent_at", "expires_at", "answered_at"),
        ordering=("-sent_at",),
    )

    class Meta:
        verbose_name = _("guardian request")
        verbose_name_plural = _("guardian requests")
        ordering = ["-sent_at"]
        indexes = [
            # The schedule's expiry scan: pending requests past their date.
            models.Index(
                fields=["expires_at"],
                condition=Q(status=GuardianRequestStatus.PENDING),
                name="guardianrequest_pending_due",
            ),
            # The admin's list, newest first.
            models.Index(fields=["sent_at", "id"], name="guardianrequest_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.guardianship.teen} → {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.PENDING and self.expires_at > timezone.now()
