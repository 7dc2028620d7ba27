from __future__ import annotations

import csv
from collections.abc import Iterator

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connections, models
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consent.groups import RECORDED_TOPICS, all_groups
from consent.models import (
    ConsentRecord,
    Disclosure,
    DisclosureSubject,
    PageView,
    PolicyVersion,
    Recipient,
    SharingPermission,
)
from consent.services import DisclosureRefused, disclosure_check, disclosure_record
from consent.types import AuthUser

CSV_COLUMNS = (
    "created_at",
    "subject_type",
    "subject",
    "group",
    "action",
    "group_version",
    "policy_version",
    "source",
    "ip_network",
    "user_agent",
)


def estimated_rows(queryset: object) -> int | None:
    """The PostgreSQL planner's estimate of a whole table's rows (``pg_class.reltuples``,
    kept by ANALYZE and autovacuum), for a queryset without filters; ``None`` for a
    filtered queryset, on other databases and for a table never analysed."""
    if not isinstance(queryset, QuerySet) or queryset.query.has_filters():
        return None
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    table = connection.ops.quote_name(queryset.model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] >= 0 else None


class EstimatedCountPaginator[T](Paginator[T]):
    """Counts a whole big table by the planner's estimate instead of reading every row.

    A filtered list, a table under ``exact_below`` rows and any database but PostgreSQL
    are counted exactly: there the count is cheap, or the estimate would be another
    table's (the whole one's).
    """

    #: Below this many rows (by the estimate) counting them is cheap, and exact.
    exact_below = 10_000

    @cached_property
    def count(self) -> int:
        estimate = estimated_rows(self.object_list)
        if estimate is None or estimate < self.exact_below:
            return super().count
        return estimate


class LargeTableAdmin[M: models.Model](admin.ModelAdmin[M]):
    """The admin of a table that grows with the members (a ledger of records, the users):
    one count per page, by estimate for the whole table on PostgreSQL, and no second
    count of the unfiltered table. Its filters must have known choices (never a
    ``SELECT DISTINCT`` over the table) and no ``date_hierarchy`` (it reads every row's
    date); its searches, filters and ordering must each have an index."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False


class ReadOnlyAdmin[M: models.Model](admin.ModelAdmin[M]):
    """Records that are evidence: staff may read them, and nobody adds, changes or deletes.

    ``can_delete`` (as on Django's inlines) lets staff with the delete permission delete
    rows that only the site writes but that are not evidence.
    """

    can_delete = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return self.can_delete and super().has_delete_permission(request, obj)


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin[PolicyVersion]):
    list_display = ("version", "effective_date", "is_material", "published_at")
    list_filter = ("is_material",)
    search_fields = ("version", "change_summary", "change_summary_zh_hans")
    readonly_fields = ("published_at", "created_at")
    # A version is one text in each of the site's languages: both are asked for.
    fields = (
        "version",
        "effective_date",
        "is_material",
        "change_summary",
        "body",
        "change_summary_zh_hans",
        "body_zh_hans",
        "published_at",
        "created_at",
    )

    actions = ["publish"]

    def get_readonly_fields(
        self, request: HttpRequest, obj: PolicyVersion | None = None
    ) -> tuple[str, ...]:
        # What people agreed to never changes: a published version is read-only.
        if obj is not None and obj.is_published:
            return tuple(self.fields)
        return tuple(self.readonly_fields)

    def has_delete_permission(self, request: HttpRequest, obj: PolicyVersion | None = None) -> bool:
        published = obj is not None and obj.is_published
        return super().has_delete_permission(request, obj) and not published

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("consent.publish_policyversion"))

    @admin.action(description=_("Publish the selected versions"), permissions=["publish"])
    def publish(self, request: HttpRequest, queryset: QuerySet[PolicyVersion]) -> None:
        drafts = []
        for version in queryset.filter(published_at__isnull=True):
            try:
                version.publish()
            except ValidationError as refused:
                self.message_user(request, " ".join(refused.messages), messages.ERROR)
            else:
                drafts.append(version)
        self.message_user(
            request,
            _("Published: %(versions)s.")
            % {"versions": ", ".join(v.version for v in drafts) or "-"},
            messages.SUCCESS,
        )


def csv_cell(value: object) -> object:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


class TopicFilter(admin.SimpleListFilter):
    """A consent record's cookie group (or other topic), from the topics the site knows:
    the cookie groups, the data-sharing recipients and what other apps record."""

    title = _("cookie group")
    parameter_name = "group"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[models.Model]
    ) -> list[tuple[str, str]]:
        groups = [(group.varname, gettext(group.name)) for group in all_groups()]
        sharing = [
            (recipient.topic, str(_("Sharing with %(name)s") % {"name": recipient.name}))
            for recipient in Recipient.objects.order_by("name")
        ]
        return groups + [(topic, str(label)) for topic, label in RECORDED_TOPICS.items()] + sharing

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[ConsentRecord]
    ) -> QuerySet[ConsentRecord]:
        value = self.value()
        return queryset.filter(group=value) if value else queryset


@admin.register(ConsentRecord)
class ConsentRecordAdmin(LargeTableAdmin[ConsentRecord], ReadOnlyAdmin[ConsentRecord]):
    """Consent records are evidence: staff read and export them, and change nothing."""

    list_display = ("created_at", "subject_type", "short_subject", "group", "action", "source")
    list_filter = (
        TopicFilter,
        "action",
        "source",
        "subject_type",
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ("subject__startswith",)
    search_help_text = _("The beginning of a member's keyed hash or of a visitor's id.")
    list_select_related = False
    actions = ["export_csv"]

    def has_export_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("consent.export_consentrecord"))

    fields = (*CSV_COLUMNS, "user")
    readonly_fields = (*CSV_COLUMNS, "user")

    @admin.display(description=_("subject"))
    def short_subject(self, record: ConsentRecord) -> str:
        return f"{record.subject[:12]}…"

    @admin.action(
        description=_("Export the selected consent records as CSV"), permissions=["export"]
    )
    def export_csv(
        self, request: HttpRequest, queryset: QuerySet[ConsentRecord]
    ) -> HttpResponse | StreamingHttpResponse:
        writer = csv.writer(_Echo())
        rows = queryset.order_by("created_at", "pk").values_list(*CSV_COLUMNS)

        def lines() -> Iterator[str]:
            yield writer.writerow(list(CSV_COLUMNS))
            for row in rows.iterator(chunk_size=2000):
                yield writer.writerow([csv_cell(value) for value in row])

        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="consent-records-{stamp}.csv"'
        return response


@admin.register(PageView)
class PageViewAdmin(LargeTableAdmin[PageView], ReadOnlyAdmin[PageView]):
    list_display = ("created_at", "route")
    list_filter = (("created_at", admin.DateFieldListFilter),)
    search_fields = ("route__exact",)
    search_help_text = _("A page's name, whole (like home or guardians:ward).")
    readonly_fields = ("visitor", "route", "created_at")
    #: Counts, not evidence (retention prunes them): the delete permission deletes them.
    can_delete = True


@admin.register(Recipient)
class RecipientAdmin(admin.ModelAdmin[Recipient]):
    list_display = ("name", "basis", "is_active", "created_at")
    list_filter = ("basis", "is_active")
    search_fields = ("name", "purpose")
    #: What people agree to: fixed once anyone has given a permission.
    terms = ("name", "purpose", "basis", "data_categories")

    def get_readonly_fields(
        self, request: HttpRequest, obj: Recipient | None = None
    ) -> tuple[str, ...]:
        if obj is not None and SharingPermission.objects.filter(recipient=obj).exists():
            return self.terms
        return ()

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, object] | None = None,
    ) -> HttpResponse:
        if SharingPermission.objects.filter(recipient_id=object_id).exists():
            messages.info(
                request,
                _(
                    "People have given permission to this recipient's terms, so its name, "
                    "purpose, kind of permission and data cannot change. Create a new "
                    "recipient with the new terms: people are asked again."
                ),
            )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(SharingPermission)
class SharingPermissionAdmin(ReadOnlyAdmin[SharingPermission]):
    list_display = ("recipient", "granted_at", "withdrawn_at")
    list_filter = ("recipient", ("granted_at", admin.DateFieldListFilter))
    readonly_fields = (
        "user", "recipient", "granted_by", "recipient_name", "purpose", "basis",
        "data_categories", "granted_at", "withdrawn_at",
    )  # fmt: skip


class DisclosureForm(forms.ModelForm[Disclosure]):
    """Recording a disclosure: the register's rules are checked before anything is written."""

    people = forms.CharField(
        label=_("People concerned"),
        help_text=_("Usernames, separated by commas."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Disclosure
        fields = [
            "recipient",
            "listed_recipient",
            "purpose",
            "legal_basis",
            "reference",
            "data_categories",
            "disclosed_at",
            "corrects",
        ]

    def clean_people(self) -> list[AuthUser]:
        names = list(
            dict.fromkeys(n.strip() for n in self.cleaned_data["people"].split(",") if n.strip())
        )
        query = Q()
        for name in names:
            query |= Q(username__iexact=name)
        users = get_user_model()._default_manager.filter(query) if names else []
        found = {user.username.lower(): user for user in users}
        unknown = [name for name in names if name.lower() not in found]
        if unknown:
            raise forms.ValidationError(
                _("No such user: %(names)s.") % {"names": ", ".join(unknown)}
            )
        return [found[name.lower()] for name in names]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if "people" in data and not self.errors:
            try:
                disclosure_check(
                    legal_basis=data.get("legal_basis", ""),
                    reference=data.get("reference", ""),
                    listed_recipient=data.get("listed_recipient"),
                    people=data["people"],
                    recipient=data.get("recipient", ""),
                    purpose=data.get("purpose", ""),
                    data_categories=data.get("data_categories", ""),
                )
            except DisclosureRefused as refusal:
                # Field by field where the refusal says which (text naming a person).
                self.add_error(None, refusal)
        return data


class DisclosureSubjectInline(admin.TabularInline[DisclosureSubject, Disclosure]):
    model = DisclosureSubject
    extra = 0
    can_delete = False
    fields = ("user", "subject")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Disclosure | None = None) -> bool:
        return False


@admin.register(Disclosure)
class DisclosureAdmin(LargeTableAdmin[Disclosure]):
    """The register: entries are created under its rules and never changed or deleted."""

    form = DisclosureForm
    list_display = (
        "disclosed_at",
        "recipient",
        "legal_basis",
        "reference",
        "recorded_by",
        "corrects",
    )
    list_filter = ("legal_basis", ("disclosed_at", admin.DateFieldListFilter))
    list_select_related = ("recorded_by", "corrects")
    search_fields = ("recipient", "reference", "purpose")
    inlines = [DisclosureSubjectInline]
    readonly_fields = (
        "recipient", "listed_recipient", "purpose", "legal_basis", "reference", "data_categories",
        "disclosed_at", "corrects", "recorded_by", "recorded_at",
    )  # fmt: skip

    def get_readonly_fields(
        self, request: HttpRequest, obj: Disclosure | None = None
    ) -> tuple[str, ...]:
        return self.readonly_fields if obj is not None else ()

    def get_inlines(
        self, request: HttpRequest, obj: Disclosure | None = None
    ) -> list[type[InlineModelAdmin[DisclosureSubject, Disclosure]]]:
        return list(self.inlines) if obj is not None else []

    def has_change_permission(self, request: HttpRequest, obj: Disclosure | None = None) -> bool:
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Disclosure | None = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: Disclosure, form: DisclosureForm, change: bool
    ) -> None:
        staff = request.user
        assert staff.is_authenticated  # the admin lets in logged-in staff only
        data = form.cleaned_data
        created = disclosure_record(
            recipient=data["recipient"],
            listed_recipient=data.get("listed_recipient"),
            purpose=data["purpose"],
            legal_basis=data["legal_basis"],
            reference=data.get("reference", ""),
            data_categories=data["data_categories"],
            people=data["people"],
            recorded_by=staff,
            disclosed_at=data.get("disclosed_at"),
            corrects=data.get("corrects"),
        )
        obj.pk = created.pk
        obj.recorded_at = created.recorded_at
        obj._state.adding = False
