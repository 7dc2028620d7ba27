import json
from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.personal_data import declarations
from consent.models import PolicyAcceptance, PolicyVersion
from tests.factories import UserFactory


@pytest.fixture
def logged_in(client, member):
    client.force_login(member)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["accounts:me", "accounts:profile", "accounts:data", "accounts:data_json"]
)
def test_account_pages_need_a_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
class TestOverview:
    def test_shows_the_profile_and_links_to_everything(self, logged_in, member):
        member.gender, member.hobbies = "non_binary", "origami"
        member.save()
        html = logged_in.get(reverse("accounts:me")).content.decode()
        for text in [member.username, member.email, "17 May 1990", "Non-binary", "origami"]:
            assert text in html
        for name in ["accounts:profile", "accounts:data", "accounts:data_json", "accounts:delete"]:
            assert f'href="{reverse(name)}"' in html
        for path in ["/accounts/2fa/", "/accounts/sessions/", "/accounts/password/change/"]:
            assert f'href="{path}"' in html

    def test_keeps_its_query_budget(self, logged_in, django_assert_max_num_queries):
        logged_in.get(reverse("accounts:me"))  # the session's first request does one-off work
        with django_assert_max_num_queries(8):
            assert logged_in.get(reverse("accounts:me")).status_code == HTTPStatus.OK


@pytest.mark.django_db
class TestProfile:
    def test_shows_the_date_of_birth_read_only_with_the_age(self, logged_in, member):
        html = logged_in.get(reverse("accounts:profile")).content.decode()
        assert "17 May 1990" in html
        assert f"<dd>{member.age()}</dd>" in html
        assert 'name="date_of_birth"' not in html

    def test_saves_gender_and_hobbies(self, logged_in, member):
        response = logged_in.post(
            reverse("accounts:profile"), {"gender": "male", "hobbies": "cycling"}
        )
        assert response.status_code == HTTPStatus.FOUND
        member.refresh_from_db()
        assert (member.gender, member.hobbies) == ("male", "cycling")

    def test_the_date_of_birth_cannot_be_changed(self, logged_in, member):
        logged_in.post(
            reverse("accounts:profile"),
            {"gender": "", "hobbies": "", "date_of_birth": "2015-01-01"},
        )
        member.refresh_from_db()
        assert member.date_of_birth.isoformat() == "1990-05-17"

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"hobbies": "card 5500-0000-0000-0004"}, "Please be careful not to disclose"),
            ({"hobbies": "x" * 201}, "at most 200 characters"),
            ({"gender": "robot"}, "Select a valid choice"),
        ],
    )
    def test_bad_input_is_refused_and_nothing_saved(self, logged_in, member, data, message):
        response = logged_in.post(reverse("accounts:profile"), {"gender": "", **data})
        assert response.status_code == HTTPStatus.OK
        assert message in response.content.decode()
        member.refresh_from_db()
        assert (member.gender, member.hobbies) == ("", "")

    def test_keeps_its_query_budget(self, logged_in, django_assert_max_num_queries):
        logged_in.get(reverse("accounts:me"))  # the session's first request does one-off work
        with django_assert_max_num_queries(8):
            assert logged_in.get(reverse("accounts:profile")).status_code == HTTPStatus.OK


def populate(user, extra=1):
    """Give the user rows in every model that can hold personal data about them."""
    for index in range(extra):
        EmailAddress.objects.create(user=user, email=f"other{index}.{user.username}@example.com")
        Authenticator.objects.create(
            user=user, type=Authenticator.Type.WEBAUTHN, data={"credential": f"c{index}"}
        )
        PolicyAcceptance.objects.record(
            user=user, version=PolicyVersion.objects.get(version="1.0"), source="signup"
        )


@pytest.mark.django_db
class TestYourData:
    def test_lists_every_item_held(self, logged_in, member):
        member.hobbies = "kite flying"
        member.save()
        populate(member)
        html = logged_in.get(reverse("accounts:data")).content.decode()
        for text in [
            "Account and profile",
            member.username,
            member.email,
            "kite flying",
            "Email addresses",
            f"other0.{member.username}@example.com",
            "Two-factor methods",
            "WebAuthn",
            "Privacy policy acceptances",
            "1.0",
            "Sessions",
        ]:
            assert text in html, text

    def test_has_a_section_for_every_model_holding_personal_data(self, logged_in):
        html = logged_in.get(reverse("accounts:data")).content.decode()
        for _model, declaration in declarations():
            if declaration.holds_personal_data:
                assert f">{declaration.title}</h2>" in html

    def test_makes_the_same_number_of_queries_however_much_is_held(self, client):
        small, large = UserFactory(), UserFactory()
        populate(small, extra=1)
        populate(large, extra=6)
        counts = []
        for user in (small, large):
            client.force_login(user)
            client.get(reverse("accounts:me"))  # the session's first request does one-off work
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse("accounts:data")).status_code == HTTPStatus.OK
            counts.append(len(queries))
        assert counts[0] == counts[1]
        # One query per model that holds rows about the person, plus the session, the user
        # and the site's own per-request reads, and three for the list of consent receipts
        # (consent records, policy acceptances, the sharing terms they were given to).
        per_model = sum(
            1
            for _model, declaration in declarations()
            if declaration.exported and (declaration.owner or declaration.lookup)
        )
        assert counts[0] <= per_model + 8 + 3

    def test_json_download_holds_the_same(self, logged_in, member):
        populate(member)
        response = logged_in.get(reverse("accounts:data_json"))
        assert response.status_code == HTTPStatus.OK
        assert response["Content-Type"].startswith("application/json")
        assert response["Content-Disposition"] == 'attachment; filename="tomato-my-data.json"'
        assert member.username not in response["Content-Disposition"]
        payload = json.loads(response.content)
        account = payload["data"]["accounts.user"]["items"][0]
        assert account["Username"] == member.username
        assert account["Date of birth"] == "1990-05-17"
        assert account["Age"] == member.age()
        assert "password" not in json.dumps(payload).lower()
        assert payload["data"]["consent.policyacceptance"]["items"][0]["Policy version"] == "1.0"
        emails = [
            item["Email address"] for item in payload["data"]["account.emailaddress"]["items"]
        ]
        assert member.email in emails
        assert payload["data"]["sessions.session"]["items"] == []
        assert "note" in payload["data"]["sessions.session"]

    def test_secrets_are_never_exported(self, logged_in, member):
        Authenticator.objects.create(
            user=member, type=Authenticator.Type.TOTP, data={"secret": "SUPERSECRETSEED"}
        )
        body = logged_in.get(reverse("accounts:data_json")).content.decode()
        assert "SUPERSECRETSEED" not in body
        assert member.password not in body
        assert logged_in.session.session_key not in body
