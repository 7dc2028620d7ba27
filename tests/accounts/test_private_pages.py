"""Pages that show a person's data are never kept by a browser's or a proxy's cache."""

from http import HTTPStatus

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.urls import URLPattern, get_resolver, reverse

from guardians.tokens import make_token
from tests.factories import PASSWORD, GuardianshipFactory, UserFactory, approved_guardianship

#: A consent receipt's id that is nobody's: its page answers 404, which is not stored either.
NO_RECEIPT = "00000000-0000-5000-8000-000000000000"


def no_store(response):
    return "no-store" in response.get("Cache-Control", "")


def named_urls(namespace, **values):
    """Every named URL of a namespace, from the URL configuration, with its arguments."""
    _prefix, resolver = get_resolver().namespace_dict[namespace]
    return [
        reverse(
            f"{namespace}:{pattern.name}", kwargs={k: values[k] for k in pattern.pattern.converters}
        )
        for pattern in resolver.url_patterns
        if isinstance(pattern, URLPattern) and pattern.name
    ]


@pytest.mark.django_db
def test_every_page_of_my_account_is_not_stored(client):
    member = UserFactory()
    client.post(reverse("account_login"), {"login": member.username, "password": PASSWORD})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    urls = named_urls("accounts", receipt_id=NO_RECEIPT)
    urls += [reverse(name) for name in ("account_email", "mfa_index", "usersessions_list")]
    urls += [reverse("account_change_password"), reverse("home"), reverse("policy")]
    checked = 0
    for url in urls:
        response = client.get(url)
        if response.status_code == HTTPStatus.METHOD_NOT_ALLOWED:
            continue
        assert no_store(response), url
        checked += 1
    assert checked >= 10


@pytest.mark.django_db
def test_every_page_of_the_guardian_portal_is_not_stored(client):
    ward = approved_guardianship()
    client.force_login(ward.guardian)
    checked = 0
    for url in named_urls("guardians", pk=ward.pk, token="x", receipt_id=NO_RECEIPT):
        response = client.get(url)
        if response.status_code in (HTTPStatus.METHOD_NOT_ALLOWED, HTTPStatus.BAD_REQUEST):
            continue
        assert no_store(response), url
        checked += 1
    assert checked >= 4


@pytest.mark.django_db
def test_a_teen_waiting_for_their_guardian_gets_pages_that_are_not_stored(client):
    waiting = GuardianshipFactory()
    client.force_login(waiting.teen)
    response = client.get(reverse("guardians:waiting"))
    assert response.status_code == HTTPStatus.OK
    assert no_store(response)


@pytest.mark.django_db
def test_pages_reached_by_an_emailed_key_are_not_stored(client):
    waiting = GuardianshipFactory()
    guardian_link = reverse(
        "guardians:consent", kwargs={"token": make_token(waiting.requests.get())}
    )
    member = UserFactory(verified_email=False)
    address = EmailAddress.objects.create(user=member, email=member.email, primary=True)
    confirm_link = reverse(
        "account_confirm_email", kwargs={"key": EmailConfirmationHMAC(address).key}
    )
    reset_link = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(member),
            "key": default_token_generator.make_token(member),
        },
    )
    for url in (guardian_link, confirm_link, reset_link):
        response = client.get(url, follow=True)
        assert response.status_code == HTTPStatus.OK, url
        assert no_store(response), url


@pytest.mark.django_db
def test_public_pages_for_anonymous_visitors_may_be_cached(client):
    response = client.get(reverse("policy"))
    assert not no_store(response)
