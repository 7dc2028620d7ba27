"""Boundaries are held by marks on the views: each list below is what a person must be
able to reach, and a view missing its mark (or carrying one by mistake) fails here."""

import pytest

from accounts.mfa import ENROLS_AUTHENTICATOR
from consent.markers import (
    CABIN_OPEN,
    CONSENT_EXEMPT,
    POLICY_GATE_EXEMPT,
    SECRET_IN_URL,
    is_marked,
    named_url_patterns,
)

POLICY_PAGES = {"policy", "policy_history", "policy_version", "policy_agree", "receipt_key"}
#: The public transparency report, linked from every page's footer.
TRANSPARENCY_REPORT = {
    "transparency:report",
    "transparency:report_csv",
    "transparency:report_json",
}
COOKIE_CHOICES = {
    "consent:cookie_settings",
    "consent:accept",
    "consent:decline",
    "consent:theme",
    # The footer's language switcher, on every page.
    "set_language",
}

#: A teen whose guardian has not approved yet: the policy, cookie choices, leaving, and
#: the waiting page with what it offers.
CABIN_OPEN_VIEWS = {
    *POLICY_PAGES,
    *TRANSPARENCY_REPORT,
    *COOKIE_CHOICES,
    "account_logout",
    "guardians:waiting",
    "guardians:resend",
    "guardians:change_email",
    "healthz",
}
#: A member meeting an updated policy: the policy, cookie choices, leaving, their data
#: and deleting the account, with the re-authentication it asks.
POLICY_GATE_EXEMPT_VIEWS = {
    *POLICY_PAGES,
    *TRANSPARENCY_REPORT,
    *COOKIE_CHOICES,
    "account_logout",
    "account_reauthenticate",
    "mfa_reauthenticate",
    "accounts:data_json",
    "accounts:receipt",
    "accounts:receipts_zip",
    "accounts:delete",
    "healthz",
}
SECRET_IN_URL_VIEWS = {
    "guardians:consent",
    "account_confirm_email",
    "account_reset_password_from_key",
}
ENROLMENT_VIEWS = {"mfa_activate_totp", "mfa_add_webauthn"}
CONSENT_EXEMPT_VIEWS = {"healthz"}


def views_marked(attribute: str) -> set[str]:
    return {
        name for name, pattern in named_url_patterns() if is_marked(pattern.callback, attribute)
    }


@pytest.mark.parametrize(
    ("attribute", "expected"),
    [
        (CABIN_OPEN, CABIN_OPEN_VIEWS),
        (POLICY_GATE_EXEMPT, POLICY_GATE_EXEMPT_VIEWS),
        (SECRET_IN_URL, SECRET_IN_URL_VIEWS),
        (ENROLS_AUTHENTICATOR, ENROLMENT_VIEWS),
        (CONSENT_EXEMPT, CONSENT_EXEMPT_VIEWS),
    ],
)
def test_exactly_the_views_that_must_be_reachable_carry_the_mark(attribute, expected):
    assert views_marked(attribute) == expected


def test_every_expected_view_exists():
    names = {name for name, _ in named_url_patterns()}
    everything = CABIN_OPEN_VIEWS | POLICY_GATE_EXEMPT_VIEWS | SECRET_IN_URL_VIEWS | ENROLMENT_VIEWS
    assert everything <= names
