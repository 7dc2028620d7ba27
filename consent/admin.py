from django.contrib import admin

from consent.models import PolicyVersion


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
        self, request: object, obj: PolicyVersion | None = None
    ) -> tuple[str, ...]:
        # What people agreed to never changes: a published version is read-only.
        if obj is not None and obj.is_published:
            return tuple(self.fields)
        return tuple(self.readonly_fields)
