"""Account security: staff two-factor, notifications, rate limits, sessions."""

from http import HTTPStatus

import pytest
from allauth.mfa.utils import decrypt
from django.urls import reverse

from tests.factories import PASSWORD, StaffFactory, UserFactory
from tests.totp import totp_code


def log_in(client, user, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": user.username, "password": password})


@pytest.mark.django_db
class TestAdminNeedsTwoFactor:
    def test_staff_without_two_factor_are_sent_to_set_it_up(self, client):
        staff = UserFactory(is_staff=True, is_superuser=True)
        client.force_login(staff)
        response = client.get(reverse("admin:index"))
        assert response.status_code == HTTPStatus.FOUND
        response = client.get(response["Location"], follow=True)
        assert response.redirect_chain[-1][0] == reverse("mfa_index")
        assert "must have two-factor authentication" in response.content.decode()

    def test_staff_with_two_factor_reach_the_admin(self, client):
        client.force_login(StaffFactory(is_superuser=True))
        assert client.get(reverse("admin:index")).status_code == HTTPStatus.OK

    def test_members_are_refused(self, client, member):
        client.force_login(member)
        response = client.get(reverse("admin:login"))
        assert response.status_code == HTTPStatus.FORBIDDEN

    def test_staff_log_in_with_password_then_code(self, client):
        staff = StaffFactory()
        response = log_in(client, staff)
        assert response["Location"] == reverse("mfa_authenticate")
        assert "_auth_user_id" not in client.session
        code = totp_code(decrypt(staff.authenticator_set.get(type="totp").data["secret"]))
        response = client.post(reverse("mfa_authenticate"), {"code": code})
        assert response.status_code == HTTPStatus.FOUND
        assert client.session["_auth_user_id"] == str(staff.pk)


@pytest.mark.django_db
class TestNotifications:
    def test_password_change_is_notified_by_email(self, client, member, mailoutbox):
        log_in(client, member)
        client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
        response = client.post(
            reverse("account_change_password"),
            {
                "oldpassword": PASSWORD,
                "password1": "another-long-pass",
                "password2": "another-long-pass",
            },
        )
        assert response.status_code == HTTPStatus.FOUND
        assert mailoutbox[-1].to == [member.email]
        assert "password" in mailoutbox[-1].subject.lower()


@pytest.mark.django_db
class TestRateLimits:
    def test_repeated_failed_logins_are_stopped(self, client, member):
        for _attempt in range(5):
            response = log_in(client, member, password="wrong-password")
            assert response.status_code == HTTPStatus.OK
        response = log_in(client, member, password=PASSWORD)
        assert "Too many failed login attempts" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_rate_limits_live_in_the_shared_cache(self, settings):
        assert "login_failed" in settings.ACCOUNT_RATE_LIMITS
        assert "signup" in settings.ACCOUNT_RATE_LIMITS
        assert "reset_password" in settings.ACCOUNT_RATE_LIMITS
        assert "manage_email" in settings.ACCOUNT_RATE_LIMITS


@pytest.mark.django_db
def test_sessions_page_lists_the_members_sessions(client, member):
    log_in(client, member)
    response = client.get(reverse("usersessions_list"))
    assert response.status_code == HTTPStatus.OK
    assert "127.0.0.1" in response.content.decode()
