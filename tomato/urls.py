from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path, register_converter

from tomato import views


class PolicyVersionConverter:
    """A policy version label: numbers separated by dots (``1.0``, ``2.1.3``)."""

    regex = r"[0-9]+(?:\.[0-9]+){0,3}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(PolicyVersionConverter, "policy_version")

# The admin login goes through allauth: its rate limits and two-factor apply.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("privacy/", views.policy, name="policy"),
    path("privacy/history/", views.policy_history, name="policy_history"),
    path("privacy/<policy_version:version>/", views.policy_version, name="policy_version"),
    path("cookies/", include("consent.urls")),
    path("cookies/", include("cookie_consent.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
