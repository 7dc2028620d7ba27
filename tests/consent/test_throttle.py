"""Writes any visitor can cause are bounded: past the limit, 429 and nothing more is written."""

from http import HTTPStatus

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.age_screen import COOKIE_NAME as AGE_SCREEN_COOKIE
from accounts.models import AgeScreenChange
from consent.models import ConsentRecord, PageView
from tests.factories import years_ago


def limit(action):
    """How many hits a minute the configured rate allows (like "60/m/ip")."""
    amount, period, per = settings.ACCOUNT_RATE_LIMITS[action].split(",")[0].split("/")
    assert (period, per) == ("m", "ip")
    return int(amount)


@pytest.mark.django_db
def test_a_burst_of_cookie_choices_gets_429_and_records_nothing_more(client, choose):
    for _ in range(limit("consent_choice")):
        assert choose("accept", groups=["analytics"]).status_code == HTTPStatus.FOUND
    written = ConsentRecord.objects.count()
    response = choose("decline", groups=["analytics"])
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Too many requests" in response.content.decode()
    assert ConsentRecord.objects.count() == written


@pytest.mark.django_db
def test_the_limit_is_per_client_address(client, choose):
    for _ in range(limit("consent_choice")):
        choose("accept", groups=["analytics"], REMOTE_ADDR="198.51.100.7")
    response = choose("accept", groups=["analytics"], REMOTE_ADDR="203.0.113.9")
    assert response.status_code == HTTPStatus.FOUND


@pytest.mark.django_db
def test_a_burst_of_beacon_hits_gets_429_and_counts_nothing_more(client, choose):
    choose("accept")
    for _ in range(limit("beacon")):
        client.get(reverse("beacon"), {"route": "home"})
    counted = PageView.objects.count()
    assert counted == limit("beacon")
    response = client.get(reverse("beacon"), {"route": "home"})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert PageView.objects.count() == counted


@pytest.mark.django_db
def test_a_burst_of_age_screen_answers_gets_429_and_writes_nothing_more(client):
    signup = reverse("account_signup")
    for _ in range(limit("age_screen")):
        client.cookies.pop(settings.SESSION_COOKIE_NAME, None)
        response = client.post(signup, {"date_of_birth": years_ago(30).isoformat()})
        assert response.status_code == HTTPStatus.FOUND
    assert AGE_SCREEN_COOKIE in client.cookies
    client.cookies.pop(settings.SESSION_COOKIE_NAME, None)
    # A different answer in a new session would be recorded as a change; past the limit, not.
    response = client.post(signup, {"date_of_birth": years_ago(12).isoformat()})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert not AgeScreenChange.objects.exists()
