"""What people agreed to, and what was shared: policy versions and their acceptances,
consent records and the choices stored on an account, beacon page views, recipients with
the sharing permissions people give them, and the register of disclosures."""

from __future__ import annotations

import datetime
from typing import ClassVar

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from consent.languages import active_language, site_language
from consent.ledger import Ledger, LedgerQuerySet, LedgerRow
from consent.ledger import LedgerHead as LedgerHead  # a model of this app, with its ledgers
from consent.markdown import render_markdown
from consent.privacy import NO_PERSONAL_DATA, Erasure, PersonalData, subject_hash
from consent.types import AuthUser

REQUIRED_POLICY_CACHE_KEY = "tomato:policy:requiring-agreement"
VERSION_LABEL_PATTERN = r"[0-9]+(?:\.[0-9]+){0,3}"

validate_version_label = RegexValidator(
    rf"\A{VERSION_LABEL_PATTERN}\Z",
    _("A version label is numbers separated by dots, like 1.0 or 2.1.3."),
)


#: Each of the site's languages (``settings.LANGUAGES``): the fields with a policy version's
#: Markdown text and its change summary in that language.
TEXT_FIELDS = {
    "en": ("body", "change_summary"),
    "zh-hans": ("body_zh_hans", "change_summary_zh_hans"),
}


def text_language(language: str | None = None) -> str:
    """``language`` (the active one by default) as a key of ``TEXT_FIELDS``: one of the
    site's languages, else the site's default."""
    if language is None:
        return active_language()
    return site_language(language) or settings.LANGUAGE_CODE


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

    def requiring_agreement(self) -> PolicyVersion | None:
        """The newest material update in effect: every member must have agreed to it.

        The first version is not an update (members agree to it at sign-up). Cached
        briefly; publishing a version forgets the cache.
        """
        key = f"{REQUIRED_POLICY_CACHE_KEY}:{timezone.localdate()}"
        found: PolicyVersion | str | None = cache.get(key)
        if found is None:
            first = self.published().order_by("effective_date", "published_at").first()
            updates = self.in_effect().filter(is_material=True)
            if first is not None:
                updates = updates.exclude(pk=first.pk)
            found = updates.first() or ""
            cache.set(key, found, 60)
        return found if isinstance(found, PolicyVersion) else None

    def previous_to(self, version: PolicyVersion) -> PolicyVersion | None:
        return (
            self.published()
            .filter(effective_date__lte=version.effective_date)
            .exclude(pk=version.pk)
            .filter(
                models.Q(effective_date__lt=version.effective_date)
                | models.Q(published_at__lt=version.published_at)
            )
            .first()
        )


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
    body = models.TextField(_("English text (Markdown)"))
    change_summary = models.TextField(
        _("change summary in English"),
        blank=True,
        help_text=_("What changed since the previous version, in plain words."),
    )
    body_zh_hans = models.TextField(
        _("Simplified Chinese text (Markdown)"),
        help_text=_("The same version in Simplified Chinese: both texts are what people agree to."),
    )
    change_summary_zh_hans = models.TextField(
        _("change summary in Simplified Chinese"),
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

    objects = PolicyVersionQuerySet.as_manager()
    personal_data: ClassVar[PersonalData[PolicyVersion]] = NO_PERSONAL_DATA

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        permissions = [("publish_policyversion", _("Can publish a policy version"))]
        ordering = ["-effective_date", "-published_at"]

    def __str__(self) -> str:
        return str(_("Privacy Policy %(version)s") % {"version": self.version})

    def get_absolute_url(self) -> str:
        return reverse("policy_version", kwargs={"version": self.version})

    def publish(self) -> None:
        """Publish this version now; members meet it from its effective date. A version
        is published in every language of the site or not at all."""
        missing = self.missing_texts()
        if missing:
            raise ValidationError(
                _("%(version)s is not published: it has no text in %(languages)s.")
                % {"version": self.version, "languages": ", ".join(missing)}
            )
        self.published_at = timezone.now()
        self.save(update_fields=["published_at"])
        cache.delete(f"{REQUIRED_POLICY_CACHE_KEY}:{timezone.localdate()}")

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def text_in(self, language: str | None = None) -> str:
        """The Markdown text in ``language`` (the active language by default)."""
        return str(getattr(self, TEXT_FIELDS[text_language(language)][0]))

    def summary_in(self, language: str | None = None) -> str:
        """The change summary in ``language`` (the active language by default)."""
        return str(getattr(self, TEXT_FIELDS[text_language(language)][1]))

    def missing_texts(self) -> list[str]:
        """The names of the site's languages this version has no text in."""
        return [
            str(name)
            for code, name in settings.LANGUAGES
            if not getattr(self, TEXT_FIELDS[code][0]).strip()
        ]

    @property
    def change_summary_shown(self) -> str:
        """The change summary in the language of the page."""
        return self.summary_in()

    @property
    def body_html(self) -> SafeString:
        """The text in the language of the page, rendered and sanitised."""
        language = text_language()
        if language not in self._body_html:
            self._body_html[language] = render_markdown(self.text_in(language))
        return self._body_html[language]

    @cached_property
    def _body_html(self) -> dict[str, SafeString]:
        return {}


class PolicyAcceptanceQuerySet(LedgerQuerySet["PolicyAcceptance"]):
    def record(self, *, user: AuthUser, version: PolicyVersion, source: str) -> PolicyAcceptance:
        """Record that a user agreed to a policy version (append-only), in the language of
        the page that showed it."""
        return self.create(
            user=user,
            subject=subject_hash(user.pk),
            policy_version=version,
            source=source,
            language=text_language(),
        )

    def covers(self, *, user: AuthUser, version: PolicyVersion) -> bool:
        """Whether the user agreed to this version, or to a later one."""
        return (
            self.filter(user=user, policy_version__effective_date__gte=version.effective_date)
            .filter(
                models.Q(policy_version=version)
                | models.Q(policy_version__published_at__gte=version.published_at)
            )
            .exists()
        )


class PolicyAcceptance(LedgerRow):
    """One person's agreement to one version of the privacy policy.

    Kept after the person is erased, as proof of what was agreed: the link to
    the user is cut and the keyed hash in ``subject`` is all that remains. A ledger
    (``consent.ledger``): the chain covers the keyed hash, never the link.
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
    language = models.CharField(
        _("language shown"),
        max_length=10,
        choices=settings.LANGUAGES,
        help_text=_("The language of the text the person was shown when they agreed."),
    )
    accepted_at = models.DateTimeField(_("accepted at"), default=timezone.now, db_index=True)

    objects = PolicyAcceptanceQuerySet.as_manager()
    ledger = Ledger(fields=("subject", "policy_version", "source", "language", "accepted_at"))
    personal_data: ClassVar[PersonalData[PolicyAcceptance]] = PersonalData(
        title=_("Privacy policy acceptances"),
        owner="user",
        erasure=Erasure.PSEUDONYMISE,
        fields=(
            (_("Policy version"), lambda row: row.policy_version.version),
            "source",
            (_("Language shown"), lambda row: row.get_language_display()),
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


class ConsentRecordQuerySet(LedgerQuerySet["ConsentRecord"]):
    def anonymous(self) -> ConsentRecordQuerySet:
        return self.filter(subject_type=ConsentRecord.SubjectType.VISITOR)

    def older_than(self, moment: datetime.datetime) -> ConsentRecordQuerySet:
        return self.filter(created_at__lt=moment)


class ConsentRecord(LedgerRow):
    """One accept or decline of one cookie group (or guardian decision), append-only.

    The proof of consent that django-cookie-consent's ``LogItem`` cannot give:
    who (a member, by account and keyed hash, or an anonymous visitor by a random
    id), what, which versions, where the choice was made, when and from where.

    A ledger (``consent.ledger``) of two chains, members' records and anonymous
    visitors' (which the prune deletes from the start as their retention ends). The
    chain covers what erasure leaves: the keyed hash, not the link to the account, nor
    the network and user agent that erasure blanks.
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
        db_index=False,  # consentrecord_user_time serves it
    )
    subject_type = models.CharField(_("subject type"), max_length=10, choices=SubjectType.choices)
    subject = models.CharField(
        _("subject"),
        max_length=64,
        help_text=_("The keyed hash of a member's id, or an anonymous visitor's random id."),
    )
    group = models.CharField(_("cookie group"), max_length=32)
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

    objects = ConsentRecordQuerySet.as_manager()
    ledger = Ledger(
        fields=(
            "subject_type",
            "subject",
            "group",
            "action",
            "group_version",
            "policy_version",
            "source",
            "created_at",
        ),
        split_by="subject_type",
    )
    personal_data: ClassVar[PersonalData[ConsentRecord]] = PersonalData(
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
        permissions = [("export_consentrecord", _("Can export consent records as CSV"))]
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The prune of anonymous records past their retention.
            models.Index(fields=["subject_type", "created_at"]),
            # A person's consent history, newest first (their data page, the export).
            models.Index(fields=["user", "created_at"], name="consentrecord_user_time"),
            # The admin's list filtered by group or source, newest first.
            models.Index(fields=["group", "created_at"], name="consentrecord_group_time"),
            models.Index(fields=["source", "created_at"], name="consentrecord_source_time"),
            # The admin's search by the beginning of a subject (equality too).
            models.Index(
                fields=["subject"], opclasses=["varchar_pattern_ops"], name="consentrecord_subject"
            ),
        ]

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

    personal_data: ClassVar[PersonalData[AccountCookieChoice]] = PersonalData(
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
    account; ``route`` is the name of the page ("guardians:ward"), never its path, which
    can carry ids and secrets. Rows older than the retention period are pruned.
    """

    visitor = models.CharField(_("visitor id"), max_length=64, db_index=True)
    route = models.CharField(_("page"), max_length=100)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    personal_data: ClassVar[PersonalData[PageView]] = PersonalData(
        title=_("Page views"),
        owner="",
        erasure=Erasure.RETENTION,
        exported=False,
        note=_(
            "With your consent to Analytics, the pages you open are counted under a random "
            "id kept in the tomato_vid cookie of your browser, never linked to your account; "
            "the counts are deleted when their retention period ends."
        ),
    )

    class Meta:
        verbose_name = _("page view")
        verbose_name_plural = _("page views")
        ordering = ["-created_at"]
        # The admin's search by page, newest first.
        indexes = [models.Index(fields=["route", "created_at"], name="pageview_route_time")]

    def __str__(self) -> str:
        return self.route


class LegalBasis(models.TextChoices):
    """The four cases in which the policy allows a disclosure of personal data."""

    AGREEMENT = "agreement", _("(a) Permission under the agreement")
    INTERACTION = "interaction", _("(b) Permission in the product")
    LEGAL = "legal", _("(c) Law, government or judiciary")
    EMERGENCY = "emergency", _("(d) Emergency")


#: Bases given by the person's permission: the disclosure names a listed recipient.
PERMISSION_BASES = (LegalBasis.AGREEMENT, LegalBasis.INTERACTION)
#: Bases that need a reference (the request, the order, the emergency).
REFERENCE_BASES = (LegalBasis.LEGAL, LegalBasis.EMERGENCY)


#: Consent records about a data-sharing permission go under "sharing:<recipient id>".
SHARING_TOPIC_PREFIX = "sharing:"


class RecipientQuerySet(models.QuerySet["Recipient"]):
    def offered_to(self, person: AuthUser) -> RecipientQuerySet:
        """Recipients a person can allow (active ones) or withdraw (any they allowed),
        each with ``granted``: whether the person's permission is in force."""
        current = SharingPermission.objects.in_force().filter(
            user=person, recipient=models.OuterRef("pk")
        )
        return self.annotate(granted=models.Exists(current)).filter(
            models.Q(is_active=True) | models.Q(granted=True)
        )


class Recipient(models.Model):
    """Someone outside Tomato that personal data may be shared with, with a person's permission."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    purpose = models.TextField(_("purpose"))
    data_categories = models.CharField(
        _("data categories"), max_length=300, help_text=_("For example: username, email.")
    )
    basis = models.CharField(
        _("permission asked for"),
        max_length=12,
        choices=[(b.value, b.label) for b in PERMISSION_BASES],
        default=LegalBasis.INTERACTION,
    )
    is_active = models.BooleanField(_("offered to members"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = RecipientQuerySet.as_manager()
    personal_data: ClassVar[PersonalData[Recipient]] = NO_PERSONAL_DATA

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def topic(self) -> str:
        """The name consent records about permissions for this recipient go under."""
        return f"{SHARING_TOPIC_PREFIX}{self.pk}"


class SharingPermissionQuerySet(models.QuerySet["SharingPermission"]):
    def current(self) -> SharingPermissionQuerySet:
        """Not withdrawn (whether or not the recipient's terms changed since)."""
        return self.filter(withdrawn_at__isnull=True)

    def in_force(self) -> SharingPermissionQuerySet:
        """Not withdrawn, and given to the recipient's terms as they are now: a change of
        name, purpose, kind or data widens nothing anyone agreed to."""
        return self.current().filter(
            recipient_name=models.F("recipient__name"),
            purpose=models.F("recipient__purpose"),
            basis=models.F("recipient__basis"),
            data_categories=models.F("recipient__data_categories"),
        )


class SharingPermission(models.Model):
    """A person's permission to share their data with one recipient (basis (a) or (b)).

    It keeps the terms the person was shown (the recipient's name, purpose, kind of
    permission and data): a disclosure needs a permission given to the recipient's
    terms as they are. For a teen, the permission is their guardian's (``granted_by``).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="sharing_permissions",
    )
    recipient = models.ForeignKey(
        Recipient, verbose_name=_("recipient"), on_delete=models.PROTECT, related_name="+"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recipient_name = models.CharField(_("recipient's name, as shown"), max_length=120)
    purpose = models.TextField(_("purpose, as shown"))
    basis = models.CharField(
        _("permission given"), max_length=12, choices=[(b.value, b.label) for b in PERMISSION_BASES]
    )
    data_categories = models.CharField(_("data categories, as shown"), max_length=300)
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    objects = SharingPermissionQuerySet.as_manager()
    personal_data: ClassVar[PersonalData[SharingPermission]] = PersonalData(
        title=_("Data-sharing permissions"),
        owner="user",
        erasure=Erasure.DELETE,
        fields=(
            (_("Recipient"), lambda row: row.recipient_name),
            "purpose",
            "data_categories",
            "basis",
            "granted_at",
            "withdrawn_at",
        ),
        ordering=("-granted_at",),
    )

    class Meta:
        verbose_name = _("data-sharing permission")
        verbose_name_plural = _("data-sharing permissions")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "recipient"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="one_current_permission_per_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_name} ({'withdrawn' if self.withdrawn_at else 'current'})"

    @classmethod
    def given_to(
        cls, *, user: AuthUser, recipient: Recipient, granted_by: AuthUser
    ) -> SharingPermission:
        """A new permission to the recipient's terms as they are now."""
        return cls(
            user=user,
            recipient=recipient,
            granted_by=granted_by,
            recipient_name=recipient.name,
            purpose=recipient.purpose,
            basis=recipient.basis,
            data_categories=recipient.data_categories,
        )


class Disclosure(LedgerRow):
    """One disclosure of personal data: immutable; a correction is a new entry pointing back.

    A ledger (``consent.ledger``), and so are the people it concerned (``DisclosureSubject``).
    Who recorded it is not chained: the link goes when that staff member is erased.
    """

    recipient = models.CharField(
        _("recipient"),
        max_length=200,
        blank=True,
        help_text=_("Who received the data; left blank, the listed recipient's name."),
    )
    listed_recipient = models.ForeignKey(
        Recipient,
        verbose_name=_("listed recipient"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disclosures",
        help_text=_("Required for (a) and (b): the permission people gave names a recipient."),
    )
    purpose = models.TextField(_("purpose"))
    legal_basis = models.CharField(_("legal basis"), max_length=12, choices=LegalBasis.choices)
    reference = models.CharField(
        _("reference"),
        max_length=200,
        blank=True,
        help_text=_("The order, request or incident number. Required for (c) and (d)."),
    )
    data_categories = models.CharField(_("data categories"), max_length=300)
    disclosed_at = models.DateTimeField(_("disclosed at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Set when the row is made, before its hash (``auto_now_add`` would set it on insert).
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )

    objects = LedgerQuerySet["Disclosure"].as_manager()
    ledger = Ledger(
        fields=(
            "recipient",
            "listed_recipient",
            "purpose",
            "legal_basis",
            "reference",
            "data_categories",
            "disclosed_at",
            "recorded_at",
            "corrects",
        )
    )
    personal_data: ClassVar[PersonalData[Disclosure]] = (
        NO_PERSONAL_DATA  # the people are in DisclosureSubject
    )

    class Meta:
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        ordering = ["-disclosed_at", "-pk"]
        # The register in its order (the admin's list).
        indexes = [models.Index(fields=["disclosed_at", "id"], name="disclosure_disclosed")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(legal_basis__in=REFERENCE_BASES) | ~models.Q(reference=""),
                name="disclosure_reference_for_legal_and_emergency",
            ),
            models.CheckConstraint(
                condition=~models.Q(legal_basis__in=PERMISSION_BASES)
                | models.Q(listed_recipient__isnull=False),
                name="disclosure_listed_recipient_for_permissions",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} ({self.get_legal_basis_display()})"


class DisclosureSubject(LedgerRow):
    """A person whose data a disclosure concerned; kept, pseudonymised, after their erasure.

    A ledger (``consent.ledger``) covering the disclosure and the keyed hash, not the link.
    """

    disclosure = models.ForeignKey(
        Disclosure, verbose_name=_("disclosure"), on_delete=models.PROTECT, related_name="subjects"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="disclosures",
    )
    subject = models.CharField(_("subject (keyed hash)"), max_length=64, db_index=True)

    objects = LedgerQuerySet["DisclosureSubject"].as_manager()
    ledger = Ledger(fields=("disclosure", "subject"))
    personal_data: ClassVar[PersonalData[DisclosureSubject]] = PersonalData(
        title=_("Who we shared your data with"),
        owner="user",
        erasure=Erasure.PSEUDONYMISE,
        fields=(
            (_("When"), lambda row: row.disclosure.disclosed_at),
            (_("Recipient"), lambda row: row.disclosure.recipient),
            (_("Purpose"), lambda row: row.disclosure.purpose),
            (_("Legal basis"), lambda row: row.disclosure.get_legal_basis_display()),
            (_("Reference"), lambda row: row.disclosure.reference),
            (_("Data"), lambda row: row.disclosure.data_categories),
            (_("Corrects"), lambda row: row.disclosure.corrects_id),
        ),
        select_related=("disclosure",),
        ordering=("-disclosure__disclosed_at",),
    )

    class Meta:
        verbose_name = _("person concerned")
        verbose_name_plural = _("people concerned")

    def __str__(self) -> str:
        return self.subject[:12]
