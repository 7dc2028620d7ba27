"""Every page keeps a query budget, and its queries do not grow with what is held about
the person it shows: measured with 1 and with 50 of each record."""

from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consent.models import PolicyVersion
from guardians.services import guardian_request_send
from tests.factories import (
    GuardianFactory,
    GuardianshipFactory,
    UserFactory,
    approved_guardianship,
    history_for,
)

SIZES = (1, 50)


def queries_on(client, url):
    client.get(url)  # warms the caches (cookie groups, site, policy)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code in (HTTPStatus.OK, HTTPStatus.FOUND), url
    return [query["sql"] for query in captured]


#: A member's own pages and their budgets: eight of them are the logged-in person's
#: (session, user, session activity, guardianship, two-factor, the policy gate).
MEMBER_PAGES = [
    ("home", 8),
    ("policy", 9),
    ("policy_history", 9),
    ("consent:cookie_settings", 8),
    ("accounts:me", 8),
    ("accounts:profile", 8),
    # The data page also lists consent receipts: records, acceptances, sharing terms.
    ("accounts:data", 27),
    # One more than the page: the day's count of downloads (the transparency report's).
    ("accounts:data_json", 25),
    ("accounts:receipts_zip", 11),
    ("accounts:sharing", 9),
    ("accounts:delete", 14),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "budget"), MEMBER_PAGES)
def test_a_members_page_keeps_its_budget_whatever_their_history(client, name, budget):
    counts = []
    for size in SIZES:
        person = UserFactory()
        history_for(person, size)
        client.force_login(person)
        client.get(reverse("accounts:me"))  # the session's first request does one-off work
        counts.append(len(queries_on(client, reverse(name))))
    assert counts[0] == counts[1], counts
    assert counts[0] <= budget, counts


#: A guardian's pages about one ward, and their budgets.
WARD_PAGES = [
    ("guardians:ward", 29),
    ("guardians:ward_download", 26),  # with the day's count of downloads
    ("guardians:ward_receipts_zip", 12),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "budget"), WARD_PAGES)
def test_a_guardians_page_about_a_ward_keeps_its_budget_whatever_the_wards_history(
    client, name, budget
):
    counts = []
    for size in SIZES:
        ward = approved_guardianship()
        history_for(ward.teen, size)
        client.force_login(ward.guardian)
        client.get(reverse("guardians:portal"))
        counts.append(len(queries_on(client, reverse(name, kwargs={"pk": ward.pk}))))
    assert counts[0] == counts[1], counts
    assert counts[0] <= budget, counts


@pytest.mark.django_db
def test_the_guardian_portal_keeps_its_budget_whatever_the_number_of_wards(client):
    counts = []
    for size in (1, 20):
        guardian = GuardianFactory()
        for _ in range(size):
            approved_guardianship(guardian=guardian)
        client.force_login(guardian)
        client.get(reverse("accounts:me"))
        counts.append(len(queries_on(client, reverse("guardians:portal"))))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 9, counts


@pytest.mark.django_db
def test_the_teens_waiting_page_keeps_its_budget_whatever_the_number_of_requests(client):
    counts = []
    for size in SIZES:
        guardianship = GuardianshipFactory()
        for _ in range(size - 1):
            guardian_request_send(guardianship=guardianship)
        client.force_login(guardianship.teen)
        counts.append(len(queries_on(client, reverse("guardians:waiting"))))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 9, counts


@pytest.mark.django_db
def test_a_policy_version_page_keeps_its_budget(client, django_assert_max_num_queries):
    url = reverse("policy_version", kwargs={"version": PolicyVersion.objects.get().version})
    client.get(url)
    with django_assert_max_num_queries(2):
        assert client.get(url).status_code == HTTPStatus.OK


@pytest.mark.django_db
def test_the_beacon_with_analytics_consent_writes_its_page_view_and_nothing_else(
    client, choose, django_assert_max_num_queries
):
    choose("accept")
    client.get(reverse("beacon"), {"route": "home"})  # warms the caches
    with django_assert_max_num_queries(1):
        response = client.get(reverse("beacon"), {"route": "policy"})
    assert response.status_code == HTTPStatus.NO_CONTENT


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["transparency:report", "transparency:report_csv", "transparency:report_json"]
)
def test_the_transparency_report_costs_one_query_whatever_the_number_of_quarters(client, name):
    from transparency.models import Quarter, QuarterReport
    from transparency.services import quarter_report_compute

    counts = []
    quarter = Quarter(2026, 4)
    for size in SIZES:
        while QuarterReport.objects.count() < size:
            quarter_report_compute(quarter=quarter)
            quarter = quarter.previous
        counts.append(len(queries_on(client, reverse(name))))
    assert counts == [1, 1], counts
