"""A guardian's answer racing another answer, and the schedule's expiry, on PostgreSQL.

Each contender has its own thread and connection; ``tests.races`` holds the first one
inside its transaction so that the second meets it there. Exactly one outcome wins,
by row locks, and the data agree with it afterwards.
"""

import datetime
from http import HTTPStatus

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import ErasureReceipt, User
from consent.models import ConsentRecord, ConsentSource, PolicyAcceptance
from consent.privacy import subject_hash
from guardians.models import GuardianDecision, GuardianRequest, Guardianship
from guardians.services import guardians_run_schedule
from guardians.tokens import make_token
from tests.factories import GuardianFactory, GuardianshipFactory
from tests.races import ON_POSTGRESQL, Hold, race

pytestmark = ON_POSTGRESQL

DAY = datetime.timedelta(days=1)
APPROVE, DECLINE = "approve", "decline"


@pytest.fixture
def asked():
    """A teen waiting for their guardian, and the guardian's account at the invited address."""
    guardianship = GuardianshipFactory()
    guardian = GuardianFactory(email=guardianship.guardian_email)
    return guardianship, guardian


def answering(guardianship, guardian, decision):
    """The guardian's answer through the emailed link, from a browser of its own."""
    client = Client()
    client.force_login(guardian)
    link = reverse("guardians:consent", kwargs={"token": make_token(guardianship.requests.get())})
    return lambda: client.post(link, {"decision": decision})


def account_decisions(teen_id):
    return list(
        ConsentRecord.objects.filter(
            subject=subject_hash(teen_id), group=GuardianDecision.ACCOUNT
        ).values_list("action", "source")
    )


def assert_approved_once(guardianship, guardian):
    teen = guardianship.teen
    guardianship.refresh_from_db()
    assert (guardianship.status, guardianship.guardian) == ("active", guardian)
    assert list(GuardianRequest.objects.values_list("status", "guardian")) == [
        ("approved", guardian.pk)
    ]
    assert account_decisions(teen.pk) == [("accept", ConsentSource.GUARDIAN)]
    acceptances = PolicyAcceptance.objects.filter(user=teen, source="guardian")
    assert acceptances.count() == acceptances.values("policy_version").distinct().count() >= 1
    assert not ErasureReceipt.objects.exists()


def assert_declined_once(teen_id):
    assert not User.objects.filter(pk=teen_id).exists()
    assert not Guardianship.objects.exists()
    assert not GuardianRequest.objects.exists()
    assert list(ErasureReceipt.objects.values_list("reason", flat=True)) == ["guardian_decline"]
    assert account_decisions(teen_id) == [("decline", ConsentSource.GUARDIAN)]
    assert not ConsentRecord.objects.filter(user__isnull=False, subject=subject_hash(teen_id))


def test_two_approvals_of_one_request_approve_once(asked, monkeypatch, mailoutbox):
    """A double click, or two tabs: the second answer waits for the first and finds the
    link used."""
    guardianship, guardian = asked
    hold = Hold().after(monkeypatch, "guardians.services.record_guardian_decision")
    result = race(
        hold,
        answering(guardianship, guardian, APPROVE),
        answering(guardianship, guardian, APPROVE),
    )
    won, lost = result.first.outcome(), result.second.outcome()
    assert result.second_waited
    assert won.status_code == HTTPStatus.FOUND
    assert won["Location"] == reverse("guardians:ward", kwargs={"pk": guardianship.pk})
    assert lost.status_code == HTTPStatus.GONE
    assert_approved_once(guardianship, guardian)
    assert [m.to for m in mailoutbox if m.to == [guardianship.teen.email]] == [
        [guardianship.teen.email]
    ]


@pytest.mark.parametrize(("first", "second"), [(APPROVE, DECLINE), (DECLINE, APPROVE)])
def test_approve_and_decline_at_once_one_wins(asked, monkeypatch, first, second):
    guardianship, guardian = asked
    teen_id = guardianship.teen_id
    hold = Hold().after(monkeypatch, "guardians.services.record_guardian_decision")
    result = race(
        hold,
        answering(guardianship, guardian, first),
        answering(guardianship, guardian, second),
    )
    won, lost = result.first.outcome(), result.second.outcome()
    assert result.second_waited
    assert won.status_code == HTTPStatus.FOUND
    assert lost.status_code == HTTPStatus.GONE
    if first == APPROVE:
        assert_approved_once(guardianship, guardian)
    else:
        assert_declined_once(teen_id)


# --- The schedule's expiry against the guardian's approval -----------------------------


@pytest.fixture
def late(asked):
    """Fourteen days without approval, but the teen sent a new request a few days ago: the
    guardian can still answer it when the schedule comes for the teen."""
    guardianship, guardian = asked
    Guardianship.objects.filter(pk=guardianship.pk).update(created_at=timezone.now() - 15 * DAY)
    return guardianship, guardian


def the_schedule(hold=None):
    def run():
        if hold is None:
            return guardians_run_schedule()
        # Held right after reading who is late (a plain read, not a lock).
        reading = hold.after_query(
            lambda sql: (
                'FROM "guardians_guardianship"' in sql
                and sql.startswith("SELECT")
                and "FOR UPDATE" not in sql
            )
        )
        with connection.execute_wrapper(reading):
            return guardians_run_schedule()

    return run


def test_an_approval_between_the_schedules_read_and_its_erasure_wins(late):
    """The schedule reads who is late, then the guardian approves: the schedule must not
    erase a teen who is approved by the time it comes to them."""
    guardianship, guardian = late
    hold = Hold()
    result = race(hold, the_schedule(hold), answering(guardianship, guardian, APPROVE))
    report, approval = result.first.outcome(), result.second.outcome()
    assert approval.status_code == HTTPStatus.FOUND
    assert report.teens_erased == 0
    assert User.objects.filter(pk=guardianship.teen_id).exists()
    assert_approved_once(guardianship, guardian)


def test_the_schedule_waits_for_an_approval_under_way_and_spares_the_teen(late, monkeypatch):
    guardianship, guardian = late
    hold = Hold().after(monkeypatch, "guardians.services.record_guardian_decision")
    result = race(hold, answering(guardianship, guardian, APPROVE), the_schedule())
    approval, report = result.first.outcome(), result.second.outcome()
    assert result.second_waited
    assert approval.status_code == HTTPStatus.FOUND
    assert report.teens_erased == 0
    assert_approved_once(guardianship, guardian)


def test_an_approval_after_the_schedule_took_the_teen_finds_the_link_used(late, monkeypatch):
    """The schedule is erasing the teen: the guardian's approval waits, then finds nothing
    left to approve, and says so."""
    guardianship, guardian = late
    teen_id = guardianship.teen_id
    hold = Hold().after(monkeypatch, "accounts.services._rate_limit_keys")
    result = race(hold, the_schedule(), answering(guardianship, guardian, APPROVE))
    report, approval = result.first.outcome(), result.second.outcome()
    assert result.second_waited
    assert report.teens_erased == 1
    assert approval.status_code == HTTPStatus.GONE
    assert not User.objects.filter(pk=teen_id).exists()
    assert not Guardianship.objects.exists()
    assert not GuardianRequest.objects.exists()
    assert list(ErasureReceipt.objects.values_list("reason", flat=True)) == ["expiry"]
    assert account_decisions(teen_id) == []
