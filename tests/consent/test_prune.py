"""The prune deletes what is past its retention in batches, each its own transaction."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consent.management.commands import prune_consent_records
from consent.models import ConsentRecord, PageView
from tests.factories import member_record, visitor_records


def page_views(count, days_ago):
    viewed = timezone.now() - datetime.timedelta(days=days_ago)
    return PageView.objects.bulk_create(
        PageView(visitor=f"{index:032x}", route="home", created_at=viewed) for index in range(count)
    )


@pytest.mark.django_db
def test_the_prune_deletes_everything_past_retention_in_batches_and_keeps_the_rest(
    member, monkeypatch
):
    monkeypatch.setattr(prune_consent_records, "BATCH_SIZE", 3)
    visitor_records(10, days_ago=400)
    page_views(7, days_ago=400)
    kept = visitor_records(2, days_ago=10) + [
        ConsentRecord.objects.bulk_create(
            [member_record(member, created_at=timezone.now() - datetime.timedelta(days=900))]
        )[0]
    ]
    recent_views = page_views(1, days_ago=10)
    with CaptureQueriesContext(connection) as captured:
        call_command("prune_consent_records", "--days", "395")
    deletes = [query["sql"] for query in captured if query["sql"].startswith("DELETE")]
    # 10 records in batches of 3, then 7 page views: 4 and 3 statements.
    assert sum("consent_consentrecord" in sql for sql in deletes) == 4
    assert sum("consent_pageview" in sql for sql in deletes) == 3
    # Each batch is a transaction of its own (a savepoint inside the test's transaction).
    savepoints = [query for query in captured if query["sql"].startswith("SAVEPOINT")]
    assert len(savepoints) >= len(deletes)
    assert set(ConsentRecord.objects.values_list("pk", flat=True)) == {row.pk for row in kept}
    assert list(PageView.objects.values_list("pk", flat=True)) == [recent_views[0].pk]


@pytest.mark.django_db
def test_the_prune_says_how_many_it_deleted(monkeypatch, capsys):
    monkeypatch.setattr(prune_consent_records, "BATCH_SIZE", 4)
    visitor_records(9, days_ago=400)
    page_views(5, days_ago=400)
    call_command("prune_consent_records", "--days", "395")
    assert "Deleted 9 anonymous consent records and 5 page views" in capsys.readouterr().out
