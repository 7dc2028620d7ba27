from __future__ import annotations

from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from accounts.models import AgeScreenChange, ErasureReceipt, StaffAccess, User
from accounts.services import user_erase
from consent.admin import ReadOnlyAdmin
from consent.privacy import subject_hash


def mask_email(email: str) -> str:
    """``a•••@example.com``: enough to recognise, not enough to copy."""
    local, _sep, domain = email.partition("@")
    if not domain:
        return "•••" if email else ""
    return f"{local[:1]}•••@{domain}"


def age_band(user: User) -> str:
    age = user.age()
    if age is None:
        return str(_("unknown"))
    if age < 16:
        return str(_("under 16"))
    if age < 18:
        return "16–17"
    return "18+"


class RecordsStaffAccess:
    """Admin mixin: opening a person's record is written down (who, whom, when)."""

    access_what = "record"

    def access_subject(self, obj: Any) -> User | None:
        return obj if isinstance(obj, User) else None

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response: HttpResponse = super().change_view(  # type: ignore[misc]
            request, object_id, form_url, extra_context
        )
        obj = getattr(response, "context_data", {}).get("original")
        person = self.access_subject(obj) if obj is not None else None
        if request.method == "GET" and response.status_code == 200 and person is not None:
            StaffAccess.objects.create(
                staff=cast(User, request.user),
                user=person,
                subject=subject_hash(person.pk),
                what=self.access_what,
            )
        return response


class UserCreationForm(AdminUserCreationForm[User]):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "email")


class UserEditForm(UserChangeForm[User]):
    class Meta(UserChangeForm.Meta):
        model = User


@admin.register(User)
class UserAdmin(RecordsStaffAccess, DjangoUserAdmin[User]):
    access_what = "user record"
    form = UserEditForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Email and profile"), {"fields": ("email", "date_of_birth", "gender", "hobbies")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ("username", "masked_email", "age_band", "status", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("username", "email")
    ordering = ("username",)
    readonly_fields = ("last_login", "date_joined")
    actions = ["erase"]

    @admin.display(description=_("email"))
    def masked_email(self, user: User) -> str:
        return mask_email(user.email)

    @admin.display(description=_("age band"))
    def age_band(self, user: User) -> str:
        return age_band(user)

    @admin.display(description=_("status"))
    def status(self, user: User) -> str:
        if not user.is_active:
            return str(_("inactive"))
        return str(_("staff")) if user.is_staff else str(_("active"))

    def has_erase_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("accounts.erase_user"))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # People are never simply deleted: the erasure action runs the one erasure routine.
        return False

    @admin.action(description=_("Erase the selected people's data"), permissions=["erase"])
    def erase(self, request: HttpRequest, queryset: QuerySet[User]) -> TemplateResponse | None:
        queryset = queryset.exclude(is_superuser=True).exclude(pk=cast(User, request.user).pk)
        if request.POST.get("confirmed") != "yes":
            return TemplateResponse(
                request,
                "admin/accounts/user/erase_confirmation.html",
                {**self.admin_site.each_context(request), "people": queryset, "opts": self.opts},
            )
        references = []
        for user in queryset:
            receipt = user_erase(
                user_id=user.pk, reason=ErasureReceipt.Reason.STAFF_ERASURE, notify=[user.email]
            )
            if receipt:
                references.append(str(receipt.reference))
        self.message_user(
            request,
            _("Erased %(n)s people. Receipts: %(refs)s")
            % {"n": len(references), "refs": ", ".join(references)},
            messages.SUCCESS,
        )
        return None


@admin.register(StaffAccess)
class StaffAccessAdmin(ReadOnlyAdmin):
    list_display = ("accessed_at", "staff", "user", "what")
    list_filter = (("accessed_at", admin.DateFieldListFilter), "what")
    search_fields = ("staff__username", "user__username", "subject")
    list_select_related = ("staff", "user")


@admin.register(ErasureReceipt)
class ErasureReceiptAdmin(ReadOnlyAdmin):
    list_display = ("erased_at", "reference", "reason")
    list_filter = ("reason",)
    search_fields = ("reference", "subject")


@admin.register(AgeScreenChange)
class AgeScreenChangeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "previous_band", "new_band")
    list_filter = ("previous_band", "new_band")
