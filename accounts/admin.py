from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult

from accounts.accountability import StaffAccountability
from accounts.models import (
    AGE_OF_MAJORITY,
    CONSENT_AGE,
    AdminAction,
    AgeScreenChange,
    ErasureReceipt,
    StaffAccess,
    User,
    email_is,
)
from accounts.services import user_erase
from consent.admin import LargeTableAdmin, ReadOnlyAdmin


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
    if age < CONSENT_AGE:
        return str(_("under %(age)s") % {"age": CONSENT_AGE})
    if age < AGE_OF_MAJORITY:
        return f"{CONSENT_AGE}–{AGE_OF_MAJORITY - 1}"
    return f"{AGE_OF_MAJORITY}+"


class UserCreationForm(AdminUserCreationForm[User]):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "email")


class UserEditForm(UserChangeForm[User]):
    class Meta(UserChangeForm.Meta):
        model = User


@admin.register(User)
class UserAdmin(StaffAccountability[User], LargeTableAdmin[User], DjangoUserAdmin[User]):
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
    # Searches an index serves: the beginning of a username, or a whole email address.
    search_fields = ("^username",)
    search_help_text = _("The beginning of a username, or a whole email address.")
    ordering = ("username",)
    readonly_fields = ("last_login", "date_joined")
    actions = ["erase"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[User], search_term: str
    ) -> tuple[QuerySet[User], bool]:
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if "@" in term:
            found |= queryset.filter(email_is(term))
        return found, may_have_duplicates

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

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # People are never simply deleted: the erasure action runs the one erasure routine.
        return False

    @admin.action(description=_("Erase the selected people's data"), permissions=["erase"])
    def erase(self, request: HttpRequest, queryset: QuerySet[User]) -> TemplateResponse | None:
        staff = request.user
        assert isinstance(staff, User)
        queryset = queryset.exclude(is_superuser=True).exclude(pk=staff.pk)
        if request.POST.get("confirmed") != "yes":
            # The confirmation lists the people: an opening, like any list of them.
            people = list(queryset)
            self.record_opening(request, StaffAccess.View.LIST, people)
            return TemplateResponse(
                request,
                "admin/accounts/user/erase_confirmation.html",
                {**self.admin_site.each_context(request), "people": people, "opts": self.opts},
            )
        references = []
        for user in queryset:
            receipt = user_erase(
                user_id=user.pk,
                reason=ErasureReceipt.Reason.STAFF_ERASURE,
                actor=staff,
                notify=[user.email],
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
class StaffAccessAdmin(ReadOnlyAdmin[StaffAccess]):
    list_display = (
        "accessed_at", "staff_member", "staff_role", "user", "what", "view", "reason",
        "reason_reference",
    )  # fmt: skip
    list_filter = (
        ("accessed_at", admin.DateFieldListFilter), "staff_role", "view", "reason", "what",
    )  # fmt: skip
    search_fields = ("staff__username", "user__username", "subject", "staff_subject")
    list_select_related = ("staff", "user")


@admin.register(AdminAction)
class AdminActionAdmin(ReadOnlyAdmin[AdminAction]):
    list_display = ("action_time", "staff_member", "staff_role", "content_type", "action_flag")
    list_filter = (("action_time", admin.DateFieldListFilter), "staff_role", "action_flag")
    search_fields = ("staff__username", "staff_subject", "subject")
    list_select_related = ("staff", "content_type")


@admin.register(ErasureReceipt)
class ErasureReceiptAdmin(ReadOnlyAdmin[ErasureReceipt]):
    list_display = ("erased_at", "reference", "reason", "caused_by")
    list_filter = ("reason", "actor_role")
    search_fields = ("reference", "subject", "actor_subject")
    list_select_related = ("actor",)

    @admin.display(description=_("caused by"))
    def caused_by(self, receipt: ErasureReceipt) -> str:
        return receipt.caused_by


@admin.register(AgeScreenChange)
class AgeScreenChangeAdmin(ReadOnlyAdmin[AgeScreenChange]):
    list_display = ("created_at", "previous_band", "new_band")
    list_filter = ("previous_band", "new_band")


# The email delivery tasks hold whole messages (links with keys, sign-in codes) for anyone's
# eyes in django-tasks-db's own admin: it comes off the site. Failed sends are in the log.
if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)
