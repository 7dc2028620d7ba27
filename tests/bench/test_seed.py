"""`manage.py bench_seed` at a tiny size: the rows, the probes, and sessions that work."""

import json
from http import HTTPStatus

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from accounts.models import User
from bench.pages import PAGES, cookie_header, site_cookies
from consent.ledger import LedgerHead, chains, verify_ledgers
from consent.models import ConsentRecord, DisclosureSubject, PageView
from guardians.models import Guardianship
from tomato.management.commands.bench_seed import (
    PROBE_CONSENT_RECORDS,
    PROBE_DISCLOSURES,
    PROBE_GUARDIAN,
    PROBE_MEMBER,
    PROBE_WARDS,
    STAFF,
)

TINY = [
    "--members=5",
    "--teens=2",
    "--consent-records=30",
    "--disclosures=3",
    "--page-views=10",
    "--batch-size=4",
]


@pytest.fixture
def seed(db, tmp_path):
    """Run the command at the tiny size; the state it writes."""

    def _seed(*extra):
        state_file = tmp_path / "state.json"
        call_command("bench_seed", *TINY, f"--state-file={state_file}", *extra)
        return json.loads(state_file.read_text())

    return _seed


def test_the_seed_writes_the_crowd_and_the_probes(seed):
    seed("--i-know-this-writes")

    member = User.objects.get(username=PROBE_MEMBER)
    guardian = User.objects.get(username=PROBE_GUARDIAN)
    assert User.objects.filter(username__startswith="bench-member-").count() == 5
    assert ConsentRecord.objects.filter(user=member).count() == PROBE_CONSENT_RECORDS
    assert ConsentRecord.objects.count() == 30 + PROBE_CONSENT_RECORDS
    assert DisclosureSubject.objects.filter(user=member).count() == PROBE_DISCLOSURES
    assert Guardianship.objects.for_guardian(guardian).count() == PROBE_WARDS
    assert Guardianship.objects.active().count() == 2 + PROBE_WARDS
    assert PageView.objects.count() == 10
    assert Authenticator.objects.filter(user__username=STAFF, type="totp").exists()


def test_every_bench_page_answers_with_the_seeded_sessions_and_cookies(seed, client):
    state = seed("--i-know-this-writes")

    for page in PAGES:
        response = client.get(page.path, HTTP_COOKIE=cookie_header(site_cookies(page, state)))

        assert response.status_code == page.status, page.path


def test_the_members_session_is_the_probe_members(seed, client):
    state = seed("--i-know-this-writes")
    me = next(page for page in PAGES if page.path == "/me/")

    response = client.get(me.path, HTTP_COOKIE=cookie_header(site_cookies(me, state)))

    assert response.status_code == HTTPStatus.OK
    assert PROBE_MEMBER in response.text


def test_the_seed_refuses_to_run_without_debug_or_the_flag(seed, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--i-know-this-writes"):
        seed()
    assert not User.objects.exists()


def test_the_seed_refuses_a_database_it_has_seeded(seed):
    seed("--i-know-this-writes")

    with pytest.raises(CommandError, match="already has bench-"):
        seed("--i-know-this-writes")


def test_the_seeded_ledgers_verify_and_a_changed_row_among_them_is_found(seed):
    seed("--i-know-this-writes")
    assert verify_ledgers() == []
    for chain in chains():
        assert LedgerHead.objects.get(pk=chain).last_id is not None or chain.startswith(
            "accounts."  # the seed erases nobody and opens nothing in the admin
        ), chain

    tampered = ConsentRecord.objects.filter(user__username=PROBE_MEMBER).order_by("pk")[7]
    with connection.cursor() as cursor:
        cursor.execute(
            'UPDATE consent_consentrecord SET "group" = %s WHERE id = %s', ["tampered", tampered.pk]
        )
    (found,) = verify_ledgers()
    assert (found.chain, found.row_id) == ("consent.consentrecord:member", tampered.pk)


def test_check_integrity_passes_on_the_seed_and_fails_once_a_row_is_tampered_with(seed):
    seed("--i-know-this-writes")
    call_command("check_integrity")

    tampered = ConsentRecord.objects.filter(user__username=PROBE_MEMBER).order_by("pk").first()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE consent_consentrecord SET action = %s WHERE id = %s", ["decline", tampered.pk]
        )
    with pytest.raises(CommandError):
        call_command("check_integrity")
