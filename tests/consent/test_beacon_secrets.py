"""The beacon counts pages by their name: no token or key from a URL reaches the database."""

from http import HTTPStatus

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.urls import reverse

from consent.models import PageView
from guardians.tokens import make_token
from tests.factories import GuardianshipFactory, UserFactory, approved_guardianship
from tests.scan import rows_mentioning

BEACON = "data-beacon"


@pytest.fixture
def secret_pages(db):
    """Each page reached by a secret in its URL, with the secret."""
    waiting = GuardianshipFactory()
    guardian_token = make_token(waiting.requests.get())
    member = UserFactory(verified_email=False)
    address = EmailAddress.objects.create(user=member, email=member.email, primary=True)
    confirm_key = EmailConfirmationHMAC(address).key
    reset_key = default_token_generator.make_token(member)
    return [
        (reverse("guardians:consent", kwargs={"token": guardian_token}), guardian_token),
        (reverse("account_confirm_email", kwargs={"key": confirm_key}), confirm_key),
        (
            reverse(
                "account_reset_password_from_key",
                kwargs={"uidb36": user_pk_to_url_str(member), "key": reset_key},
            ),
            reset_key,
        ),
    ]


@pytest.mark.django_db
def test_pages_with_a_secret_in_their_url_have_no_beacon_and_leave_no_trace(
    client, choose, secret_pages
):
    choose("accept")
    for url, secret in secret_pages:
        response = client.get(url, follow=True)
        assert response.status_code == HTTPStatus.OK, url
        assert BEACON not in response.content.decode(), url
        # What a forged beacon request could send from such a page is refused.
        assert client.get(reverse("beacon"), {"route": url}).status_code == HTTPStatus.BAD_REQUEST
        assert rows_mentioning(secret) == [], url
    assert not PageView.objects.exists()


@pytest.mark.django_db
def test_the_beacon_on_a_page_names_the_page_not_its_path(client, choose):
    ward = approved_guardianship()
    choose("accept")
    client.force_login(ward.guardian)
    page = client.get(reverse("guardians:ward", kwargs={"pk": ward.pk})).content.decode()
    assert f'{reverse("beacon")}?route=guardians%3Award"' in page
    client.get(reverse("beacon"), {"route": "guardians:ward"})
    assert list(PageView.objects.values_list("route", flat=True)) == ["guardians:ward"]
