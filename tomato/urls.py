from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, register_converter

from accounts import views as accounts_views
from accounts.mfa import enrols_authenticator
from consent import views as consent_views
from consent.markers import cabin_open, mark_by_url_name, policy_gate_exempt, secret_in_url
from consent.models import VERSION_LABEL_PATTERN
from tomato import views


class PolicyVersionConverter:
    """A policy version label: numbers separated by dots (``1.0``, ``2.1.3``)."""

    regex = VERSION_LABEL_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(PolicyVersionConverter, "policy_version")

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path(settings.HEALTHZ_PATH, views.healthz, name="healthz"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("beacon", consent_views.beacon, name="beacon"),
    path("privacy/", views.policy, name="policy"),
    path("privacy/history/", views.policy_history, name="policy_history"),
    path("privacy/receipt-key.json", consent_views.receipt_key, name="receipt_key"),
    path("privacy/agree/", consent_views.policy_agree, name="policy_agree"),
    path("privacy/<policy_version:version>/", views.policy_version, name="policy_version"),
    path("cookies/", include("consent.urls")),
    # Sign-up starts with the age screen, then hands over to allauth's own view.
    path("accounts/signup/", accounts_views.signup, name="account_signup"),
    path("accounts/", include("allauth.urls")),
    path("me/", include("accounts.urls")),
    path("guardian/", include("guardians.urls")),
    path("transparency/", include("transparency.urls")),
    path("admin/", admin.site.urls),
]

# allauth's views cannot carry our decorators: their marks, by URL name, in this one place.
mark_by_url_name(
    urlpatterns,
    {
        # Leaving is always possible: awaiting a guardian, or before agreeing to a new policy.
        "account_logout": [cabin_open, policy_gate_exempt],
        # Deleting the account asks to re-authenticate (by password, or by two-factor).
        "account_reauthenticate": [policy_gate_exempt],
        "mfa_reauthenticate": [policy_gate_exempt],
        # Their URLs carry a key emailed to the person.
        "account_confirm_email": [secret_in_url],
        "account_reset_password_from_key": [secret_in_url],
        # Staff without two-factor prove control of their email before enrolling.
        "mfa_activate_totp": [enrols_authenticator],
        "mfa_add_webauthn": [enrols_authenticator],
    },
)
