"""The two-step sign-up: a neutral age screen, locked for the session, then the member form."""

import datetime
import re
from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from accounts import age_screen
from accounts.models import AgeScreenChange, User
from consent.models import PolicyAcceptance
from tests.factories import UserFactory, years_ago

SIGNUP = "/accounts/signup/"
ADULT_DOB = "1990-05-17"


def born(years, days=0):
    """The date of birth of someone ``years`` old (less ``days``), as the form takes it."""
    return years_ago(years, days).isoformat()


def member_data(**overrides):
    return {
        "username": "ana",
        "email": "ana@example.com",
        "password1": "a-long-password-1",
        "password2": "a-long-password-1",
        "gender": "female",
        "hobbies": "chess, gardening",
        "agree": "on",
        **overrides,
    }


@pytest.fixture
def adult(client):
    assert client.post(SIGNUP, {"date_of_birth": ADULT_DOB}).status_code == HTTPStatus.FOUND
    return client


@pytest.mark.django_db
class TestAgeScreen:
    def test_first_step_asks_only_for_the_date_of_birth(self, client):
        response = client.get(SIGNUP)
        assert response.status_code == HTTPStatus.OK
        html = response.content.decode()
        assert '<label for="id_date_of_birth">Date of birth</label>' in html
        assert re.findall(r'<input type="(?!hidden)[a-z]+" name="(\w+)"', html) == ["date_of_birth"]
        assert '<button type="submit">Continue</button>' in html

    def test_it_does_not_hint_at_an_age_limit(self, client):
        text = client.get(SIGNUP).content.decode().lower()
        main = text[text.index("<main") : text.index("</main>")]
        visible = re.sub(r"<[^>]+>", " ", main)  # the words a person reads, not tokens
        assert "date of birth" in visible
        for hint in ["16", "sixteen", "under", "minor", "guardian", "parent", "old enough"]:
            assert hint not in visible

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            ("not a date", "Enter a date"),
            ("", "This field is required"),
            ("1850-01-01", "Enter your real date of birth"),
        ],
    )
    def test_bad_answers_get_a_clear_error_and_nothing_is_kept(self, client, value, message):
        response = client.post(SIGNUP, {"date_of_birth": value})
        assert response.status_code == HTTPStatus.OK
        assert message in response.content.decode()
        assert age_screen.SESSION_KEY not in client.session

    def test_a_date_in_the_future_is_refused(self, client):
        tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
        response = client.post(SIGNUP, {"date_of_birth": tomorrow})
        assert "cannot be in the future" in response.content.decode()

    def test_the_answer_leads_to_the_member_form(self, adult):
        html = adult.get(SIGNUP).content.decode()
        for label in ["Username", "Email", "Password", "Password (again)", "Gender", "Hobbies"]:
            assert re.search(rf"<label for=\"id_\w+\">{re.escape(label)}</label>", html), label
        assert 'I agree to the <a href="/privacy/">Privacy Policy</a></label>' in html
        assert '<button type="submit">Sign up</button>' in html
        assert "date_of_birth" not in html
        for gender in ["Female", "Male", "Non-binary", "Prefer not to say"]:
            assert f">{gender}</option>" in html

    def test_going_back_cannot_change_the_answer(self, adult):
        response = adult.post(SIGNUP, {"date_of_birth": born(10)})
        # The age answer is ignored: the member form is validated (and refused) instead.
        assert response.status_code == HTTPStatus.OK
        assert adult.session[age_screen.SESSION_KEY] == ADULT_DOB
        assert 'name="username"' in response.content.decode()

    def test_a_new_session_with_a_different_answer_is_recorded(self, client):
        client.post(SIGNUP, {"date_of_birth": ADULT_DOB})
        client.session.flush()
        cookie = client.cookies[age_screen.COOKIE_NAME]
        client.cookies.clear()
        client.cookies[age_screen.COOKIE_NAME] = cookie.value
        client.post(SIGNUP, {"date_of_birth": born(12)})
        change = AgeScreenChange.objects.get()
        assert (change.previous_band, change.new_band) == ("16_or_older", "under_16")

    def test_the_same_answer_in_a_new_session_is_not_a_change(self, client):
        client.post(SIGNUP, {"date_of_birth": ADULT_DOB})
        cookie = client.cookies[age_screen.COOKIE_NAME].value
        client.cookies.clear()
        client.cookies[age_screen.COOKIE_NAME] = cookie
        client.post(SIGNUP, {"date_of_birth": "1985-01-01"})
        assert not AgeScreenChange.objects.exists()

    def test_a_tampered_cookie_is_ignored(self, client):
        client.cookies[age_screen.COOKIE_NAME] = "under_16:forged"
        response = client.post(SIGNUP, {"date_of_birth": ADULT_DOB})
        assert response.status_code == HTTPStatus.FOUND
        assert not AgeScreenChange.objects.exists()

    @pytest.mark.parametrize(
        ("dob", "band"),
        [(born(16), "16_or_older"), (born(16, days=-1), "under_16")],
    )
    def test_the_sixteenth_birthday_is_the_line(self, dob, band):
        assert age_screen.band_of(datetime.date.fromisoformat(dob)) == band

    def test_under_16s_cannot_sign_up_without_the_guardian_flow(self, client, settings):
        settings.TEEN_SIGNUP_FORM = ""
        client.post(SIGNUP, {"date_of_birth": born(14)})
        response = client.get(SIGNUP)
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert "guardian" in response.content.decode()
        response = client.post(SIGNUP, member_data())
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert not User.objects.exists()

    def test_logged_in_members_are_sent_to_their_account(self, client, member):
        client.force_login(member)
        response = client.get(SIGNUP)
        assert response["Location"] == reverse("accounts:me")


@pytest.mark.django_db
class TestMemberSignup:
    def test_sign_up_keeps_the_profile_and_records_the_policy_acceptance(self, adult, mailoutbox):
        response = adult.post(SIGNUP, member_data())
        assert response.status_code == HTTPStatus.FOUND
        user = User.objects.get(username="ana")
        assert user.date_of_birth == datetime.date(1990, 5, 17)
        assert (user.gender, user.hobbies) == ("female", "chess, gardening")
        acceptance = PolicyAcceptance.objects.get(user=user)
        assert acceptance.policy_version.version == "1.0"
        assert age_screen.SESSION_KEY not in adult.session  # the date lives on the account only
        assert acceptance.source == "signup"
        assert len(mailoutbox) == 1

    def test_optional_fields_may_be_left_empty(self, adult):
        adult.post(SIGNUP, member_data(gender="", hobbies=""))
        user = User.objects.get(username="ana")
        assert (user.gender, user.hobbies) == ("", "")

    def test_the_policy_must_be_agreed(self, adult):
        data = member_data()
        del data["agree"]
        response = adult.post(SIGNUP, data)
        assert response.status_code == HTTPStatus.OK
        assert "You need to agree to the Privacy Policy" in response.content.decode()
        assert not User.objects.exists()
        assert not PolicyAcceptance.objects.exists()

    @pytest.mark.parametrize(
        ("field", "value"),
        [("hobbies", "my card 4111 1111 1111 1111"), ("username", "ana4111111111111111")],
    )
    def test_card_numbers_are_refused_with_the_policy_advice(self, adult, field, value):
        response = adult.post(SIGNUP, member_data(**{field: value}))
        assert response.status_code == HTTPStatus.OK
        assert "Please be careful not to disclose" in response.content.decode()
        assert not User.objects.exists()

    def test_hobbies_are_at_most_200_characters(self, adult):
        response = adult.post(SIGNUP, member_data(hobbies="a" * 201))
        assert "at most 200 characters" in response.content.decode()
        assert not User.objects.exists()

    def test_an_unknown_gender_is_refused(self, adult):
        response = adult.post(SIGNUP, member_data(gender="robot"))
        assert "Select a valid choice" in response.content.decode()
        assert not User.objects.exists()

    def test_an_email_in_use_does_not_reveal_the_account(self, adult, mailoutbox):
        UserFactory(username="first", email="ana@example.com")
        response = adult.post(SIGNUP, member_data(username="second"))
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"] == reverse("account_email_verification_sent")
        assert not User.objects.filter(username="second").exists()
        assert EmailAddress.objects.filter(email="ana@example.com").count() == 1
        assert "already" in mailoutbox[-1].body.lower()
