"""What people agreed to. This module holds the versions of the privacy policy."""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from consent.markdown import render_markdown
from consent.privacy import NO_PERSONAL_DATA, Erasure, PersonalData, subject_hash

VERSION_LABEL_PATTERN = r"[0-9]+(?:\.[0-9]+){0,3}"

validate_version_label = RegexValidator(
    rf"\A{VERSION_LABEL_PATTERN}\Z",
    _("A version label is numbers separated by dots, like 1.0 or 2.1.3."),
)


class PolicyVersionQuerySet(models.QuerySet["PolicyVersion"]):
    def published(self) -> PolicyVersionQuerySet:
        """Versions that have been published, newest effective first."""
        return self.filter(published_at__isnull=False).order_by("-effective_date", "-published_at")

    def in_effect(self, on: datetime.date | None = None) -> PolicyVersionQuerySet:
        """Published versions whose effective date has come."""
        return self.published().filter(effective_date__lte=on or timezone.localdate())

    def current(self) -> PolicyVersion | None:
        """The version in effect today: the newest published one whose date has come."""
        return self.in_effect().first()


class PolicyVersion(models.Model):
    """One published text of the privacy policy.

    A version is a draft until ``published_at`` is set; once published, its
    text is what people agreed to and is kept for ever. The body is Markdown,
    rendered and sanitised for display.
    """

    version = models.CharField(
        _("version"),
        max_length=20,
        unique=True,
        validators=[validate_version_label],
        help_text=_("Numbers separated by dots, like 1.0 or 2.1."),
    )
    effective_date = models.DateField(_("effective date"))
    body = models.TextField(_("text (Markdown)"))
    change_summary = models.TextField(
        _("change summary"),
        blank=True,
        help_text=_("What changed since the previous version, in plain words."),
    )
    is_material = models.BooleanField(
        _("material change"),
        default=False,
        help_text=_("A material change asks every member, and every guardian, to agree again."),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects: ClassVar[PolicyVersionQuerySet] = PolicyVersionQuerySet.as_manager()  # type: ignore[assignment]
    personal_data: ClassVar[PersonalData] = NO_PERSONAL_DATA

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["-effective_date", "-published_at"]

    def __str__(self) -> str:
        return str(_("Privacy Policy %(version)s") % {"version": self.version})

    def get_absolute_url(self) -> str:
        return reverse("policy_version", kwargs={"version": self.version})

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @cached_property
    def body_html(self) -> SafeString:
        return render_markdown(self.body)


class PolicyAcceptanceQuerySet(models.QuerySet["PolicyAcceptance"]):
    def record(self, *, user: Any, version: PolicyVersion, source: str) -> PolicyAcceptance:
        """Record that a user agreed to a policy version (append-only)."""
        return self.create(
            user=user, subject=subject_hash(user.pk), policy_version=version, source=source
        )

    def for_subject(self, user_id: int) -> PolicyAcceptanceQuerySet:
        return self.filter(subject=subject_hash(user_id))


class PolicyAcceptance(models.Model):
    """One person's agreement to one version of the privacy policy.

    Kept after the person is erased, as proof of what was agreed: the link to
    the user is cut and the keyed hash in ``subject`` is all that remains.
    """

    class Source(models.TextChoices):
        SIGNUP = "signup", _("Sign-up")
        UPDATE = "update", _("Policy update")
        GUARDIAN = "guardian", _("Guardian")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="policy_acceptances",
    )
    subject = models.CharField(_("subject (keyed hash)"), max_length=64, db_index=True)
    policy_version = models.ForeignKey(
        PolicyVersion,
        verbose_name=_("policy version"),
        on_delete=models.PROTECT,
        related_name="acceptances",
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    accepted_at = models.DateTimeField(_("accepted at"), default=timezone.now, db_index=True)

    objects: ClassVar[PolicyAcceptanceQuerySet] = PolicyAcceptanceQuerySet.as_manager()  # type: ignore[assignment]
    personal_data: ClassVar[PersonalData] = PersonalData(
        title=_("Privacy policy acceptances"),
        owner="user",
        erasure=Erasure.PSEUDONYMISE,
        fields=(
            (_("Policy version"), lambda row: row.policy_version.version),
            "source",
            "accepted_at",
        ),
        ordering=("-accepted_at",),
        select_related=("policy_version",),
    )

    class Meta:
        verbose_name = _("policy acceptance")
        verbose_name_plural = _("policy acceptances")
        ordering = ["-accepted_at"]

    def __str__(self) -> str:
        return f"{self.policy_version} ({self.get_source_display()})"
