"""What people agreed to. This module holds the versions of the privacy policy."""

from __future__ import annotations

import datetime
from typing import ClassVar

from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from consent.markdown import render_markdown

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
