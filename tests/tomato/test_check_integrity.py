"""``manage.py check_integrity``: every invariant holds on data the services wrote, and each
one catches a violation written behind the services' back."""

import datetime
from io import StringIO

import pytest
from django.contrib.admin.models import CHANGE
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import AdminAction, ErasureReceipt, StaffAccess, User
from accounts.services import user_erase
from accounts.tasks import MessageData, email_deliver
from consent.integrity import Finding, Invariant
from consent.models import (
    ConsentRecord,
    Disclosure,
    DisclosureSubject,
    PolicyAcceptance,
)
from consent.privacy import subject_hash, subject_hasher
from guardians.models import GuardianRequest, Guardianship
from guardians.services import guardian_request_approve, guardian_request_send
from tests.factories import (
    GuardianFactory,
    GuardianshipFactory,
    PolicyVersionFactory,
    StaffFactory,
    UserFactory,
    court_disclosure,
    history_for,
    years_ago,
)
from tomato import integrity

pytestmark = pytest.mark.django_db


def check(*args):
    """Run the command; its output, and the error it ended with (``None`` when clean)."""
    out = StringIO()
    try:
        call_command("check_integrity", *args, stdout=out)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


def find(name, limit=10):
    [invariant] = [i for i in integrity.INVARIANTS if i.name == name]
    return invariant.find(limit)


@pytest.fixture
def population(settings):
    """A bit of everything, written as the site writes it: members with a history, one
    of them erased, an awaiting teen, an approved teen, a disclosure, queued emails."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    member, leaver = UserFactory(), UserFactory()
    history_for(member, 2)
    history_for(leaver, 2)
    AdminAction.objects.create(
        person=member,
        subject=subject_hash(member.pk),
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(member.pk),
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["Hobbies"]}}]',
        **AdminAction.by(StaffFactory()),
    )
    court_disclosure(people=[member, leaver])
    awaiting = GuardianshipFactory(request=False)
    guardian_request_send(guardianship=awaiting)
    guardian = GuardianFactory()
    approved = GuardianshipFactory(request=False, guardian_email=guardian.email)
    sent = guardian_request_send(guardianship=approved)
    http = RequestFactory().post("/")
    http.user = guardian
    guardian_request_approve(request=http, guardian_request=sent, guardian=guardian)
    # An email about the leaver, queued before they left (their erasure removes it).
    message: MessageData = {"subject": "Hello", "body": "Hi", "from_email": "site@example.com",
               "reply_to": [], "headers": {}, "alternatives": []}  # fmt: skip
    email_deliver.enqueue(to=leaver.email, message=message, about=subject_hash(leaver.pk))
    receipt = user_erase(user_id=leaver.pk, reason="account_deletion", actor=leaver)
    return {
        "member": member,
        "leaver_subject": receipt.subject,
        "awaiting": awaiting,
        "approved": Guardianship.objects.get(pk=approved.pk),
    }


def test_data_written_by_the_services_keeps_every_invariant(population):
    output, error = check()
    assert error is None, output
    assert f"All {len(integrity.INVARIANTS)} invariants hold." in output
    assert output.count("ok      ") == len(integrity.INVARIANTS)


def test_each_app_contributes_invariants_and_every_name_is_unique():
    names = [invariant.name for invariant in integrity.INVARIANTS]
    assert len(names) == len(set(names))
    assert {name.split(".")[0] for name in names} == {"consent", "accounts", "guardians"}


def test_a_check_joined_to_the_list_runs_and_fails_the_command(population, monkeypatch):
    """The extension point: another app's check (the ledgers') joins ``INVARIANTS``."""
    joined = Invariant("ledgers.verify", "Every ledger verifies.", lambda n: Finding(1, ["x"]))
    monkeypatch.setattr(integrity, "INVARIANTS", [*integrity.INVARIANTS, joined])
    output, error = check()
    assert error is not None
    assert error.returncode == 1
    assert "BROKEN  ledgers.verify: 1" in output
    assert "first: x" in output


def test_the_exit_status_is_1_when_an_invariant_is_broken(population):
    ConsentRecord.objects.filter(user=population["member"]).update(subject="0" * 64)
    output, error = check()
    assert error is not None
    assert error.returncode == 1
    assert "consent.keyed_hash" in str(error)
    assert f"consent.ConsentRecord.user:{population['member'].pk}" in output


def test_only_runs_the_named_invariants_and_refuses_unknown_names(population):
    output, error = check("--only", "guardians.links_end_at_16")
    assert error is None
    assert output.count("ok      ") == 1
    _, error = check("--only", "no.such_thing")
    assert error is not None
    assert "no.such_thing" in str(error)


def test_findings_count_every_row_and_list_only_the_first(population):
    records = ConsentRecord.objects.filter(user=population["member"])
    records.update(subject_type="visitor")
    found = find("consent.visitor_records_unlinked", limit=1)
    assert found.count == records.count() > 1
    assert found.examples == [str(records.order_by("pk").first().pk)]


# --- Each invariant catches what bypasses the services -----------------------------------


def _break_consent_hash(p):
    ConsentRecord.objects.filter(user=p["member"]).update(subject=subject_hash(0))
    return f"consent.ConsentRecord.user:{p['member'].pk}"


def _break_acceptance_hash(p):
    row = PolicyAcceptance.objects.filter(user=p["member"]).first()
    PolicyAcceptance.objects.filter(pk=row.pk).update(subject=subject_hash(0))
    return f"consent.PolicyAcceptance.user:{p['member'].pk}"


def _break_disclosure_hash(p):
    DisclosureSubject.objects.filter(user=p["member"]).update(subject="")
    return f"consent.DisclosureSubject.user:{p['member'].pk}"


def _link_visitor_record(p):
    record = ConsentRecord.objects.create(
        user=p["member"], subject_type="visitor", subject="v1", group="analytics",
        action="accept", source="banner",
    )  # fmt: skip
    return str(record.pk)


def _unscrub_erased_record(p):
    record = ConsentRecord.objects.filter(subject=p["leaver_subject"]).first()
    ConsentRecord.objects.filter(pk=record.pk).update(ip_network="192.0.2.0/24")
    return str(record.pk)


def _accept_a_draft(p):
    draft = PolicyVersionFactory(published_at=None)
    row = PolicyAcceptance.objects.filter(user=p["member"]).first()
    PolicyAcceptance.objects.filter(pk=row.pk).update(policy_version=draft)
    return str(row.pk)


def _disclosure_without_people(p):
    disclosure = Disclosure.objects.create(
        recipient="Court", purpose="Order", legal_basis="legal", reference="R-9",
        data_categories="email",
    )  # fmt: skip
    return str(disclosure.pk)


def _change_a_record_in_sql(p):
    record = ConsentRecord.objects.filter(user=p["member"]).order_by("pk").first()
    with connection.cursor() as cursor:
        table = ConsentRecord._meta.db_table
        cursor.execute(f"UPDATE {table} SET action = %s WHERE id = %s", ["decline", record.pk])
    return f"consent.consentrecord:member: row {record.pk}: row hash does not match its content"


def _break_staff_access_hash(p):
    StaffAccess.objects.filter(user=p["member"]).update(subject=p["leaver_subject"])
    return f"accounts.StaffAccess.user:{p['member'].pk}"


def _break_staff_hash(p):
    access = StaffAccess.objects.filter(user=p["member"]).first()
    StaffAccess.objects.filter(pk=access.pk).update(staff_subject="")
    return f"accounts.StaffAccess.staff:{access.staff_id}"


def _break_admin_action_hash(p):
    AdminAction.objects.filter(person=p["member"]).update(subject=subject_hash(0))
    return f"accounts.AdminAction.person:{p['member'].pk}"


def _break_receipt_actor_hash(p):
    guardian = p["approved"].guardian
    receipt = user_erase(user_id=p["awaiting"].teen_id, reason="guardian_decline", actor=guardian)
    ErasureReceipt.objects.filter(pk=receipt.pk).update(actor_subject=subject_hash(0))
    return f"accounts.ErasureReceipt.actor:{guardian.pk}"


def _erased_but_still_there(p):
    ErasureReceipt.objects.create(
        reference="00000000-0000-0000-0000-000000000001",
        subject=subject_hash(p["member"].pk),
        reason="account_deletion",
    )
    return str(p["member"].pk)


def _unscrub_admin_action(p):
    action = AdminAction.objects.get(person=p["member"])
    # The person's link cut without the change message blanked (half an erasure).
    AdminAction.objects.filter(pk=action.pk).update(person=None)
    return str(action.pk)


def _session_of_erased_person(p):
    session = SessionStore()
    session["_auth_user_id"] = "999999"
    session.create()
    return str(session.session_key)[:8]


def _email_about_erased_person(p):
    [task] = DBTaskResult.objects.bulk_create(
        [
            DBTaskResult(
                args_kwargs={
                    "args": [],
                    "kwargs": {"to": "x@example.com", "about": p["leaver_subject"]},
                },
                task_path=email_deliver.module_path,
                backend_name="default",
                run_after=timezone.now(),
            )
        ]
    )
    return str(task.pk)


def _two_pending_requests(p):
    p["awaiting"].requests.create(email="second@example.net", expires_at=timezone.now())
    return str(p["awaiting"].pk)


def _guardianship_never_asked(p):
    p["awaiting"].requests.all().delete()
    return str(p["awaiting"].pk)


def _active_without_approval(p):
    p["approved"].requests.update(status=GuardianRequest.Status.REPLACED)
    return str(p["approved"].pk)


def _active_with_a_pending_request(p):
    p["approved"].requests.create(email="again@example.net", expires_at=timezone.now())
    return str(p["approved"].pk)


def _teen_without_guardianship(p):
    User.objects.filter(pk=p["member"].pk).update(date_of_birth=years_ago(12))
    return str(p["member"].pk)


def _teen_past_16(p):
    User.objects.filter(pk=p["approved"].teen_id).update(date_of_birth=years_ago(16, days=3))
    return str(p["approved"].pk)


def _unapproved_past_deadline(p):
    long_ago = timezone.now() - datetime.timedelta(days=17)
    Guardianship.objects.filter(pk=p["awaiting"].pk).update(created_at=long_ago)
    return str(p["awaiting"].pk)


def _request_past_expiry(p):
    long_ago = timezone.now() - datetime.timedelta(days=3)
    request = p["awaiting"].requests.get()
    GuardianRequest.objects.filter(pk=request.pk).update(expires_at=long_ago)
    return str(request.pk)


BREAKERS = {
    "consent.keyed_hash": [_break_consent_hash, _break_acceptance_hash, _break_disclosure_hash],
    "consent.visitor_records_unlinked": [_link_visitor_record],
    "consent.erased_records_scrubbed": [_unscrub_erased_record],
    "consent.acceptances_of_published_versions": [_accept_a_draft],
    "consent.disclosures_name_people": [_disclosure_without_people],
    "consent.ledgers_verify": [_change_a_record_in_sql],
    "accounts.keyed_hash": [
        _break_staff_access_hash,
        _break_staff_hash,
        _break_admin_action_hash,
        _break_receipt_actor_hash,
    ],
    "accounts.erased_people_gone": [_erased_but_still_there],
    "accounts.erased_admin_actions_scrubbed": [_unscrub_admin_action],
    "accounts.no_sessions_of_erased_people": [_session_of_erased_person],
    "accounts.no_emails_about_erased_people": [_email_about_erased_person],
    "guardians.one_pending_request": [_two_pending_requests],
    "guardians.every_guardianship_asked": [_guardianship_never_asked],
    "guardians.active_approved_by_guardian": [
        _active_without_approval,
        _active_with_a_pending_request,
    ],
    "guardians.under_16_under_guardianship": [_teen_without_guardianship],
    "guardians.links_end_at_16": [_teen_past_16],
    "guardians.unapproved_teens_erased": [_unapproved_past_deadline],
    "guardians.overdue_requests_expired": [_request_past_expiry],
}


def test_every_invariant_has_a_violation_test():
    assert set(BREAKERS) == {invariant.name for invariant in integrity.INVARIANTS}


@pytest.mark.parametrize(
    ("name", "breaker"),
    [(name, breaker) for name, breakers in BREAKERS.items() for breaker in breakers],
    ids=lambda value: value if isinstance(value, str) else value.__name__.lstrip("_"),
)
def test_each_invariant_catches_a_write_that_bypasses_the_services(population, name, breaker):
    assert not find(name)
    offender = breaker(population)
    found = find(name)
    assert offender in found.examples, found
    _, error = check()
    assert error is not None
    assert name in str(error)


def test_a_session_of_a_member_who_still_exists_is_no_violation(population):
    session = SessionStore()
    session["_auth_user_id"] = str(population["member"].pk)
    session.create()
    assert not find("accounts.no_sessions_of_erased_people")


def test_an_erased_members_rows_are_found_by_raw_sql_too(population):
    """A write in plain SQL, as a migration or a hand fix would make it."""
    table = ConsentRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET user_agent = %s WHERE subject = %s",  # noqa: S608
            ["Browser", population["leaver_subject"]],
        )
    assert (
        find("consent.erased_records_scrubbed").count
        == ConsentRecord.objects.filter(subject=population["leaver_subject"]).count()
    )


@pytest.mark.parametrize("user_id", [1, 42, 10**9])
def test_the_checks_hasher_gives_the_keyed_hash_of_the_records(user_id):
    assert subject_hasher()(user_id) == subject_hash(user_id)
