"""Leaving leaves nothing behind: not in the browser's cookies, the cache or old sessions."""

import datetime
from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts import age_screen
from accounts.models import ErasureReceipt, User
from accounts.services import user_erase
from consent.cookies import PREFS_COOKIE, VISITOR_COOKIE
from tests.factories import PASSWORD, UserFactory

SIGNUP = reverse("account_signup")


def sign_up(client, username, email):
    client.post(SIGNUP, {"date_of_birth": "1990-05-17"})
    return client.post(
        SIGNUP,
        {
            "username": username,
            "email": email,
            "password1": "a-long-password-1",
            "password2": "a-long-password-1",
            "agree": "on",
        },
    )


def expired(response, name):
    return name in response.cookies and response.cookies[name]["max-age"] == 0


@pytest.mark.django_db
def test_deleting_the_account_expires_every_optional_cookie(client, choose):
    member = UserFactory()
    choose("accept")
    client.post(
        reverse("account_login"),
        {"login": member.username, "password": PASSWORD, "remember_email": "on"},
    )
    client.get(reverse("beacon"), {"route": "home"})
    assert {PREFS_COOKIE, VISITOR_COOKIE} <= set(client.cookies)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.post(reverse("accounts:delete"), {"confirm": "on"})
    assert response.status_code == HTTPStatus.FOUND
    assert expired(response, PREFS_COOKIE)
    assert expired(response, VISITOR_COOKIE)
    assert expired(response, "cookie_consent")
    # The browser meets the site as a new visitor: asked again, counted by nothing.
    page = client.get(response["Location"]).content.decode()
    assert 'aria-label="Cookie consent"' in page
    assert "data-beacon" not in page


@pytest.mark.django_db
def test_someone_who_leaves_can_sign_up_again_at_once_with_the_same_email(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert sign_up(client, "ana", "ana@example.com").status_code == HTTPStatus.FOUND
    assert [m.to for m in mailoutbox] == [["ana@example.com"]]
    ana = User.objects.get(username="ana")
    EmailAddress.objects.filter(user=ana).update(verified=True)
    client.post(reverse("account_login"), {"login": "ana", "password": "a-long-password-1"})
    client.post(reverse("account_reauthenticate"), {"password": "a-long-password-1"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:delete"), {"confirm": "on"})
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert sign_up(client, "ana", "ana@example.com").status_code == HTTPStatus.FOUND
    confirmations = [m for m in mailoutbox if "confirm-email" in m.body]
    assert [m.to for m in confirmations] == [["ana@example.com"]]


@pytest.mark.django_db
def test_the_age_screen_answer_of_an_unfinished_sign_up_expires(client):
    client.post(SIGNUP, {"date_of_birth": "1990-05-17"})
    session = Session.objects.get()
    assert age_screen.SESSION_KEY in session.get_decoded()
    limit = timezone.now() + datetime.timedelta(seconds=age_screen.ANSWER_VALIDITY + 5)
    assert session.expire_date <= limit
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    call_command("clearsessions")
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_a_finished_sign_up_keeps_its_session_for_the_usual_time(client):
    sign_up(client, "ana", "ana@example.com")
    session = Session.objects.get()
    assert age_screen.SESSION_KEY not in session.get_decoded()
    assert session.expire_date > timezone.now() + datetime.timedelta(days=1)


@pytest.mark.django_db
def test_failed_logins_of_someone_who_left_do_not_lock_out_the_next_owner_of_the_email(
    client, django_capture_on_commit_callbacks
):
    member = UserFactory(email="ana@example.com")
    for _ in range(5):
        client.post(reverse("account_login"), {"login": member.email, "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        user_erase(user_id=member.pk, reason=ErasureReceipt.Reason.ACCOUNT_DELETION)
    UserFactory(email="ana@example.com")
    response = client.post(
        reverse("account_login"), {"login": "ana@example.com", "password": PASSWORD}
    )
    assert response.status_code == HTTPStatus.FOUND
