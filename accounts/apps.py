from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.core import checks
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from accounts.personal_data import check_every_model_is_declared

        checks.register(check_every_model_is_declared)


class AdminConfig(admin_apps.AdminConfig):
    """The Django admin, on a site that asks staff for two-factor authentication."""

    default = False
    default_site = "accounts.admin_site.AdminSite"
