"""Decisions the site takes for a member on the server (Global Privacy Control, the
account's stored choices) write nothing for a member erased while the request ran: the
member's row is locked first, as their erasure locks it (``accounts.services.user_lock``)."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from accounts.models import ErasureReceipt
from accounts.services import user_erase
from consent.models import AccountCookieChoice, ConsentRecord
from consent.services import account_choices_apply, consent_records_write_server
from consent.state import ANALYTICS, consent_of
from tests.factories import UserFactory


def request_of(member, **headers):
    request = RequestFactory().get("/", **headers)
    request.user = member
    request.session = SessionStore()
    return request


@pytest.mark.django_db
def test_a_gpc_decline_is_not_recorded_for_a_member_erased_meanwhile():
    member = UserFactory()
    request = request_of(member, HTTP_SEC_GPC="1")
    state = consent_of(request)
    state.decide(ANALYTICS, False, source="gpc")
    user_erase(user_id=member.pk, reason=ErasureReceipt.Reason.ACCOUNT_DELETION)

    consent_records_write_server(request=request, state=state)

    assert not ConsentRecord.objects.filter(user_id=member.pk).exists()


@pytest.mark.django_db
def test_a_gpc_decline_is_recorded_for_a_member_still_here():
    member = UserFactory()
    request = request_of(member, HTTP_SEC_GPC="1")
    state = consent_of(request)
    state.decide(ANALYTICS, False, source="gpc")

    consent_records_write_server(request=request, state=state)

    assert ConsentRecord.objects.filter(user=member, group=ANALYTICS, action="decline").exists()


@pytest.mark.django_db
def test_the_devices_choices_are_not_stored_on_a_member_erased_meanwhile():
    member = UserFactory()
    request = request_of(member, HTTP_COOKIE="cookie_consent=analytics=-1")
    consent_of(request)
    user_erase(user_id=member.pk, reason=ErasureReceipt.Reason.ACCOUNT_DELETION)

    account_choices_apply(request=request, user=member)

    assert not AccountCookieChoice.objects.filter(user_id=member.pk).exists()
