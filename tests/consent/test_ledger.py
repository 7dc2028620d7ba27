"""The ledgers are hash-chained (consent.ledger): a change made behind the site's back is
found by `manage.py verify_ledger`; what the site itself does (appending, erasing, pruning)
keeps every chain whole."""

import threading
from importlib import import_module

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ErasureReceipt, StaffAccess
from accounts.services import user_erase
from consent.ledger import LedgerError, LedgerHead, chains, row_hash, verify_ledgers
from consent.management.commands import prune_consent_records
from consent.models import (
    ConsentRecord,
    Disclosure,
    DisclosureSubject,
    PolicyAcceptance,
    PolicyVersion,
)
from consent.privacy import subject_hash
from tests.factories import (
    StaffFactory,
    UserFactory,
    court_disclosure,
    history_for,
    member_record,
    visitor_records,
)

#: Each chain, its model and a chained column to change behind the site's back.
CHAINS = {
    "consent.consentrecord:member": (ConsentRecord, "group"),
    "consent.consentrecord:visitor": (ConsentRecord, "group"),
    "consent.policyacceptance": (PolicyAcceptance, "source"),
    "consent.disclosure": (Disclosure, "purpose"),
    "consent.disclosuresubject": (DisclosureSubject, "subject"),
    "accounts.staffaccess": (StaffAccess, "view"),
    "accounts.erasurereceipt": (ErasureReceipt, "reason"),
}


@pytest.fixture
def ledgers(db):
    """Three rows in every chain, written as the site writes them."""
    member, staff = UserFactory(), StaffFactory()
    version = PolicyVersion.objects.get(version="1.0")
    ConsentRecord.objects.bulk_create(member_record(member) for _ in range(3))
    visitor_records(3)
    for _ in range(3):
        PolicyAcceptance.objects.record(user=member, version=version, source="signup")
        court_disclosure(people=[member])
        StaffAccess.objects.create(
            user=member, subject=subject_hash(member.pk), what="accounts.user", view="change",
            **StaffAccess.by(staff),
        )  # fmt: skip
        user_erase(user_id=UserFactory().pk, reason="account_deletion", actor=staff)
    return {"member": member, "staff": staff}


def rows_of(chain):
    model = chains()[chain]
    return list(model.ledger.rows_of(model, chain).order_by("pk").values_list("pk", flat=True))


def run_sql(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def delete_in_sql(model, where, params):
    """Delete rows in SQL (a disclosure's people first: the database holds them to it)."""
    if model is Disclosure:
        run_sql(f"DELETE FROM consent_disclosuresubject WHERE disclosure_{where}", params)
    run_sql(f"DELETE FROM {model._meta.db_table} WHERE {where}", params)


def verify(*names):
    """`verify_ledger`'s exit status and what it printed."""
    from io import StringIO

    out, err = StringIO(), StringIO()
    options = [f"--ledger={name}" for name in names]
    try:
        call_command("verify_ledger", *options, stdout=out, stderr=err)
    except SystemExit as exit:
        return exit.code, out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


def test_every_ledger_is_chained_and_verifies(ledgers):
    assert set(chains()) == set(CHAINS)
    status, output = verify()
    assert status == 0, output
    for chain in CHAINS:
        assert len(rows_of(chain)) >= 3, chain
        assert f"{chain}: intact (last row {rows_of(chain)[-1]}, hash " in output


@pytest.mark.parametrize(("chain", "model", "column"), [(c, *v) for c, v in CHAINS.items()])
def test_an_update_in_sql_of_a_chained_column_is_found(ledgers, chain, model, column):
    middle = rows_of(chain)[1]
    table, quoted = model._meta.db_table, connection.ops.quote_name(column)
    run_sql(f"UPDATE {table} SET {quoted} = %s WHERE id = %s", ["tampered", middle])
    status, output = verify()
    assert status == 1
    assert f"Broken: {chain}: row {middle}: row hash does not match its content" in output


@pytest.mark.parametrize(("chain", "model", "column"), [(c, *v) for c, v in CHAINS.items()])
def test_a_delete_in_sql_of_a_middle_row_is_found(ledgers, chain, model, column):
    first, middle, last = rows_of(chain)[-3:]
    delete_in_sql(model, "id = %s", [middle])
    status, output = verify(chain)
    assert status == 1
    assert f"Broken: {chain}: row {last}: previous hash does not match row {first}" in output


@pytest.mark.parametrize(("chain", "model", "column"), [(c, *v) for c, v in CHAINS.items()])
def test_a_delete_in_sql_of_the_last_rows_is_found(ledgers, chain, model, column):
    *kept, before_last, last = rows_of(chain)
    delete_in_sql(model, "id >= %s", [before_last])
    status, output = verify(chain)
    assert status == 1
    assert (
        f"Broken: {chain}: row {kept[-1]}: the chain ends at row {kept[-1]} but its head "
        f"names row {last}: rows at its end were deleted"
    ) in output


def test_a_row_hash_rewritten_to_match_its_changed_content_breaks_the_next_link(ledgers):
    first, middle, last = rows_of("consent.policyacceptance")[-3:]
    row = PolicyAcceptance.objects.get(pk=middle)
    content = PolicyAcceptance.ledger.content_of(row) | {"source": "update"}
    forged = row_hash("consent.policyacceptance", row.prev_hash, content)
    run_sql(
        "UPDATE consent_policyacceptance SET source = 'update', row_hash = %s WHERE id = %s",
        [forged, middle],
    )
    status, output = verify("consent.policyacceptance")
    assert status == 1
    assert f"row {last}: previous hash does not match row {middle}" in output


def test_a_row_added_in_sql_is_found(ledgers):
    last = ConsentRecord.objects.filter(subject_type="visitor").latest("pk")
    run_sql(
        'INSERT INTO consent_consentrecord (subject_type, subject, "group", action, '
        "group_version, policy_version, source, created_at, ip_network, user_agent, "
        "prev_hash, row_hash) VALUES ('visitor', 'forged', 'analytics', 'accept', '', '', "
        "'banner', %s, '', '', %s, %s)",
        [timezone.now(), last.row_hash, "0" * 64],
    )
    status, output = verify("consent.consentrecord")
    assert status == 1
    assert "Broken: consent.consentrecord:visitor: row " in output
    assert "consent.consentrecord:member" not in output


def test_only_the_broken_chains_are_reported_and_the_others_hold(ledgers):
    run_sql("UPDATE consent_disclosure SET purpose = 'hidden' WHERE id = %s", [
        rows_of("consent.disclosure")[0]
    ])  # fmt: skip
    assert [found.chain for found in verify_ledgers()] == ["consent.disclosure"]
    assert verify_ledgers(["accounts.staffaccess", "consent.consentrecord"]) == []


def test_an_erasure_keeps_every_chain_whole(ledgers):
    member, staff = ledgers["member"], ledgers["staff"]
    history_for(member, 2)
    officer = StaffFactory()
    user_erase(user_id=member.pk, reason="staff_erasure", actor=officer)
    user_erase(user_id=staff.pk, reason="account_deletion")
    user_erase(user_id=officer.pk, reason="account_deletion")

    assert verify_ledgers() == []
    # The erasure did reach the chained rows: links cut, the network and browser blanked.
    subject = subject_hash(member.pk)
    records = ConsentRecord.objects.filter(subject=subject)
    assert records.exists()
    assert not records.filter(user__isnull=False).exists()
    assert set(records.values_list("ip_network", "user_agent")) == {("", "")}
    assert not StaffAccess.objects.filter(staff_subject=subject_hash(staff.pk), staff__isnull=False)
    assert not ErasureReceipt.objects.filter(actor__isnull=False).exists()
    assert not DisclosureSubject.objects.filter(user__isnull=False).exists()


def test_the_prune_of_anonymous_records_reanchors_their_chain(ledgers, monkeypatch):
    monkeypatch.setattr(prune_consent_records, "BATCH_SIZE", 2)
    run_sql("DELETE FROM consent_consentrecord WHERE subject_type = 'visitor'")
    LedgerHead.objects.filter(pk="consent.consentrecord:visitor").update(
        last_id=None, last_hash="", anchor_id=0, anchor_hash=""
    )
    expired = visitor_records(5, days_ago=400)
    kept = visitor_records(2, days_ago=10)
    # Written with an older time than the one before it: kept until that one goes.
    late = visitor_records(1, days_ago=400)
    head_before = LedgerHead.objects.get(pk="consent.consentrecord:visitor")

    call_command("prune_consent_records", "--days", "395")

    assert rows_of("consent.consentrecord:visitor") == [row.pk for row in kept + late]
    head = LedgerHead.objects.get(pk="consent.consentrecord:visitor")
    assert (head.anchor_id, head.anchor_hash) == (expired[-1].pk, expired[-1].row_hash)
    assert (head.last_id, head.last_hash) == (head_before.last_id, head_before.last_hash)
    assert verify_ledgers() == []
    # Pruning again deletes nothing more; appending goes on from the same head.
    call_command("prune_consent_records", "--days", "395")
    visitor_records(1)
    assert verify_ledgers() == []
    # The new anchor holds the chain's start: its first row deleted in SQL is found.
    run_sql("DELETE FROM consent_consentrecord WHERE id = %s", [kept[0].pk])
    (found,) = verify_ledgers(["consent.consentrecord:visitor"])
    assert (found.row_id, found.problem.split(" (")[0]) == (
        kept[1].pk,
        "previous hash does not match the chain's anchor",
    )


def test_a_chain_pruned_to_nothing_still_verifies_and_goes_on(db):
    visitor_records(3, days_ago=400)
    call_command("prune_consent_records", "--days", "395")
    assert not ConsentRecord.objects.filter(subject_type="visitor").exists()
    assert verify_ledgers(["consent.consentrecord:visitor"]) == []
    visitor_records(1)
    assert verify_ledgers(["consent.consentrecord:visitor"]) == []


def test_an_append_costs_one_read_of_its_chains_head_and_one_update_of_it(member):
    ConsentRecord.objects.bulk_create([member_record(member)])  # the head exists
    rows = [member_record(member, group=group) for group in ("analytics", "preferences", "x")]
    with CaptureQueriesContext(connection) as captured:
        ConsentRecord.objects.bulk_create(rows)
    read, insert, update = (query["sql"] for query in captured)
    assert read.startswith("SELECT")
    assert "consent_ledgerhead" in read
    assert ("FOR UPDATE" in read) is connection.features.has_select_for_update
    assert insert.startswith("INSERT INTO")
    assert "consent_consentrecord" in insert
    assert update.startswith("UPDATE")
    assert "consent_ledgerhead" in update
    # In order, each naming the one before it.
    assert [row.prev_hash for row in rows[1:]] == [row.row_hash for row in rows[:-1]]
    assert verify_ledgers() == []


def test_a_ledger_row_is_appended_never_saved(member):
    with pytest.raises(LedgerError):
        member_record(member).save()
    (record,) = ConsentRecord.objects.bulk_create([member_record(member)])
    record.group = "preferences"
    with pytest.raises(LedgerError):
        record.save()
    with pytest.raises(LedgerError):
        ConsentRecord.objects.bulk_create([record])
    assert ConsentRecord.objects.get().group == "analytics"


def test_the_migrations_chain_existing_rows_as_the_site_does(ledgers):
    """The migrations' frozen copy of the encoding gives the hashes the site gives."""
    appended = {
        chain: list(
            model.ledger.rows_of(model, chain).order_by("pk").values_list("prev_hash", "row_hash")
        )
        for chain, model in chains().items()
    }
    for model in set(chains().values()):
        model._default_manager.update(prev_hash="", row_hash="")
    LedgerHead.objects.all().delete()
    import_module("consent.migrations.0013_ledgers").chain_consent_ledgers(apps, None)
    import_module("accounts.migrations.0011_ledgers").chain_accounts_ledgers(apps, None)
    assert verify_ledgers() == []
    for chain, model in chains().items():
        rows = model.ledger.rows_of(model, chain).order_by("pk")
        assert list(rows.values_list("prev_hash", "row_hash")) == appended[chain], chain


def test_an_unknown_ledger_name_is_refused(db):
    with pytest.raises(CommandError, match="invalid choice: 'consent.nothing'"):
        call_command("verify_ledger", "--ledger=consent.nothing")


# --- PostgreSQL: appenders take turns --------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_appends_from_two_threads_make_one_unbroken_chain():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: on SQLite, writers are serialised by the database")
    start = threading.Barrier(2)
    errors = []

    def append(thread):
        try:
            start.wait()
            for index in range(15):
                with transaction.atomic():
                    ConsentRecord.objects.bulk_create(
                        ConsentRecord(
                            subject_type="visitor",
                            subject=f"t{thread}-{index}-{n}",
                            group="analytics",
                            action="accept",
                            source="banner",
                        )  # fmt: skip
                        for n in range(2)
                    )
                    # Hold the chain's head a moment: the other thread must wait for it.
                    ConsentRecord.objects.filter(subject_type="visitor").count()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert ConsentRecord.objects.filter(subject_type="visitor").count() == 60
    subjects = ConsentRecord.objects.filter(subject_type="visitor").order_by("pk")
    threads_in_order = [subject[1] for subject in subjects.values_list("subject", flat=True)]
    assert threads_in_order.count("0") == threads_in_order.count("1") == 30
    assert verify_ledgers(["consent.consentrecord:visitor"]) == []
