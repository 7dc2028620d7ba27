from __future__ import annotations

import csv
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consent.models import ConsentRecord, PageView, PolicyVersion

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


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin[PolicyVersion]):
    list_display = ("version", "effective_date", "is_material", "published_at")
    list_filter = ("is_material",)
    search_fields = ("version", "change_summary")
    readonly_fields = ("published_at", "created_at")
    fields = (
        "version",
        "effective_date",
        "is_material",
        "change_summary",
        "body",
        "published_at",
        "created_at",
    )

    def get_readonly_fields(
        self, request: HttpRequest, obj: PolicyVersion | None = None
    ) -> tuple[str, ...]:
        # What people agreed to never changes: a published version is read-only.
        if obj is not None and obj.is_published:
            return tuple(self.fields)
        return tuple(self.readonly_fields)


class _Echo:
    def write(self, value: str) -> str:
        return value


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin[ConsentRecord]):
    """Consent records are evidence: staff read and export them, and change nothing."""

    list_display = ("created_at", "subject_type", "short_subject", "group", "action", "source")
    list_filter = (
        "group",
        "action",
        "source",
        "subject_type",
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ("subject",)
    date_hierarchy = "created_at"
    list_select_related = False
    actions = ["export_csv"]
    fields = (*CSV_COLUMNS, "user")
    readonly_fields = (*CSV_COLUMNS, "user")

    @admin.display(description=_("subject"))
    def short_subject(self, record: ConsentRecord) -> str:
        return f"{record.subject[:12]}…"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Export the selected consent records as CSV"))
    def export_csv(
        self, request: HttpRequest, queryset: QuerySet[ConsentRecord]
    ) -> HttpResponse | StreamingHttpResponse:
        writer = csv.writer(_Echo())
        rows = queryset.order_by("created_at", "pk").values_list(*CSV_COLUMNS)

        def lines() -> Any:
            yield writer.writerow(list(CSV_COLUMNS))
            for row in rows.iterator(chunk_size=2000):
                yield writer.writerow(
                    [value.isoformat() if hasattr(value, "isoformat") else value for value in row]
                )

        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="consent-records-{stamp}.csv"'
        return response


@admin.register(PageView)
class PageViewAdmin(admin.ModelAdmin[PageView]):
    list_display = ("created_at", "path")
    list_filter = (("created_at", admin.DateFieldListFilter),)
    search_fields = ("path",)
    readonly_fields = ("visitor", "path", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
