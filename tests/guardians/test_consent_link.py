"""The guardian's emailed link: who may answer, and what approve and decline do."""

import datetime
from http import HTTPStatus
from urllib.parse import quote

import pytest
from allauth.account.models import EmailAddress
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from accounts.models import ErasureReceipt, User
from consent.models import ConsentRecord
from consent.privacy import subject_hash
from guardians.models import GuardianRequest
from guardians.tokens import SALT, make_token
from tests.factories import GuardianFactory, GuardianshipFactory, UserFactory, years_ago


@pytest.fixture
def guardianship(db):
    return GuardianshipFactory(guardian_email="mum@example.net")


@pytest.fixture
def link(guardianship):
    return reverse("guardians:consent", kwargs={"token": make_token(guardianship.requests.get())})


@pytest.fixture
def guardian(guardianship):
    return GuardianFactory(email="mum@example.net")


@pytest.mark.django_db
class TestLandingPage:
    def test_explains_who_asks_what_is_kept_and_links_the_policy(self, client, guardianship, link):
        page = client.get(link).content.decode()
        assert guardianship.teen.username in page
        assert "What we keep, and why" in page
        assert "date of birth" in page
        assert 'href="/privacy/"' in page
        assert f'href="/accounts/login/?next={quote(link)}"' in page
        assert f'href="/accounts/signup/?next={quote(link)}"' in page
        assert 'value="approve"' not in page

    def test_the_invited_guardian_sees_approve_and_decline(self, client, guardian, link):
        client.force_login(guardian)
        page = client.get(link).content.decode()
        assert '<button type="submit" name="decision" value="approve">Approve</button>' in page
        assert 'value="decline" class="button--secondary">Decline</button>' in page

    @pytest.mark.parametrize(
        ("token", "status", "message"),
        [
            ("not-a-token", HTTPStatus.BAD_REQUEST, "This link is not valid"),
            (
                signing.dumps({"r": 999999, "n": "x"}, salt=SALT),
                HTTPStatus.BAD_REQUEST,
                "not valid",
            ),
            (
                signing.dumps({"r": 1, "n": "x"}, salt="another-salt"),
                HTTPStatus.BAD_REQUEST,
                "not valid",
            ),
        ],
    )
    def test_tampered_links_are_refused(self, client, guardianship, token, status, message):
        response = client.get(reverse("guardians:consent", kwargs={"token": token}))
        assert response.status_code == status
        assert message in response.content.decode()

    def test_an_expired_link_is_refused_and_changes_nothing(
        self, client, guardian, guardianship, link
    ):
        guardianship.requests.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
        client.force_login(guardian)
        response = client.post(link, {"decision": "approve"})
        assert response.status_code == HTTPStatus.GONE
        assert "has expired" in response.content.decode()
        guardianship.refresh_from_db()
        assert guardianship.status == "awaiting"

    def test_a_replaced_link_is_refused(self, client, guardianship, link):
        from guardians.services import guardian_request_send

        guardian_request_send(guardianship=guardianship)
        response = client.get(link)
        assert response.status_code == HTTPStatus.GONE
        assert "already been used" in response.content.decode()

    def test_someone_elses_account_cannot_answer(self, client, guardianship, link):
        client.force_login(GuardianFactory(email="stranger@example.net"))
        response = client.post(link, {"decision": "approve"})
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert "sent to another email address" in response.content.decode()
        guardianship.refresh_from_db()
        assert guardianship.status == "awaiting"

    def test_the_invited_address_must_be_verified(self, client, guardianship, link):
        guardian = GuardianFactory(email="mum@example.net")
        EmailAddress.objects.filter(user=guardian).update(verified=False)
        client.force_login(guardian)
        assert client.post(link, {"decision": "approve"}).status_code == HTTPStatus.FORBIDDEN

    def test_guardians_must_be_18_or_older(self, client, guardianship, link):
        client.force_login(UserFactory(email="mum@example.net", date_of_birth=years_ago(17)))
        response = client.post(link, {"decision": "approve"})
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert "must be 18 or older" in response.content.decode()

    def test_the_teen_cannot_answer_for_themselves(self, client, guardianship, link):
        client.force_login(guardianship.teen)
        assert client.get(link).status_code == HTTPStatus.FOUND  # cabined: sent to waiting

    def test_an_unknown_decision_is_refused(self, client, guardian, guardianship, link):
        client.force_login(guardian)
        response = client.post(link, {"decision": "maybe"})
        assert response.status_code == HTTPStatus.BAD_REQUEST
        guardianship.refresh_from_db()
        assert guardianship.status == "awaiting"


@pytest.mark.django_db
class TestDecisions:
    def test_approve_activates_the_account_with_both_switches_off(
        self, client, guardian, guardianship, link, mailoutbox, django_capture_on_commit_callbacks
    ):
        client.force_login(guardian)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(link, {"decision": "approve"})
        assert response["Location"] == reverse("guardians:ward", kwargs={"pk": guardianship.pk})
        guardianship.refresh_from_db()
        assert guardianship.status == "active"
        assert guardianship.guardian == guardian
        assert not guardianship.allow_optional_fields
        assert not guardianship.allow_personalisation
        request = guardianship.requests.get()
        assert (request.status, request.guardian) == ("approved", guardian)
        record = ConsentRecord.objects.get()
        assert (record.group, record.action, record.source) == ("account", "accept", "guardian")
        assert record.user == guardianship.teen
        assert mailoutbox[-1].to == [guardianship.teen.email]
        assert "approved" in mailoutbox[-1].subject

    def test_a_link_works_once(self, client, guardian, guardianship, link):
        client.force_login(guardian)
        client.post(link, {"decision": "approve"})
        response = client.post(link, {"decision": "decline"})
        assert response.status_code == HTTPStatus.GONE
        assert User.objects.filter(pk=guardianship.teen_id).exists()

    def test_decline_erases_the_teen_at_once_and_tells_them(
        self, client, guardian, guardianship, link, mailoutbox, django_capture_on_commit_callbacks
    ):
        teen = guardianship.teen
        client.force_login(guardian)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(link, {"decision": "decline"})
        assert response["Location"] == reverse("guardians:portal")
        assert not User.objects.filter(pk=teen.pk).exists()
        assert not GuardianRequest.objects.exists()
        receipt = ErasureReceipt.objects.get()
        assert receipt.reason == "guardian_decline"
        assert mailoutbox[-1].to == [teen.email]
        record = ConsentRecord.objects.get()
        assert (record.user, record.subject, record.action) == (
            None,
            subject_hash(teen.pk),
            "decline",
        )
