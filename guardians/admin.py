from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from consent.admin import LargeTableAdmin
from guardians.models import GuardianRequest, Guardianship
from guardians.services import guardian_request_send


class GuardianRequestInline(admin.TabularInline[GuardianRequest, Guardianship]):
    model = GuardianRequest
    extra = 0
    can_delete = False
    fields = ("email", "status", "sent_at", "expires_at", "answered_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Guardianship | None = None) -> bool:
        return False


@admin.register(Guardianship)
class GuardianshipAdmin(LargeTableAdmin[Guardianship]):
    list_display = ("teen", "guardian", "status", "collection_stopped", "created_at")
    list_filter = ("status", "collection_stopped", "allow_optional_fields", "allow_personalisation")
    list_select_related = ("teen", "guardian")
    search_fields = ("^teen__username", "^guardian__username")
    raw_id_fields = ("teen", "guardian")
    readonly_fields = ("created_at", "approved_at")
    inlines = [GuardianRequestInline]


@admin.register(GuardianRequest)
class GuardianRequestAdmin(LargeTableAdmin[GuardianRequest]):
    list_display = ("guardianship", "status", "sent_at", "expires_at", "answered_at")
    list_filter = ("status", ("sent_at", admin.DateFieldListFilter))
    # The guardianship's name is its teen's.
    list_select_related = ("guardianship__teen",)
    search_fields = ("^guardianship__teen__username",)
    readonly_fields = (
        "guardianship",
        "email",
        "status",
        "guardian",
        "sent_at",
        "expires_at",
        "answered_at",
    )
    actions = ["resend", "expire"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: GuardianRequest | None = None
    ) -> bool:
        # Only the actions change requests; the form itself is read-only.
        return bool(request.user.has_perm("guardians.change_guardianrequest"))

    @admin.action(description=_("Resend the request to the guardian"), permissions=["change"])
    def resend(self, request: HttpRequest, queryset: QuerySet[GuardianRequest]) -> None:
        guardianships = {
            r.guardianship
            for r in queryset.select_related("guardianship")
            if not r.guardianship.is_active
        }
        for guardianship in guardianships:
            guardian_request_send(guardianship=guardianship)
        self.message_user(request, _("%(n)s requests sent again.") % {"n": len(guardianships)})

    @admin.action(description=_("Expire the selected requests"), permissions=["change"])
    def expire(self, request: HttpRequest, queryset: QuerySet[GuardianRequest]) -> None:
        count = queryset.filter(status=GuardianRequest.Status.PENDING).update(
            status=GuardianRequest.Status.EXPIRED
        )
        self.message_user(request, _("%(n)s requests expired.") % {"n": count}, messages.SUCCESS)
