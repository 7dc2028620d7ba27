import html
import re
from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.models import User
from consent.models import PolicyAcceptance
from guardians.models import GuardianRequest, Guardianship
from tests.factories import PASSWORD, TeenFactory, years_ago

SIGNUP = "/accounts/signup/"


def teen_data(**overrides):
    return {
        "username": "kit",
        "email": "kit@example.com",
        "password1": "a-long-password-1",
        "password2": "a-long-password-1",
        "guardian_email": "mum@example.net",
        "agree": "on",
        **overrides,
    }


@pytest.fixture
def under_16(client):
    client.post(SIGNUP, {"date_of_birth": years_ago(14).isoformat()})
    return client


@pytest.mark.django_db
class TestTeenSignup:
    def test_the_teen_form_asks_for_the_guardians_email_and_nothing_optional(self, under_16):
        page = html.unescape(under_16.get(SIGNUP).content.decode())
        labels = re.findall(r'<label for="id_\w+">([^<]+)</label>', page)
        assert labels == ["Username", "Email", "Password", "Password (again)", "Guardian's email"]
        assert 'I agree to the <a href="/privacy/">Privacy Policy</a>' in page
        assert 'name="gender"' not in page
        assert 'name="hobbies"' not in page
        assert '<button type="submit">Sign up</button>' in page

    def test_sign_up_starts_an_account_awaiting_the_guardian(
        self, under_16, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = under_16.post(SIGNUP, teen_data(gender="male", hobbies="chess"))
        assert response.status_code == HTTPStatus.FOUND
        teen = User.objects.get(username="kit")
        assert (teen.gender, teen.hobbies) == ("", "")
        assert teen.date_of_birth == years_ago(14)
        guardianship = Guardianship.objects.get(teen=teen)
        assert guardianship.status == "awaiting"
        assert guardianship.guardian_email == "mum@example.net"
        request = GuardianRequest.objects.get(guardianship=guardianship)
        assert request.status == "pending"
        assert round((request.expires_at - request.sent_at).total_seconds()) == 7 * 24 * 3600
        assert PolicyAcceptance.objects.filter(user=teen).exists()
        to = sorted(message.to[0] for message in mailoutbox)
        assert to == ["kit@example.com", "mum@example.net"]
        guardian_mail = next(m for m in mailoutbox if m.to == ["mum@example.net"])
        assert "kit" in guardian_mail.subject
        assert re.search(r"/guardian/consent/[^/\s]+/", guardian_mail.body)
        assert "kit@example.com" not in guardian_mail.body

    def test_the_guardians_email_must_differ_from_the_teens(self, under_16):
        response = under_16.post(SIGNUP, teen_data(guardian_email="KIT@example.com"))
        assert response.status_code == HTTPStatus.OK
        assert "must be different from your own" in response.content.decode()
        assert not User.objects.exists()

    def test_the_guardians_email_is_required(self, under_16):
        response = under_16.post(SIGNUP, teen_data(guardian_email=""))
        assert "This field is required" in response.content.decode()
        assert not Guardianship.objects.exists()


def log_in(client, user):
    return client.post(reverse("account_login"), {"login": user.username, "password": PASSWORD})


@pytest.mark.django_db
class TestCabin:
    @pytest.fixture
    def teen(self, client):
        from tests.factories import GuardianshipFactory

        guardianship = GuardianshipFactory()
        log_in(client, guardianship.teen)
        return guardianship.teen

    @pytest.mark.parametrize("path", ["/", "/me/", "/me/data/", "/accounts/email/", "/guardian/"])
    def test_everything_else_redirects_to_the_waiting_page(self, client, teen, path):
        response = client.get(path)
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"] == reverse("guardians:waiting")

    @pytest.mark.parametrize(
        "path", ["/privacy/", "/privacy/history/", "/cookies/", "/guardian/waiting/"]
    )
    def test_the_policy_cookies_and_waiting_page_stay_open(self, client, teen, path):
        assert client.get(path).status_code == HTTPStatus.OK

    def test_logout_stays_open(self, client, teen):
        client.post(reverse("account_logout"))
        assert "_auth_user_id" not in client.session

    def test_the_waiting_page_shows_the_status_and_both_actions(self, client, teen):
        page = html.unescape(client.get(reverse("guardians:waiting")).content.decode())
        assert "Awaiting the guardian" in page
        assert teen.guardianship.guardian_email in page
        assert ">Resend request</button>" in page
        assert ">Change guardian's email</button>" in page

    def test_resend_replaces_the_link_and_is_rate_limited(
        self, client, teen, mailoutbox, django_capture_on_commit_callbacks
    ):
        first = teen.guardianship.requests.get()
        for _attempt in range(3):
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(reverse("guardians:resend"))
            assert response.status_code == HTTPStatus.FOUND
        first.refresh_from_db()
        assert first.status == "replaced"
        assert teen.guardianship.requests.filter(status="pending").count() == 1
        assert len(mailoutbox) == 3
        response = client.post(reverse("guardians:resend"))
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert len(mailoutbox) == 3

    def test_changing_the_guardians_email_sends_a_new_request(
        self, client, teen, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("guardians:change_email"), {"guardian_email": "dad@example.net"})
        teen.guardianship.refresh_from_db()
        assert teen.guardianship.guardian_email == "dad@example.net"
        assert mailoutbox[-1].to == ["dad@example.net"]
        assert teen.guardianship.requests.get(status="pending").email == "dad@example.net"

    def test_the_new_email_must_differ_from_the_teens(self, client, teen):
        response = client.post(reverse("guardians:change_email"), {"guardian_email": teen.email})
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "must be different from your own" in response.content.decode()

    def test_a_teen_never_gets_analytics(self, client, teen):
        client.post(reverse("consent:accept"), {"all_groups": "on", "source": "banner"})
        page = client.get("/cookies/").content.decode()
        assert page.count("Off for your account") == 2
        assert "data-beacon" not in page

    def test_an_approved_teen_uses_the_site(self, client, teen):
        from tests.factories import GuardianFactory

        guardian = GuardianFactory()
        teen.guardianship.status = "active"
        teen.guardianship.guardian = guardian
        teen.guardianship.save()
        assert client.get("/me/").status_code == HTTPStatus.OK
        assert client.get(reverse("guardians:waiting"))["Location"] == reverse("accounts:me")


def test_a_teen_is_stored_with_age_under_16():
    teen = TeenFactory.build()
    assert teen.age() == 14
