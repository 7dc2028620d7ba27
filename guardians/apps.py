from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GuardiansConfig(AppConfig):
    name = "guardians"
    verbose_name = _("Guardians")

    def ready(self) -> None:
        from guardians import receivers  # noqa: F401
