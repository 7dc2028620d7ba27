"""Sign-up, email verification, log-in, log-out and password reset, end to end."""

import re
from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD, UserFactory

LINK = re.compile(r"https?://[^/\s]+(/accounts/[^\s]+/)")


def link_in(message):
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def pass_age_screen(client, date_of_birth="1990-05-17"):
    response = client.post(reverse("account_signup"), {"date_of_birth": date_of_birth})
    assert response.status_code == HTTPStatus.FOUND


@pytest.mark.django_db
def test_sign_up_verify_email_then_log_in(client, mailoutbox):
    pass_age_screen(client)
    response = client.post(
        reverse("account_signup"),
        {
            "username": "ana",
            "email": "ana@example.com",
            "password1": "a-long-password-1",
            "password2": "a-long-password-1",
            "agree": "on",
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(username="ana")
    assert not EmailAddress.objects.get(user=user).verified

    # Mandatory verification: no log-in before the email is confirmed.
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "ana", "password": "a-long-password-1"}
    )
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session

    assert [m.to for m in mailoutbox] == [["ana@example.com"]]
    assert "ana@example.com" in mailoutbox[0].body or "Tomato" in mailoutbox[0].subject
    confirm_path = link_in(mailoutbox[0])
    assert client.get(confirm_path).status_code == HTTPStatus.OK
    response = client.post(confirm_path)
    assert response.status_code == HTTPStatus.FOUND
    assert EmailAddress.objects.get(user=user).verified

    response = client.post(
        reverse("account_login"), {"login": "ana", "password": "a-long-password-1"}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("accounts:me")
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("login", ["member0", "member0@example.com", "MEMBER0@example.com"])
def test_log_in_by_username_or_email(client, login):
    user = UserFactory(username="member0")
    response = client.post(reverse("account_login"), {"login": login, "password": PASSWORD})
    assert response.status_code == HTTPStatus.FOUND
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_wrong_password_does_not_log_in(client, member):
    response = client.post(reverse("account_login"), {"login": member.username, "password": "nope"})
    assert response.status_code == HTTPStatus.OK
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_short_passwords_are_refused_at_sign_up(client):
    pass_age_screen(client)
    response = client.post(
        reverse("account_signup"),
        {
            "username": "bo",
            "email": "bo@example.com",
            "password1": "short1",
            "password2": "short1",
            "agree": "on",
        },
    )
    assert response.status_code == HTTPStatus.OK
    assert "at least 10 characters" in response.content.decode()
    assert not User.objects.filter(username="bo").exists()


@pytest.mark.django_db
def test_log_out_is_a_post(client, member):
    client.force_login(member)
    response = client.post(reverse("account_logout"))
    assert response.status_code == HTTPStatus.FOUND
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_password_reset_end_to_end(client, member, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": member.email})
    assert response.status_code == HTTPStatus.FOUND
    assert len(mailoutbox) == 1
    reset_path = link_in(mailoutbox[0])
    response = client.get(reset_path)
    # allauth moves the key out of the URL into the session before showing the form.
    assert response.status_code == HTTPStatus.FOUND
    form_path = response["Location"]
    response = client.post(
        form_path, {"password1": "a-brand-new-password", "password2": "a-brand-new-password"}
    )
    assert response.status_code == HTTPStatus.FOUND
    member.refresh_from_db()
    assert member.check_password("a-brand-new-password")


@pytest.mark.django_db
def test_password_reset_for_an_unknown_email_does_not_reveal_it(client, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("account_reset_password_done")
    assert all("nobody@example.com" in m.to for m in mailoutbox)
