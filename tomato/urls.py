from django.contrib import admin
from django.urls import include, path, register_converter

from accounts import views as accounts_views
from consent import views as consent_views
from tomato import views


class PolicyVersionConverter:
    """A policy version label: numbers separated by dots (``1.0``, ``2.1.3``)."""

    regex = r"[0-9]+(?:\.[0-9]+){0,3}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(PolicyVersionConverter, "policy_version")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("beacon", consent_views.beacon, name="beacon"),
    path("privacy/", views.policy, name="policy"),
    path("privacy/history/", views.policy_history, name="policy_history"),
    path("privacy/agree/", consent_views.policy_agree, name="policy_agree"),
    path("privacy/<policy_version:version>/", views.policy_version, name="policy_version"),
    path("cookies/", include("consent.urls")),
    path("cookies/", include("cookie_consent.urls")),
    # Sign-up starts with the age screen, then hands over to allauth's own view.
    path("accounts/signup/", accounts_views.signup, name="account_signup"),
    path("accounts/", include("allauth.urls")),
    path("me/", include("accounts.urls")),
    path("guardian/", include("guardians.urls")),
    path("admin/", admin.site.urls),
]
