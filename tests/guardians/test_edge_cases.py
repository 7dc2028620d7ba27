"""Edge cases of the guardian workflow: erased guardians, races, policy coverage."""

import datetime

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import User
from accounts.services import user_erase
from consent.models import PolicyAcceptance
from guardians.models import GuardianRequest, Guardianship
from guardians.services import (
    guardian_request_approve,
    guardian_request_decline,
    guardians_run_schedule,
)
from guardians.tokens import LinkError
from tests.factories import (
    GuardianFactory,
    GuardianshipFactory,
    PolicyVersionFactory,
    StaffFactory,
    approved_guardianship,
)


def post_as(user):
    request = RequestFactory().post("/")
    request.user = user
    return request


@pytest.mark.django_db
def test_a_ward_whose_guardian_is_erased_waits_again_and_is_not_expired_at_once():
    ward = approved_guardianship(created_at=timezone.now() - datetime.timedelta(days=60))
    user_erase(user_id=ward.guardian.pk, reason="account_deletion")
    ward.refresh_from_db()
    assert ward.status == "awaiting"
    assert timezone.now() - ward.created_at < datetime.timedelta(minutes=1)
    assert guardians_run_schedule().teens_erased == 0
    assert User.objects.filter(pk=ward.teen_id).exists()


@pytest.mark.django_db
def test_an_invitation_to_an_erased_person_loses_their_address():
    invitation = GuardianshipFactory(guardian_email="gone@example.net")
    invited = GuardianFactory(email="gone@example.net")
    user_erase(user_id=invited.pk, reason="account_deletion")
    invitation.refresh_from_db()
    assert invitation.guardian_email == ""
    request = invitation.requests.get()
    assert (request.email, request.status) == ("", "expired")


@pytest.mark.django_db
def test_admin_log_entries_about_the_persons_rows_are_erased():
    ward = approved_guardianship()
    staff = StaffFactory()
    LogEntry.objects.create(
        user=staff, content_type=ContentType.objects.get_for_model(Guardianship),
        object_id=str(ward.pk), object_repr=str(ward), action_flag=CHANGE, change_message="[]",
    )  # fmt: skip
    user_erase(user_id=ward.teen.pk, reason="guardian_deletion")
    assert not LogEntry.objects.filter(object_repr__contains=ward.teen.username).exists()


@pytest.mark.django_db
class TestRaces:
    def test_an_answered_request_cannot_be_answered_again(self):
        ward = GuardianshipFactory(guardian_email="mum@example.net")
        guardian = GuardianFactory(email="mum@example.net")
        stale = ward.requests.get()
        guardian_request_approve(
            request=post_as(guardian), guardian_request=stale, guardian=guardian
        )
        with pytest.raises(LinkError):
            guardian_request_decline(
                request=post_as(guardian), guardian_request=stale, guardian=guardian
            )
        assert User.objects.filter(pk=ward.teen_id).exists()

    def test_a_replaced_request_cannot_approve(self):
        from guardians.services import guardian_request_send

        ward = GuardianshipFactory(guardian_email="mum@example.net")
        guardian = GuardianFactory(email="mum@example.net")
        stale = ward.requests.get()
        guardian_request_send(guardianship=ward)
        with pytest.raises(LinkError):
            guardian_request_approve(
                request=post_as(guardian), guardian_request=stale, guardian=guardian
            )
        ward.refresh_from_db()
        assert ward.status == "awaiting"
        assert ward.requests.filter(status=GuardianRequest.Status.PENDING).count() == 1


@pytest.mark.django_db
def test_approval_covers_the_policy_for_the_teen(client):
    update = PolicyVersionFactory(version="2.0", is_material=True)
    ward = GuardianshipFactory(guardian_email="mum@example.net")
    guardian = GuardianFactory(email="mum@example.net")
    PolicyAcceptance.objects.record(user=guardian, version=update, source="update")
    guardian_request_approve(
        request=post_as(guardian), guardian_request=ward.requests.get(), guardian=guardian
    )
    assert PolicyAcceptance.objects.covers(user=ward.teen, version=update)
    client.force_login(ward.teen)
    assert client.get("/me/").status_code == 200
