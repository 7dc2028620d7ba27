from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = _("Consent")

    def ready(self) -> None:
        from cookie_consent.models import Cookie, CookieGroup

        from consent.groups import forget_cached_groups

        for model in (CookieGroup, Cookie):
            for signal in (post_save, post_delete):
                signal.connect(forget_cached_groups, sender=model)
