"""Every form of the site, posted generated input: never a 500, never a half-written row.

Each property posts as the person who would (signed out, a member, a teen waiting for
their guardian, a guardian, staff), and checks ``harness.request_and_check``'s rule: a
refused post changes no row; an accepted one changes only what it should.
"""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from accounts.models import Gender, User
from consent.models import ConsentSource
from tests.factories import (
    PASSWORD,
    GuardianFactory,
    GuardianshipFactory,
    PolicyVersionFactory,
    RecipientFactory,
    UserFactory,
    approved_guardianship,
    years_ago,
)
from tests.fuzz.harness import client_as, fuzz, one_example, request_and_check
from tests.fuzz.strategies import form_data, hostile_text, next_url, one_of_these

pytestmark = pytest.mark.django_db

ADULT, TEEN = "1990-05-17", years_ago(14).isoformat()
GOOD_PASSWORD = "a-long-password-1"
username = st.from_regex(r"[a-z][a-z0-9_]{2,11}", fullmatch=True)
email = st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.(com|net|org)", fullmatch=True)
date_text = st.one_of(st.dates().map(str), st.sampled_from([ADULT, TEEN, "2001-02-29"]))
NUL_EVERYWHERE = "\x00"

#: What a sign-up writes: the account, its address, the policy acceptance, the consent
#: record of that acceptance and, for a teen, the guardianship and its request.
SIGNUP_WRITES = {
    "accounts.User",
    "account.EmailAddress",
    "consent.PolicyAcceptance",
    "consent.ConsentRecord",
    "guardians.Guardianship",
    "guardians.GuardianRequest",
}


# --- Signed out ---------------------------------------------------------------------------


@fuzz
@given(data=form_data(date_of_birth=date_text), address=st.ip_addresses(v=4).map(str))
@example(data={"date_of_birth": NUL_EVERYWHERE}, address="192.0.2.1")
@example(data={"date_of_birth": ["1990-05-17", "2015-01-01"]}, address="192.0.2.1")
def test_the_age_screen(data, address):
    with one_example():
        client = client_as(REMOTE_ADDR=address)
        response = request_and_check(client, "post", reverse("account_signup"), data)
        if response.status_code == HTTPStatus.FOUND:
            assert client.session["signup_date_of_birth"]


def signup_fields(teen: bool):
    fields = {
        "username": username,
        "email": email,
        "password1": st.just(GOOD_PASSWORD),
        "password2": st.just(GOOD_PASSWORD),
        "agree": st.just("on"),
    }
    if teen:
        return form_data(**fields, guardian_email=email)
    return form_data(
        **fields,
        gender=one_of_these(*Gender.values),
        hobbies=st.text(max_size=30),
    )


def _sign_up(date_of_birth, data):
    with one_example():
        client = client_as()
        client.post(reverse("account_signup"), {"date_of_birth": date_of_birth})
        users = User.objects.count()
        response = request_and_check(
            client, "post", reverse("account_signup"), data, may_change=SIGNUP_WRITES
        )
        if response.status_code == HTTPStatus.FOUND:
            assert User.objects.count() == users + 1
        else:
            assert User.objects.count() == users


@fuzz
@given(data=signup_fields(teen=False))
@example(data={"username": "ana\x00", "email": "a@b.com", "password1": GOOD_PASSWORD,
               "password2": GOOD_PASSWORD, "agree": "on"})  # fmt: skip
@example(data={"username": "ana", "email": "a@b.com", "password1": GOOD_PASSWORD,
               "password2": GOOD_PASSWORD, "agree": "on", "hobbies": "\x00" * 300})  # fmt: skip
def test_the_member_signup(data):
    _sign_up(ADULT, data)


@fuzz
@given(data=signup_fields(teen=True))
@example(data={"username": "ana", "email": "a@b.com", "password1": GOOD_PASSWORD,
               "password2": GOOD_PASSWORD, "agree": "on",
               "guardian_email": "m\x00@b.com"})  # fmt: skip
def test_the_teen_signup(data):
    _sign_up(TEEN, data)


@fuzz
@given(
    data=form_data(
        login=st.sampled_from(["member0", "member0@example.com"]),
        password=st.just(PASSWORD),
        remember_email=one_of_these("on"),
        next=next_url,
    ),
    agent=hostile_text,
)
@example(data={"login": "member0", "password": PASSWORD}, agent="Browser\x00")
def test_the_login(data, agent):
    with one_example():
        UserFactory(username="member0")
        client = client_as(HTTP_USER_AGENT=agent)
        request_and_check(
            client, "post", reverse("account_login"), data, may_change={"accounts.User"}
        )


@fuzz
@given(data=form_data(email=st.sampled_from(["member0@example.com", "nobody@example.com"])))
def test_the_password_reset_request(data):
    with one_example():
        UserFactory(username="member0")
        request_and_check(client_as(), "post", reverse("account_reset_password"), data)


@fuzz
@given(
    data=form_data(
        password1=st.just("a-brand-new-password"), password2=st.just("a-brand-new-password")
    )
)
def test_the_new_password_from_a_reset_link(data):
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    with one_example():
        member = UserFactory()
        link = reverse(
            "account_reset_password_from_key",
            kwargs={
                "uidb36": user_pk_to_url_str(member),
                "key": default_token_generator.make_token(member),
            },
        )
        client = client_as()
        form = client.get(link)["Location"]
        request_and_check(client, "post", form, data, may_change={"accounts.User"})


# --- Cookies, language, beacon (anyone) -------------------------------------------------------

cookie_choice = form_data(
    cookie_groups=one_of_these("analytics", "preferences", "necessary"),
    all_groups=one_of_these("on", "true", "1"),
    source=one_of_these(*ConsentSource.values),
    next=next_url,
)


@fuzz
@given(
    action=st.sampled_from(["accept", "decline"]),
    data=cookie_choice,
    agent=hostile_text,
    gpc=st.sampled_from(["", "1"]),
)
@example(action="accept", data={"all_groups": "on"}, agent="Browser\x00", gpc="")
@example(action="decline", data={"cookie_groups": "analytics\x00"}, agent="", gpc="1")
@example(action="accept", data={"all_groups": "on", "next": "home"}, agent="", gpc="")
def test_the_cookie_choice(action, data, agent, gpc):
    with one_example():
        client = client_as(HTTP_USER_AGENT=agent, HTTP_SEC_GPC=gpc)
        # A returning visitor (the consent cookie holds a visitor id), whose Global Privacy
        # Control decline, if any, is recorded by then.
        client.get("/")
        client.get("/")
        request_and_check(
            client, "post", reverse(f"consent:{action}"), data, may_change={"consent.ConsentRecord"}
        )


@fuzz
@given(data=form_data(theme=one_of_these("light", "dark"), next=next_url))
@example(data={"theme": "dark", "next": "0"})  # a bare word is not a view's name
def test_the_theme_switch(data):
    with one_example():
        client = client_as()
        client.post(reverse("consent:accept"), {"all_groups": "on"})
        request_and_check(client, "post", reverse("consent:theme"), data)


@fuzz
@given(data=form_data(route=one_of_these("home", "policy", "guardians:ward")), agent=hostile_text)
@example(data={"route": "home\x00"}, agent="")
def test_the_beacon(data, agent):
    with one_example():
        client = client_as(HTTP_USER_AGENT=agent)
        client.post(reverse("consent:accept"), {"all_groups": "on"})
        request_and_check(client, "get", reverse("beacon"), data, may_change={"consent.PageView"})


@fuzz
@given(
    data=form_data(language=one_of_these("en", "zh-hans", "fr", "zh-Hans"), next=next_url),
    signed_in=st.booleans(),
)
@example(data={"language": "en\x00", "next": "/\x00"}, signed_in=True)
def test_the_language_switch(member, data, signed_in):
    with one_example():
        client = client_as(member if signed_in else None)
        request_and_check(
            client, "post", reverse("set_language"), data, may_change={"accounts.User"}
        )


# --- Members ----------------------------------------------------------------------------------


@fuzz
@given(
    data=form_data(
        gender=one_of_these(*Gender.values), hobbies=st.text(max_size=30), date_of_birth=date_text
    )
)
@example(data={"gender": "female", "hobbies": "tennis\x00"})
@example(data={"gender": "female", "hobbies": "\u202e" * 201})
@example(data={"gender": "female", "hobbies": "4111 1111 1111 1111"})
def test_the_profile_edit(member, data):
    with one_example():
        response = request_and_check(
            client_as(member), "post", reverse("accounts:profile"), data,
            may_change={"accounts.User"},
        )  # fmt: skip
        member_now = User.objects.get(pk=member.pk)
        assert member_now.date_of_birth == member.date_of_birth
        if response.status_code == HTTPStatus.FOUND:
            assert member_now.hobbies == data.get("hobbies", "").strip()


@fuzz
@given(
    data=form_data(
        oldpassword=st.just(PASSWORD),
        password1=st.just("a-brand-new-password"),
        password2=st.just("a-brand-new-password"),
    )
)
def test_the_password_change(member, data):
    with one_example():
        client = client_as()
        client.post(reverse("account_login"), {"login": member.username, "password": PASSWORD})
        request_and_check(
            client, "post", reverse("account_change_password"), data,
            may_change={"accounts.User"},
        )  # fmt: skip


@pytest.fixture
def recipients(db):
    return [RecipientFactory(), RecipientFactory(is_active=False)]


def recipient_choice(recipients):
    return form_data(
        recipient=st.sampled_from([str(r.pk) for r in recipients] + ["0", "-1", "1e3"]),
        action=one_of_these("grant", "withdraw"),
    )


SHARING_WRITES = {"consent.SharingPermission", "consent.ConsentRecord"}


@fuzz
@given(data=st.data())
def test_the_member_sharing_choice(member, recipients, data):
    posted = data.draw(recipient_choice(recipients))
    with one_example():
        request_and_check(
            client_as(member), "post", reverse("accounts:sharing"), posted,
            may_change=SHARING_WRITES,
        )  # fmt: skip


@fuzz
@given(data=form_data(confirm=one_of_these("on")))
@example(data={"confirm": "on\x00"})
def test_the_account_deletion(data):
    with one_example():
        member = UserFactory()
        client = client_as()
        client.post(reverse("account_login"), {"login": member.username, "password": PASSWORD})
        client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
        response = request_and_check(
            client, "post", reverse("accounts:delete"), data,
            may_change={"accounts.User", "account.EmailAddress", "accounts.ErasureReceipt",
                        "consent.PolicyAcceptance", "consent.ConsentRecord"},
        )  # fmt: skip
        deleted = not User.objects.filter(pk=member.pk).exists()
        assert deleted == (response.status_code == HTTPStatus.FOUND)


@fuzz
@given(data=form_data(next=next_url))
@example(data={"next": "//evil.example"})
@example(data={"next": "0"})
def test_the_policy_agreement(member, data):
    with one_example():
        PolicyVersionFactory(version="9.0", is_material=True)
        response = request_and_check(
            client_as(member), "post", reverse("policy_agree"), data,
            may_change={"consent.PolicyAcceptance", "consent.ConsentRecord"},
        )  # fmt: skip
        if response.status_code == HTTPStatus.FOUND:
            assert "evil" not in response["Location"]


# --- Teens and guardians ------------------------------------------------------------------


@fuzz
@given(path=st.sampled_from(["guardians:resend", "guardians:change_email"]),
       data=form_data(guardian_email=email))  # fmt: skip
@example(path="guardians:change_email", data={"guardian_email": "mum\x00@example.net"})
def test_the_waiting_page_actions(path, data):
    with one_example():
        ward = GuardianshipFactory(guardian_email="mum@example.net")
        request_and_check(
            client_as(ward.teen), "post", reverse(path), data,
            may_change={"guardians.Guardianship", "guardians.GuardianRequest"},
        )  # fmt: skip


@fuzz
@given(data=form_data(decision=one_of_these("approve", "decline")))
@example(data={"decision": ["approve", "decline"]})
@example(data={"decision": "approve\x00"})
def test_the_guardian_decision(data):
    from guardians.tokens import make_token

    with one_example():
        ward = GuardianshipFactory(guardian_email="mum@example.net")
        guardian = GuardianFactory(email="mum@example.net")
        link = reverse("guardians:consent", kwargs={"token": make_token(ward.requests.get())})
        request_and_check(
            client_as(guardian), "post", link, data,
            may_change={"guardians.Guardianship", "guardians.GuardianRequest",
                        "consent.ConsentRecord", "consent.PolicyAcceptance", "accounts.User",
                        "account.EmailAddress", "accounts.ErasureReceipt"},
        )  # fmt: skip


WARD_ACTIONS = {
    "guardians:ward_switches": form_data(
        allow_optional_fields=one_of_these("on"), allow_personalisation=one_of_these("on")
    ),
    "guardians:ward_stop": form_data(),
    "guardians:ward_resume": form_data(),
    "guardians:ward_delete": form_data(confirm=one_of_these("on")),
}
WARD_WRITES = {
    "guardians.Guardianship",
    "consent.ConsentRecord",
    "consent.AccountCookieChoice",
    "consent.SharingPermission",
    "accounts.User",
    "account.EmailAddress",
    "accounts.ErasureReceipt",
    "consent.PolicyAcceptance",
    "guardians.GuardianRequest",
}


@fuzz
@given(action=st.sampled_from(sorted(WARD_ACTIONS)), data=st.data())
def test_the_ward_actions(recipients, action, data):
    posted = data.draw(WARD_ACTIONS[action])
    with one_example():
        ward = approved_guardianship()
        client = client_as()
        client.post(
            reverse("account_login"), {"login": ward.guardian.username, "password": PASSWORD}
        )
        client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
        request_and_check(
            client, "post", reverse(action, kwargs={"pk": ward.pk}), posted, may_change=WARD_WRITES
        )


@fuzz
@given(data=st.data())
def test_the_ward_sharing_choice(recipients, data):
    posted = data.draw(recipient_choice(recipients))
    with one_example():
        ward = approved_guardianship()
        path = reverse("guardians:ward_sharing", kwargs={"pk": ward.pk})
        request_and_check(client_as(ward.guardian), "post", path, posted, may_change=SHARING_WRITES)
