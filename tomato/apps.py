from django.apps import AppConfig
from django.core import checks

from tomato import deploy_checks


class TomatoConfig(AppConfig):
    """The project package as an app: no models, only our deployment checks."""

    name = "tomato"
    verbose_name = "Tomato"

    def ready(self) -> None:
        checks.register(deploy_checks.check_shared_cache, checks.Tags.security, deploy=True)
        checks.register(deploy_checks.check_site_url_is_https, checks.Tags.security, deploy=True)
        checks.register(deploy_checks.check_receipt_signing_key, checks.Tags.security, deploy=True)
