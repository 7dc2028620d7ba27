"""Sessions, passwords and what members type: checks behind SECURITY.md's table."""

from http import HTTPStatus

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.conftest import logged_in_user_id
from tests.factories import PASSWORD, UserFactory


def log_in(client, user, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": user.username, "password": password})


def pass_age_screen(client):
    response = client.post(reverse("account_signup"), {"date_of_birth": "1990-05-17"})
    assert response.status_code == HTTPStatus.FOUND


@pytest.mark.django_db
def test_logging_in_gives_a_new_session_key(client, member):
    client.get(reverse("account_login"))
    client.session.save()
    before = client.session.session_key
    assert before
    log_in(client, member)
    assert logged_in_user_id(client) == str(member.pk)
    assert client.session.session_key != before
    assert not SessionStore().exists(before)


@pytest.mark.django_db
def test_a_logged_out_session_cannot_be_replayed(client, member, settings):
    log_in(client, member)
    stolen = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("account_logout"))
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = stolen
    response = replay.get(reverse("accounts:me"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_a_member_ends_their_other_sessions_from_the_sessions_page(member):
    laptop, phone = Client(), Client()
    log_in(laptop, member)
    log_in(phone, member)
    response = phone.post(reverse("usersessions_list"))
    assert response.status_code == HTTPStatus.FOUND
    assert phone.get(reverse("accounts:me")).status_code == HTTPStatus.OK
    response = laptop.get(reverse("accounts:me"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_changing_the_password_needs_the_current_one(client, member):
    log_in(client, member)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    new = "another-long-pass"
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "not-the-password", "password1": new, "password2": new},
    )
    assert response.status_code == HTTPStatus.OK
    member.refresh_from_db()
    assert member.check_password(PASSWORD)
    assert not member.check_password(new)


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["qwertyuiop", "iloveyou123", "password123"])
def test_common_passwords_are_refused_at_sign_up(client, password):
    pass_age_screen(client)
    response = client.post(
        reverse("account_signup"),
        {
            "username": "bo",
            "email": "bo@example.com",
            "password1": password,
            "password2": password,
            "agree": "on",
        },
    )
    assert response.status_code == HTTPStatus.OK
    assert "This password is too common" in response.content.decode()
    assert not User.objects.filter(username="bo").exists()


@pytest.mark.django_db
def test_the_migrations_create_no_user_accounts():
    assert not User.objects.exists()


@pytest.mark.django_db
def test_what_a_member_typed_is_shown_as_text_not_markup(client):
    typed = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    member = UserFactory(hobbies=typed)
    client.force_login(member)
    for name in ("accounts:me", "accounts:data"):
        page = client.get(reverse(name)).content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, name
        assert "<script>alert" not in page, name
        assert "<img src=x" not in page, name
