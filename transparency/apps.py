from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransparencyConfig(AppConfig):
    name = "transparency"
    verbose_name = _("Transparency report")

    def ready(self) -> None:
        from accounts.signals import data_exported
        from transparency.receivers import count_data_access

        data_exported.connect(count_data_access, dispatch_uid="transparency.count_data_access")
