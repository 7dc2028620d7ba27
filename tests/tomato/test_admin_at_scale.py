"""The admin's big lists stay flat as the tables grow: a fixed number of queries per page,
whatever the rows on it, and no query that reads every row of a ledger."""

from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consent.models import ConsentRecord, Disclosure, DisclosureSubject, PageView
from consent.privacy import subject_hash
from tests.factories import GuardianshipFactory, StaffFactory, UserFactory, member_record


def seed_users(count):
    UserFactory.create_batch(count)


def seed_consent_records(count):
    people = UserFactory.create_batch(count)
    ConsentRecord.objects.bulk_create(member_record(person) for person in people)


def seed_page_views(count):
    PageView.objects.bulk_create(
        PageView(visitor=f"{index:032x}", route="home") for index in range(count)
    )


def seed_disclosures(count):
    officer = StaffFactory()
    earlier = None
    for person in UserFactory.create_batch(count):
        earlier = Disclosure.objects.create(
            recipient="District Court", purpose="Court order", legal_basis="legal",
            reference="ORDER-1", data_categories="email", recorded_by=officer, corrects=earlier,
        )  # fmt: skip
        DisclosureSubject.objects.create(
            disclosure=earlier, user=person, subject=subject_hash(person.pk)
        )


def seed_guardian_requests(count):
    GuardianshipFactory.create_batch(count)


#: Each big list, how to add rows to it, and its budget of queries per page: nine for
#: the logged-in staff member (session, user, session activity, guardianship, two-factor),
#: then the count, the page's rows, their owners, the staff-access rows written (three
#: queries: their ledger's head locked and read, the rows, the head moved; see
#: consent.ledger) and what the list's filters read (the groups of staff; the recipients).
CHANGELISTS = [
    ("accounts_user", seed_users, 16),
    ("consent_consentrecord", seed_consent_records, 17),
    ("consent_pageview", seed_page_views, 15),
    ("consent_disclosure", seed_disclosures, 15),
    ("guardians_guardianrequest", seed_guardian_requests, 15),
    ("guardians_guardianship", seed_guardian_requests, 15),
]


def queries_of(client, url, **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == HTTPStatus.OK
    return [query["sql"] for query in captured.captured_queries]


@pytest.fixture
def admin_client(client, db):
    client.force_login(StaffFactory(is_superuser=True))
    client.get(reverse("admin:index"))  # the session's first request does one-off work
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "seed", "budget"), CHANGELISTS)
def test_a_changelist_makes_as_many_queries_for_50_rows_as_for_1(
    admin_client, django_assert_max_num_queries, name, seed, budget
):
    url = reverse(f"admin:{name}_changelist")
    queries_of(admin_client, url)  # fills the caches (the cookie groups)
    seed(1)
    with django_assert_max_num_queries(budget):
        one = queries_of(admin_client, url)
    seed(49)
    with django_assert_max_num_queries(budget):
        fifty = queries_of(admin_client, url)
    assert len(fifty) == len(one), "\n".join(fifty)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "seed", "budget"), CHANGELISTS)
def test_a_changelist_counts_its_rows_once_and_lists_no_distinct_values(
    admin_client, name, seed, budget
):
    seed(3)
    queries = queries_of(admin_client, reverse(f"admin:{name}_changelist"))
    assert sum("COUNT(" in query for query in queries) <= 1, queries
    assert [query for query in queries if "DISTINCT" in query] == []


@pytest.mark.django_db
def test_the_consent_records_filtered_by_group_count_once_and_read_no_date_range(admin_client):
    seed_consent_records(3)
    url = reverse("admin:consent_consentrecord_changelist")
    queries = queries_of(admin_client, url, group="analytics")
    assert sum("COUNT(" in query for query in queries) == 1
    assert [query for query in queries if "DISTINCT" in query or "MIN(" in query] == []


@pytest.mark.django_db
def test_the_group_filter_offers_every_cookie_group_and_guardian_decision_without_records(
    admin_client,
):
    from cookie_consent.models import CookieGroup

    from guardians.models import GuardianDecision

    response = admin_client.get(reverse("admin:consent_consentrecord_changelist"))
    page = response.content.decode()
    varnames = list(CookieGroup.objects.values_list("varname", flat=True))
    assert varnames
    for topic in [*varnames, *GuardianDecision.values]:
        assert f'href="?group={topic}"' in page, topic


@pytest.mark.django_db
def test_the_group_filter_lists_the_records_of_that_group(admin_client):
    seed_consent_records(2)
    ConsentRecord.objects.filter(pk=ConsentRecord.objects.first().pk).update(group="preferences")
    url = reverse("admin:consent_consentrecord_changelist")
    response = admin_client.get(url, {"group": "preferences"})
    assert [record.group for record in response.context["cl"].result_list] == ["preferences"]


@pytest.fixture
def postgresql(db):
    if connection.vendor != "postgresql":
        pytest.skip("the planner's row estimate (pg_class.reltuples) is PostgreSQL's")


def test_a_whole_ledger_on_postgresql_is_counted_by_the_planners_estimate(
    postgresql, admin_client, monkeypatch
):
    from consent.admin import EstimatedCountPaginator

    seed_page_views(30)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE consent_pageview")
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 10)
    url = reverse("admin:consent_pageview_changelist")
    queries = queries_of(admin_client, url)
    assert [query for query in queries if "COUNT(" in query] == []
    assert any("reltuples" in query for query in queries)
    assert admin_client.get(url).context["cl"].result_count == 30
    # A filtered list is counted exactly: the estimate is the whole table's.
    filtered = queries_of(admin_client, url, q="home")
    assert sum("COUNT(" in query for query in filtered) == 1


@pytest.mark.django_db
def test_a_small_or_filtered_list_is_counted_exactly(admin_client):
    seed_page_views(3)
    url = reverse("admin:consent_pageview_changelist")
    assert admin_client.get(url).context["cl"].result_count == 3
    PageView.objects.create(visitor="b" * 32, route="policy", created_at=timezone.now())
    filtered = admin_client.get(url, {"q": "policy"})
    assert filtered.context["cl"].result_count == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("zebra", True),
        ("ZEBRA", True),
        ("corn", False),  # the beginning of a username, not any part of it
        ("Zebra.Corn@Example.ORG", True),  # a whole address, in any case
        ("zebra.corn@example", False),
    ],
)
def test_staff_find_a_user_by_the_beginning_of_the_username_or_the_whole_address(
    admin_client, term, found
):
    person = UserFactory(username="zebracorn", email="Zebra.Corn@example.org")
    UserFactory(username="other", email="other@example.org")
    response = admin_client.get(reverse("admin:accounts_user_changelist"), {"q": term})
    assert (person in response.context["cl"].result_list) is found
    assert len(response.context["cl"].result_list) == int(found)
