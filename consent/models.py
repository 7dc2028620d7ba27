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


class ConsentAction(models.TextChoices):
    ACCEPT = "accept", _("Accepted")
    DECLINE = "decline", _("Declined")


class ConsentSource(models.TextChoices):
    BANNER = "banner", _("Cookie banner")
    SETTINGS = "settings", _("Cookie settings")
    GPC = "gpc", _("Global Privacy Control")
    ACCOUNT = "account", _("Choices stored on the account")
    GUARDIAN = "guardian", _("Guardian")


class ConsentRecordQuerySet(models.QuerySet["ConsentRecord"]):
    def anonymous(self) -> ConsentRecordQuerySet:
        return self.filter(subject_type=ConsentRecord.SubjectType.VISITOR)

    def older_than(self, moment: datetime.datetime) -> ConsentRecordQuerySet:
        return self.filter(created_at__lt=moment)


class ConsentRecord(models.Model):
    """One accept or decline of one cookie group (or guardian decision), append-only.

    The proof of consent that django-cookie-consent's ``LogItem`` cannot give:
    who (a member, by account and keyed hash, or an anonymous visitor by a random
    id), what, which versions, where the choice was made, when and from where.
    """

    class SubjectType(models.TextChoices):
        MEMBER = "member", _("Member")
        VISITOR = "visitor", _("Anonymous visitor")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consent_records",
    )
    subject_type = models.CharField(_("subject type"), max_length=10, choices=SubjectType.choices)
    subject = models.CharField(
        _("subject"),
        max_length=64,
        db_index=True,
        help_text=_("The keyed hash of a member's id, or an anonymous visitor's random id."),
    )
    group = models.CharField(_("cookie group"), max_length=32, db_index=True)
    action = models.CharField(_("action"), max_length=10, choices=ConsentAction.choices)
    group_version = models.CharField(_("group version"), max_length=40, blank=True)
    policy_version = models.CharField(_("policy version"), max_length=20, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=ConsentSource.choices)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    ip_network = models.CharField(
        _("IP address (truncated)"),
        max_length=50,
        blank=True,
        help_text=_("IPv4 cut to /24, IPv6 to /48."),
    )
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)

    objects: ClassVar[ConsentRecordQuerySet] = ConsentRecordQuerySet.as_manager()  # type: ignore[assignment]
    personal_data: ClassVar[PersonalData] = PersonalData(
        title=_("Consent history"),
        owner="user",
        erasure=Erasure.PSEUDONYMISE,
        fields=(
            "created_at",
            "group",
            "action",
            "source",
            "group_version",
            "policy_version",
            "ip_network",
            "user_agent",
        ),  # fmt: skip
        ordering=("-created_at", "-pk"),
        scrub=("ip_network", "user_agent"),
    )

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["subject_type", "created_at"])]

    def __str__(self) -> str:
        return f"{self.group}: {self.get_action_display()} ({self.get_source_display()})"


class AccountCookieChoice(models.Model):
    """A member's latest choice for one cookie group, applied on every device at log-in."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="cookie_choices",
    )
    group = models.CharField(_("cookie group"), max_length=32)
    accepted = models.BooleanField(_("accepted"))
    group_version = models.CharField(_("group version"), max_length=40, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    personal_data: ClassVar[PersonalData] = PersonalData(
        title=_("Cookie choices stored on your account"),
        owner="user",
        erasure=Erasure.DELETE,
        fields=("group", "accepted", "updated_at"),
        ordering=("group",),
    )

    class Meta:
        verbose_name = _("account cookie choice")
        verbose_name_plural = _("account cookie choices")
        constraints = [
            models.UniqueConstraint(fields=["user", "group"], name="one_choice_per_group"),
        ]

    def __str__(self) -> str:
        return f"{self.group}: {'accepted' if self.accepted else 'declined'}"


class PageView(models.Model):
    """A page view counted by the first-party web beacon, only with analytics consent.

    ``visitor`` is the random id of the ``tomato_vid`` cookie, never linked to an
    account; rows older than the retention period are pruned.
    """

    visitor = models.CharField(_("visitor id"), max_length=64, db_index=True)
    path = models.CharField(_("path"), max_length=200)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    # A random id that is never linked to an account, a path and a time.
    personal_data: ClassVar[PersonalData] = NO_PERSONAL_DATA

    class Meta:
        verbose_name = _("page view")
        verbose_name_plural = _("page views")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.path
