"""The scheduled work: expiry after 7 days, erasure after 14, the link ends at 16."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import ErasureReceipt, User
from guardians.models import GuardianRequest, Guardianship
from guardians.services import guardians_run_schedule
from tests.factories import GuardianshipFactory, TeenFactory, approved_guardianship, years_ago

DAY = datetime.timedelta(days=1)


def run(**kwargs):
    out = StringIO()
    call_command("guardian_schedule", stdout=out, **kwargs)
    return out.getvalue()


@pytest.mark.django_db
class TestExpiry:
    def test_unanswered_requests_expire_after_7_days(self):
        fresh = GuardianshipFactory()
        stale = GuardianshipFactory()
        stale.requests.update(expires_at=timezone.now() - DAY)
        report = guardians_run_schedule()
        assert report.requests_expired == 1
        assert stale.requests.get().status == "expired"
        assert fresh.requests.get().status == "pending"

    def test_teens_not_approved_within_14_days_are_erased(
        self, mailoutbox, django_capture_on_commit_callbacks
    ):
        late = GuardianshipFactory(created_at=timezone.now() - 15 * DAY)
        recent = GuardianshipFactory(created_at=timezone.now() - 13 * DAY)
        approved = approved_guardianship(created_at=timezone.now() - 30 * DAY)
        with django_capture_on_commit_callbacks(execute=True):
            report = guardians_run_schedule()
        assert report.teens_erased == 1
        assert not User.objects.filter(pk=late.teen_id).exists()
        assert User.objects.filter(pk=recent.teen_id).exists()
        assert User.objects.filter(pk=approved.teen_id).exists()
        assert ErasureReceipt.objects.get().reason == "expiry"
        assert mailoutbox[-1].to == [late.teen.email]

    def test_the_command_reports_and_is_safe_to_run_twice(self):
        GuardianshipFactory(created_at=timezone.now() - 15 * DAY)
        first = run()
        assert "erased 1 teen accounts" in first
        second = run()
        assert "Expired 0 guardian requests; erased 0 teen accounts" in second
        assert "ended 0 guardian links" in second
        assert ErasureReceipt.objects.count() == 1


@pytest.mark.django_db
class TestAgeOut:
    def test_at_16_the_link_ends_and_both_are_told(
        self, mailoutbox, django_capture_on_commit_callbacks
    ):
        birthday = approved_guardianship(teen=TeenFactory(date_of_birth=years_ago(16)))
        tomorrow = approved_guardianship(teen=TeenFactory(date_of_birth=years_ago(16, days=-1)))
        with django_capture_on_commit_callbacks(execute=True):
            report = guardians_run_schedule()
        assert report.links_ended == 1
        assert not Guardianship.objects.filter(pk=birthday.pk).exists()
        assert Guardianship.objects.filter(pk=tomorrow.pk).exists()
        # One copy each: neither sees the other's address.
        told = sorted(message.to for message in mailoutbox[-2:])
        assert told == sorted([[birthday.teen.email], [birthday.guardian.email]])
        assert User.objects.filter(pk=birthday.teen_id).exists()

    def test_after_16_the_account_is_an_ordinary_member_account(self, client):
        ward = approved_guardianship(teen=TeenFactory(date_of_birth=years_ago(16)))
        guardians_run_schedule()
        client.force_login(ward.teen)
        assert client.get("/me/profile/").status_code == 200
        response = client.post("/me/profile/", {"hobbies": "skating", "gender": ""})
        assert response.status_code == 302
        ward.teen.refresh_from_db()
        assert ward.teen.hobbies == "skating"
        assert run().endswith("ended 0 guardian links at 16.\n")


def test_requests_expire_seven_days_after_sending():
    from guardians.models import REQUEST_VALIDITY

    assert datetime.timedelta(days=7) == REQUEST_VALIDITY
    assert GuardianRequest.Status.EXPIRED.value == "expired"


def schedule_queries():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        guardians_run_schedule()
    return [query["sql"] for query in captured]


def rows_needing_nothing(count):
    """Teens waiting less than 14 days (their requests open), and approved teens under 16."""
    for _ in range(count):
        GuardianshipFactory(created_at=timezone.now() - 3 * DAY)
        approved_guardianship(teen=TeenFactory(date_of_birth=years_ago(15)))


def requests_past_their_date(count):
    for guardianship in GuardianshipFactory.create_batch(count):
        guardianship.requests.update(expires_at=timezone.now() - DAY)


def links_ending(count):
    for _ in range(count):
        approved_guardianship(teen=TeenFactory(date_of_birth=years_ago(17)))


@pytest.mark.django_db
class TestQueries:
    """The schedule reads and changes sets of rows: its queries do not grow with the rows.

    What does grow, with the teens erased: each erasure is a person's (``user_erase``,
    a fixed number of queries per person). The emails of ended links are one task each.
    """

    @pytest.mark.parametrize("seed", [rows_needing_nothing, requests_past_their_date, links_ending])
    def test_as_many_queries_for_20_rows_as_for_1(self, seed):
        seed(1)
        one = schedule_queries()
        Guardianship.objects.all().delete()
        seed(20)
        twenty = schedule_queries()
        assert len(twenty) == len(one), "\n".join(twenty)

    def test_links_ending_together_are_each_told(
        self, mailoutbox, django_capture_on_commit_callbacks
    ):
        links_ending(3)
        with django_capture_on_commit_callbacks(execute=True):
            report = guardians_run_schedule()
        assert report.links_ended == 3
        assert not Guardianship.objects.exists()
        assert len(mailoutbox) == 6
