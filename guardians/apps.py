from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GuardiansConfig(AppConfig):
    name = "guardians"
    verbose_name = _("Guardians")

    def ready(self) -> None:
        from consent.signals import policy_agreed
        from guardians.receivers import agree_for_wards

        policy_agreed.connect(agree_for_wards)
