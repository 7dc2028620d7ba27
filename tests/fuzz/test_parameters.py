"""URL parameters, path converters, headers and the staff's admin lists and disclosure form,
given generated input: never a 500, never a half-written row."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from tests.factories import RecipientFactory, UserFactory, approved_guardianship, staff_in
from tests.fuzz.harness import client_as, fuzz, one_example, request_and_check
from tests.fuzz.strategies import form_data, hostile_text, next_url, number_text, one_of_these

pytestmark = pytest.mark.django_db

#: Whatever a path segment can hold (a ``/`` would only choose another URL).
segment = st.one_of(hostile_text, number_text).map(lambda text: quote(text, safe="") or "x")


@fuzz
@given(version=segment)
@example(version="1.0")
@example(version="9" * 30 + ".0")
def test_policy_versions(version):
    with one_example():
        request_and_check(client_as(), "get", f"/privacy/{version}/")


@fuzz
@given(pk=st.one_of(st.integers(min_value=-1, max_value=2**80).map(str), segment))
@example(pk=str(2**63))
def test_ward_numbers(pk):
    with one_example():
        ward = approved_guardianship()
        client = client_as(ward.guardian)
        for suffix in ("", "data.json"):
            request_and_check(client, "get", f"/guardian/ward/{pk}/{suffix}")
        # "00000001" may well be the guardian's own ward: stopping its collection is allowed.
        stop_writes = {
            "guardians.Guardianship",
            "consent.ConsentRecord",
            "consent.AccountCookieChoice",
        }
        request_and_check(client, "post", f"/guardian/ward/{pk}/stop/", may_change=stop_writes)


@fuzz
@given(
    kind=st.sampled_from(["guardian", "confirm", "reset"]),
    token=segment,
    signed_in=st.booleans(),
)
def test_link_tokens(member, kind, token, signed_in):
    path = {
        "guardian": f"/guardian/consent/{token}/",
        "confirm": f"/accounts/confirm-email/{token}/",
        "reset": f"/accounts/password/reset/key/{token}-{token}/",
    }[kind]
    with one_example():
        client = client_as(member if signed_in else None)
        request_and_check(client, "get", path)
        request_and_check(client, "post", path, {"decision": "approve"})


@fuzz
@given(
    page=st.sampled_from(["account_login", "account_signup", "accounts:me", "policy_agree"]),
    next=next_url,
    signed_in=st.booleans(),
)
def test_the_next_parameter(member, page, next, signed_in):
    with one_example():
        client = client_as(member if signed_in else None)
        response = request_and_check(client, "get", reverse(page), {"next": next})
        if response.status_code == 302:
            assert not response["Location"].startswith(("//", "http", "javascript"))


HEADER = st.sampled_from(
    ["HTTP_USER_AGENT", "HTTP_ACCEPT_LANGUAGE", "HTTP_SEC_GPC", "HTTP_REFERER",
     "HTTP_X_FORWARDED_FOR", "HTTP_X_COOKIE_CONSENT_FETCH", "HTTP_ORIGIN"]
)  # fmt: skip


def as_wsgi(text):
    """Headers and cookies reach Django as bytes read as Latin-1 (PEP 3333)."""
    return text.encode("utf-8").decode("latin-1")


COOKIE = st.sampled_from(["cookie_consent", "tomato_prefs", "tomato_vid", "tomato_agegate",
                          "django_language", "sessionid"])  # fmt: skip


@fuzz
@given(header=HEADER, value=hostile_text, cookie=COOKIE, cookie_value=hostile_text)
@example(header="HTTP_SEC_GPC", value="1", cookie="cookie_consent", cookie_value="id=x|analytics=")
def test_headers_and_cookies(header, value, cookie, cookie_value):
    with one_example():
        client = client_as(**{header: as_wsgi(value)})
        client.cookies[cookie] = as_wsgi(cookie_value)
        for method, path, data in (
            ("get", "/", {}),
            ("get", "/beacon", {"route": "home"}),
            ("post", reverse("consent:accept"), {"all_groups": "on"}),
        ):
            request_and_check(client, method, path, data, may_change={"consent.ConsentRecord"})


# --- Staff ------------------------------------------------------------------------------------

CHANGELISTS = {
    "admin:consent_consentrecord_changelist": ["group", "action__exact", "source__exact",
                                               "subject_type__exact", "created_at__gte",
                                               "created_at__lt"],
    "admin:consent_disclosure_changelist": ["legal_basis__exact", "disclosed_at__gte",
                                            "disclosed_at__lt"],
    "admin:accounts_user_changelist": ["is_staff__exact", "groups__id__exact"],
    "admin:guardians_guardianship_changelist": ["status__exact"],
    "admin:consent_recipient_changelist": ["basis__exact", "is_active__exact"],
}  # fmt: skip


@fuzz
@given(
    changelist=st.sampled_from(sorted(CHANGELISTS)),
    data=st.data(),
)
def test_admin_lists(changelist, data):
    names = [*CHANGELISTS[changelist], "q", "o", "p", "all", "e", "_to_field"]
    params = data.draw(form_data(**dict.fromkeys(names, st.one_of(number_text, hostile_text))))
    with one_example():
        client = client_as(staff_in("Privacy officer", is_superuser=True))
        request_and_check(
            client, "get", reverse(changelist), params, may_change={"accounts.StaffAccess"}
        )


@fuzz
@given(
    data=form_data(
        recipient=st.just("District Court"),
        purpose=st.just("Court order"),
        legal_basis=one_of_these("legal", "emergency", "agreement", "interaction"),
        reference=st.just("ORDER-7"),
        data_categories=st.just("email"),
        disclosed_at_0=st.just("2026-11-25"),
        disclosed_at_1=st.just("09:00:00"),
        people=st.just("zoe"),
        listed_recipient=number_text,
        corrects=number_text,
    )
)
@example(data={"recipient": "Court\x00", "purpose": "x", "legal_basis": "legal",
               "reference": "R", "data_categories": "email", "people": "zoe"})  # fmt: skip
def test_the_disclosure_form(data):
    with one_example():
        UserFactory(username="zoe")
        RecipientFactory()
        client = client_as(staff_in("Privacy officer"))
        request_and_check(
            client, "post", reverse("admin:consent_disclosure_add"), data,
            may_change={"consent.Disclosure", "consent.DisclosureSubject", "admin.LogEntry",
                        "accounts.AdminAction"},
        )  # fmt: skip
