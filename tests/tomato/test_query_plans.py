"""The heavy reads of the pages, the admin and the scheduled commands each have an index:
PostgreSQL's plan for each uses the one meant for it (sequential scans turned off, so a
plan without a fitting index shows as one that scans the whole table)."""

import datetime
import re

import pytest
from django.db import connection
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import User, email_is
from consent.ledger import prunable
from consent.management.commands.prune_consent_records import batch_end
from consent.models import ConsentRecord, Disclosure, DisclosureSubject, PageView
from consent.privacy import subject_hash
from guardians.models import APPROVAL_DEADLINE, GuardianRequest, Guardianship
from tests.factories import (
    GuardianFactory,
    GuardianshipFactory,
    StaffFactory,
    UserFactory,
    approved_guardianship,
    member_record,
)

INDEX_NODE = (
    r"(?:Index Scan|Index Only Scan)(?: Backward)? using {name} |Bitmap Index Scan on {name}\b"
)


@pytest.fixture
def planner(db):
    if connection.vendor != "postgresql":
        pytest.skip("checks PostgreSQL's query plans (EXPLAIN); SQLite plans differ")


def analysed_without_seqscan(*models):
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        # Until the test's transaction ends.
        cursor.execute("SET LOCAL enable_seqscan = off")


def index_on(model, *columns):
    """The name of the index on exactly these columns (Django names foreign keys' own)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    names = [
        name
        for name, info in constraints.items()
        if info["index"] and info["columns"] == list(columns)
    ]
    assert names, f"no index on {model._meta.db_table}{columns}"
    return names[0]


def assert_plan_uses(queryset, index):
    plan = queryset.explain()
    assert re.search(INDEX_NODE.format(name=re.escape(index)), plan), plan


def anonymous_records(count, days_ago=0, subject_type="visitor"):
    created = timezone.now() - datetime.timedelta(days=days_ago)
    ConsentRecord.objects.bulk_create(
        ConsentRecord(
            subject_type=subject_type,
            subject=f"{index:032x}",
            group=("analytics", "preferences")[index % 2],
            action="accept",
            source="banner",
            created_at=created - datetime.timedelta(minutes=index),
        )
        for index in range(count)
    )


def page_views(count, days_ago=0):
    viewed = timezone.now() - datetime.timedelta(days=days_ago)
    PageView.objects.bulk_create(
        PageView(
            visitor=f"{index:032x}",
            route=("home", "policy", "consent:cookie_settings")[index % 3],
            created_at=viewed - datetime.timedelta(minutes=index),
        )
        for index in range(count)
    )


def members(count):
    return User.objects.bulk_create(
        User(username=f"bulk{index}", email=f"bulk{index}@example.com") for index in range(count)
    )


# --- A person's pages ----------------------------------------------------------------


def test_a_persons_consent_history_reads_its_index(planner):
    person = UserFactory()
    anonymous_records(2000)
    ConsentRecord.objects.bulk_create(member_record(person) for _ in range(20))
    analysed_without_seqscan(ConsentRecord)
    declaration = ConsentRecord.personal_data
    history = ConsentRecord.objects.filter(user=person).order_by(*declaration.ordering)
    assert_plan_uses(history, "consentrecord_user_time")


def test_the_disclosures_of_a_person_read_their_index(planner):
    person, others = UserFactory(), members(200)
    for other in [person, *others]:
        disclosure = Disclosure.objects.create(
            recipient="Court", purpose="Order", legal_basis="legal", reference="R-1",
            data_categories="email",
        )  # fmt: skip
        DisclosureSubject.objects.create(
            disclosure=disclosure, user=other, subject=subject_hash(other.pk)
        )
    analysed_without_seqscan(DisclosureSubject, Disclosure)
    declaration = DisclosureSubject.personal_data
    theirs = (
        DisclosureSubject.objects.filter(user=person)
        .select_related(*declaration.select_related)
        .order_by(*declaration.ordering)
    )
    assert_plan_uses(theirs, index_on(DisclosureSubject, "user_id"))


def test_a_guardians_wards_read_their_index(planner):
    guardian = GuardianFactory()
    approved_guardianship(guardian=guardian)
    for _ in range(30):
        approved_guardianship()
    analysed_without_seqscan(Guardianship)
    assert_plan_uses(
        Guardianship.objects.for_guardian(guardian), index_on(Guardianship, "guardian_id")
    )


# --- The scheduled commands --------------------------------------------------------------


def test_the_guardian_request_expiry_scan_reads_only_pending_requests(planner):
    GuardianshipFactory.create_batch(30)
    GuardianRequest.objects.update(status=GuardianRequest.Status.APPROVED)
    GuardianshipFactory.create_batch(3)
    analysed_without_seqscan(GuardianRequest)
    assert_plan_uses(GuardianRequest.objects.overdue(timezone.now()), "guardianrequest_pending_due")


def test_the_scan_for_teens_not_approved_in_time_reads_only_awaiting_ones(planner):
    for _ in range(30):
        approved_guardianship()
    GuardianshipFactory.create_batch(3)
    analysed_without_seqscan(Guardianship)
    deadline = timezone.now() - APPROVAL_DEADLINE
    assert_plan_uses(Guardianship.objects.unapproved_since(deadline), "guardianship_awaiting_since")


def test_the_prune_of_anonymous_consent_records_reads_their_chain_by_id(planner):
    anonymous_records(100, days_ago=500)
    anonymous_records(2000, days_ago=10)
    # Members' records are kept for good: old ones outnumber the visitors' due for pruning.
    anonymous_records(10_000, days_ago=500, subject_type="member")
    analysed_without_seqscan(ConsentRecord)
    chain = ConsentRecord.ledger.chain_named(ConsentRecord, "visitor")
    expired = Q(created_at__lt=timezone.now() - datetime.timedelta(days=395))
    visitors = ConsentRecord.ledger.rows_of(ConsentRecord, chain)
    # The first record still within its retention ends the prefix the prune deletes …
    first_kept = visitors.exclude(expired).order_by("pk").values_list("pk", flat=True)[:1]
    assert_plan_uses(first_kept, "consent_consentrecord_pkey")
    # … and each batch ends a number of rows into it, in chain order.
    batch = prunable(chain, expired).order_by("pk").values_list("pk", "row_hash")[99:100]
    assert_plan_uses(batch, "consent_consentrecord_pkey")
    hundredth = visitors.order_by("pk").values_list("pk", flat=True)[99]
    assert list(batch.values_list("pk", flat=True)) == [hundredth]


def test_the_prune_of_page_views_reads_its_index(planner):
    page_views(2000, days_ago=10)
    page_views(100, days_ago=500)
    analysed_without_seqscan(PageView)
    cutoff = timezone.now() - datetime.timedelta(days=395)
    batch = batch_end(PageView.objects.filter(created_at__lt=cutoff))
    assert_plan_uses(batch, index_on(PageView, "created_at"))


# --- The admin's lists, searches and filters -----------------------------------------------


@pytest.fixture
def admin_client(client, planner):
    client.force_login(StaffFactory(is_superuser=True))
    return client


def listed(client, name, **params):
    """The queryset of an admin list, as the list filtered, searched and ordered it."""
    response = client.get(reverse(f"admin:{name}_changelist"), params)
    return response.context["cl"].queryset


def test_a_user_is_found_by_their_whole_email_address_in_any_case(planner):
    members(500)
    analysed_without_seqscan(User)
    assert_plan_uses(User.objects.filter(email_is("Bulk7@Example.com")), "user_email_ci_unique")
    assert list(User.objects.filter(email_is("Bulk7@Example.com"))) == [
        User.objects.get(username="bulk7")
    ]


def test_the_admin_searches_users_by_the_beginning_of_their_username(admin_client):
    members(500)
    analysed_without_seqscan(User)
    found = listed(admin_client, "accounts_user", q="bulk12")
    assert_plan_uses(found, "user_username_prefix")


def test_the_admin_lists_staff_by_their_own_index(admin_client):
    members(500)
    analysed_without_seqscan(User)
    assert_plan_uses(
        listed(admin_client, "accounts_user", is_staff__exact="1"), "user_staff_username"
    )


@pytest.mark.parametrize(
    ("params", "index"),
    [
        ({"group": "preferences"}, "consentrecord_group_time"),
        ({"source__exact": "gpc"}, "consentrecord_source_time"),
        ({"q": "00000000000000000000000000000a"}, "consentrecord_subject"),
    ],
)
def test_the_admin_filters_and_searches_consent_records_by_index(admin_client, params, index):
    anonymous_records(2000)
    analysed_without_seqscan(ConsentRecord)
    assert_plan_uses(listed(admin_client, "consent_consentrecord", **params), index)


def test_the_admin_searches_page_views_by_page_with_an_index(admin_client):
    page_views(2000)
    analysed_without_seqscan(PageView)
    assert_plan_uses(listed(admin_client, "consent_pageview", q="policy"), "pageview_route_time")


def test_the_admin_lists_disclosures_in_their_indexed_order(admin_client):
    for _ in range(300):
        Disclosure.objects.create(
            recipient="Court", purpose="Order", legal_basis="legal", reference="R-1",
            data_categories="email",
        )  # fmt: skip
    analysed_without_seqscan(Disclosure)
    assert_plan_uses(listed(admin_client, "consent_disclosure")[:100], "disclosure_disclosed")


def test_the_admin_lists_guardian_requests_in_their_indexed_order(admin_client):
    guardianship = GuardianshipFactory()
    now = timezone.now()
    GuardianRequest.objects.bulk_create(
        GuardianRequest(
            guardianship=guardianship,
            email=guardianship.guardian_email,
            status="replaced",
            sent_at=now - datetime.timedelta(minutes=index),
            expires_at=now,
        )  # fmt: skip
        for index in range(3000)
    )
    analysed_without_seqscan(GuardianRequest, Guardianship, User)
    assert_plan_uses(
        listed(admin_client, "guardians_guardianrequest")[:100], "guardianrequest_sent"
    )
