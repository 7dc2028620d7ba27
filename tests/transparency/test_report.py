"""The public transparency report: the command counts each quarter's figures from the
registers, and the page, the CSV and the JSON publish them without any number from 1 to 4."""

import csv
import datetime
import io
import json
import uuid
from http import HTTPStatus

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import ErasureReceipt
from consent.models import ConsentRecord, Disclosure, DisclosureSubject
from guardians.models import GuardianDecision
from tests.factories import RecipientFactory, UserFactory, approved_guardianship, staff_in
from transparency.models import DataAccessCount, Quarter, QuarterReport
from transparency.services import quarter_report_compute

pytestmark = pytest.mark.django_db

QUARTER = Quarter(2026, 2)
IN_QUARTER = datetime.datetime(2026, 5, 10, 12, tzinfo=datetime.UTC)
BEFORE = datetime.datetime(2026, 3, 31, 23, 59, tzinfo=datetime.UTC)
AFTER = datetime.datetime(2026, 7, 1, 0, 0, tzinfo=datetime.UTC)


def disclose(basis, *subjects, when=IN_QUARTER, corrects=None):
    listed = RecipientFactory(basis=basis) if basis in ("agreement", "interaction") else None
    disclosure = Disclosure.objects.create(
        recipient="Recipient", listed_recipient=listed, purpose="Purpose", legal_basis=basis,
        reference="REF-1", data_categories="email", disclosed_at=when, corrects=corrects,
    )  # fmt: skip
    for subject in subjects:
        DisclosureSubject.objects.create(disclosure=disclosure, subject=subject)
    return disclosure


def erasure(reason, when=IN_QUARTER):
    ErasureReceipt.objects.create(
        reference=uuid.uuid4(), subject=uuid.uuid4().hex, reason=reason, erased_at=when
    )


def record(subject, group, action, *, when=IN_QUARTER, subject_type="visitor", source="banner"):
    ConsentRecord.objects.create(
        subject_type=subject_type, subject=subject, group=group, action=action, source=source,
        created_at=when,
    )  # fmt: skip


def guardian_decision(action, *, group=GuardianDecision.ACCOUNT, when=IN_QUARTER):
    record(uuid.uuid4().hex, group, action, when=when, subject_type="member", source="guardian")


@pytest.fixture
def seeded():
    """A quarter with figures both above and below the threshold, and rows just outside it."""
    # Disclosures: 6 on (c), 2 on (d), 5 on (b), none on (a); 7 people, one of them twice.
    for index in range(6):
        disclose("legal", f"person-{index}")
    disclose("emergency", "person-0")
    disclose("emergency", "person-6")
    for _ in range(5):
        disclose("interaction")
    disclose("legal", "person-outside", when=BEFORE)
    disclose("agreement", "person-outside", when=AFTER)
    # Data downloads: 6 in the quarter, 1 the day after.
    for day in (datetime.date(2026, 4, 1), datetime.date(2026, 6, 30)):
        for _ in range(3):
            DataAccessCount.objects.count_one(day)
    DataAccessCount.objects.count_one(datetime.date(2026, 7, 1))
    # Erasures asked for: 3 + 2 + 1; a guardian's decline and 2 expiries are not requests.
    for reason, times in [
        (ErasureReceipt.Reason.ACCOUNT_DELETION, 3),
        (ErasureReceipt.Reason.STAFF_ERASURE, 2),
        (ErasureReceipt.Reason.GUARDIAN_DELETION, 1),
        (ErasureReceipt.Reason.GUARDIAN_DECLINE, 1),
        (ErasureReceipt.Reason.EXPIRY, 2),
    ]:
        for _ in range(times):
            erasure(reason)
    erasure(ErasureReceipt.Reason.ACCOUNT_DELETION, when=AFTER)
    # Guardians: 7 approvals and 2 declines of an account; other decisions do not count.
    for _ in range(7):
        guardian_decision("accept")
    for _ in range(2):
        guardian_decision("decline")
    guardian_decision("accept", group=GuardianDecision.PERSONALISATION)
    guardian_decision("accept", when=AFTER)
    # Analytics: 10 visitors chose; 6 last accepted (one accepted, then declined; one
    # declined, then accepted). Personalisation: 3 visitors. A member's choice is not counted.
    for index in range(10):
        record(f"visitor-{index}", "analytics", "accept" if index < 6 else "decline")
    later = IN_QUARTER + datetime.timedelta(hours=1)
    record("visitor-0", "analytics", "decline", when=later)
    record("visitor-9", "analytics", "accept", when=later)
    record("visitor-0", "analytics", "accept", when=BEFORE)
    for index in range(3):
        record(f"visitor-{index}", "preferences", "accept")
    record("member", "analytics", "accept", subject_type="member")
    return quarter_report_compute(quarter=QUARTER)


def test_the_command_counts_each_figure_of_the_quarter(seeded):
    figures = QuarterReport.objects.get(quarter="2026-Q2").figures
    assert figures == {
        "disclosures": {"agreement": 0, "interaction": 5, "legal": 6, "emergency": 2},
        "people_concerned": 7,
        "access_requests": 6,
        "erasure_requests": 6,
        "guardian_approvals": 7,
        "guardian_declines": 2,
        "guardian_expiries": 2,
        "cookies": [
            {"varname": "preferences", "name": "Personalisation", "accepted": 3, "chose": 3},
            {
                "varname": "analytics",
                "name": "Analytics and web beacons",
                "accepted": 6,
                "chose": 10,
            },
        ],
    }


def test_a_corrected_disclosure_counts_once_under_its_corrected_basis():
    wrong = disclose("legal", "person-1")
    disclose("emergency", "person-1", corrects=wrong)
    figures = quarter_report_compute(quarter=QUARTER).figures
    assert figures["disclosures"] == {"agreement": 0, "interaction": 0, "legal": 0, "emergency": 1}
    assert figures["people_concerned"] == 1


def test_the_figures_match_the_disclosure_register_in_the_admin(client, seeded):
    client.force_login(staff_in("Privacy officer"))
    counted = QuarterReport.objects.get().figures["disclosures"]
    for basis, count in counted.items():
        response = client.get(
            reverse("admin:consent_disclosure_changelist"),
            {
                "legal_basis": basis,
                "disclosed_at__gte": QUARTER.start.isoformat(),
                "disclosed_at__lt": QUARTER.end.isoformat(),
            },
        )
        assert response.status_code == HTTPStatus.OK
        assert response.context["cl"].result_count == count, basis


def test_the_command_counts_this_quarter_and_the_previous_one_and_is_safe_to_run_twice(seeded):
    out = io.StringIO()
    now = Quarter.of(timezone.now())
    call_command("transparency_report", stdout=out)
    first = {r.quarter: r.figures for r in QuarterReport.objects.exclude(quarter="2026-Q2")}
    call_command("transparency_report", stdout=out)
    again = {r.quarter: r.figures for r in QuarterReport.objects.exclude(quarter="2026-Q2")}
    assert set(first) == {str(now), str(now.previous)}
    assert first == again
    assert f"Counted the figures of {now}." in out.getvalue()
    call_command("transparency_report", "--quarter", "2026-Q2", stdout=out)
    call_command("transparency_report", "--quarter", "2026-Q2", stdout=out)
    assert QuarterReport.objects.filter(quarter="2026-Q2").count() == 1
    assert QuarterReport.objects.get(quarter="2026-Q2").figures == seeded.figures


@pytest.mark.parametrize("quarter", ["2026-Q5", "26-Q1", "2999-Q1"])
def test_the_command_refuses_a_quarter_that_is_not_one_or_has_not_started(quarter):
    with pytest.raises(CommandError):
        call_command("transparency_report", "--quarter", quarter)
    assert not QuarterReport.objects.exists()


def test_the_quarters_run_in_utc_from_the_first_day_to_the_last():
    assert QUARTER.start == datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC)
    assert QUARTER.end == datetime.datetime(2026, 7, 1, tzinfo=datetime.UTC)
    assert QUARTER.last_day == datetime.date(2026, 6, 30)
    assert Quarter(2026, 1).previous == Quarter(2025, 4)
    assert Quarter.of(BEFORE) == Quarter(2026, 1)


def test_downloading_ones_data_counts_as_a_data_access_request(client):
    member = UserFactory()
    client.force_login(member)
    for _ in range(2):
        assert client.get(reverse("accounts:data_json")).status_code == HTTPStatus.OK
    ward = approved_guardianship()
    client.force_login(ward.guardian)
    response = client.get(reverse("guardians:ward_download", kwargs={"pk": ward.pk}))
    assert response.status_code == HTTPStatus.OK
    assert DataAccessCount.objects.get(day=timezone.localdate()).downloads == 3
    figures = quarter_report_compute(quarter=Quarter.of(timezone.now())).figures
    assert figures["access_requests"] == 3


# --- Publication --------------------------------------------------------------------------


def test_the_page_shows_the_figures_with_small_numbers_withheld(client, seeded):
    response = client.get(reverse("transparency:report"))
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    rows = {
        "Disclosures on basis (a) Permission under the agreement": "0",
        "Disclosures on basis (b) Permission in the product": "5",
        "Disclosures on basis (c) Law, government or judiciary": "6",
        "Disclosures on basis (d) Emergency": "fewer than 5",
        "People whose data was disclosed": "7",
        "Data-access requests fulfilled": "6",
        "Erasure requests fulfilled": "6",
        "Guardians&#x27; approvals of a teen&#x27;s account": "7",
        "Guardians&#x27; declines of a teen&#x27;s account": "fewer than 5",
        "Teen accounts not approved by a guardian in time": "fewer than 5",
        "Personalisation": "fewer than 5 visitors",
        "Analytics and web beacons": "60%",
    }
    for label, value in rows.items():
        assert f'<th scope="row">{label}</th><td>{value}</td>' in html, label
    assert "Q2 2026" in html
    assert 'role="img"' in html
    assert 'aria-describedby="figures-2026-Q2"' in html
    assert '<table id="figures-2026-Q2">' in html


def test_the_chart_draws_no_bar_for_a_withheld_number(client, seeded):
    html = client.get(reverse("transparency:report")).content.decode()
    chart = html[html.index("<svg") : html.index("</svg>")]
    assert chart.count("<rect") == 6  # 10 counts: 1 zero and 3 withheld have no bar
    assert chart.count(">fewer than 5</text>") == 3


def test_the_downloads_withhold_small_numbers_too(client, seeded):
    response = client.get(reverse("transparency:report_json"))
    assert response["Content-Type"] == "application/json; charset=utf-8"
    (quarter,) = json.loads(response.content)["quarters"]
    assert quarter["disclosures_by_legal_basis"] == {
        "agreement": 0, "interaction": 5, "legal": 6, "emergency": "fewer than 5",
    }  # fmt: skip
    assert quarter["guardian_declines"] == "fewer than 5"
    assert quarter["guardian_expiries"] == "fewer than 5"
    assert quarter["guardian_approvals"] == 7
    assert quarter["percent_of_visitors_who_accepted"] == {
        "preferences": "fewer than 5 visitors",
        "analytics": 60,
    }
    assert quarter["first_day"] == "2026-04-01"
    assert quarter["last_day"] == "2026-06-30"

    response = client.get(reverse("transparency:report_csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = list(csv.reader(io.StringIO(response.content.decode())))
    values = {key: value for _, key, _, value in lines[1:]}
    assert lines[0] == ["Quarter", "Figure", "Description", "Value"]
    assert values["disclosures_emergency"] == "fewer than 5"
    assert values["disclosures_legal"] == "6"
    assert values["guardian_declines"] == "fewer than 5"
    assert values["cookies_analytics"] == "60"
    assert values["cookies_preferences"] == "fewer than 5 visitors"


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_no_number_from_one_to_four_is_ever_published(client, count):
    QuarterReport.objects.create(
        quarter="2026-Q2",
        computed_at=IN_QUARTER,
        figures={
            "disclosures": {"legal": count},
            "people_concerned": count,
            "cookies": [{"varname": "analytics", "name": "Analytics", "accepted": 1, "chose": 4}],
        },
    )
    html = client.get(reverse("transparency:report")).content.decode()
    assert f"<td>{count}</td>" not in html
    assert f">{count}</text>" not in html
    data = json.loads(client.get(reverse("transparency:report_json")).content)["quarters"][0]
    assert data["disclosures_by_legal_basis"]["legal"] == "fewer than 5"
    assert data["people_concerned"] == "fewer than 5"
    assert data["percent_of_visitors_who_accepted"]["analytics"] == "fewer than 5 visitors"
    rows = list(csv.reader(io.StringIO(client.get(reverse("transparency:report_csv")).text)))
    assert all(row[3] != str(count) for row in rows)


def test_the_csv_cells_never_start_a_formula(client):
    QuarterReport.objects.create(
        quarter="2026-Q2",
        computed_at=IN_QUARTER,
        figures={"cookies": [{"varname": "x", "name": "=HYPERLINK(1)", "accepted": 9, "chose": 9}]},
    )
    text = client.get(reverse("transparency:report_csv")).content.decode()
    assert "'=HYPERLINK(1)" in text
    assert ",=HYPERLINK" not in text


def test_quarters_are_shown_newest_first(client):
    for name in ["2025-Q4", "2026-Q2", "2026-Q1"]:
        QuarterReport.objects.create(quarter=name, computed_at=IN_QUARTER, figures={})
    html = client.get(reverse("transparency:report")).content.decode()
    assert html.index("Q2 2026") < html.index("Q1 2026") < html.index("Q4 2025")


def test_the_page_costs_one_query(client, seeded, django_assert_num_queries):
    QuarterReport.objects.create(quarter="2026-Q1", computed_at=IN_QUARTER, figures={})
    url = reverse("transparency:report")
    client.get(url)  # warms the caches (cookie groups)
    for name in ["transparency:report", "transparency:report_csv", "transparency:report_json"]:
        with django_assert_num_queries(1):
            assert client.get(reverse(name)).status_code == HTTPStatus.OK


def test_the_page_speaks_chinese(client, seeded):
    response = client.get(reverse("transparency:report"), headers={"accept-language": "zh-hans"})
    html = response.content.decode()
    assert '<html lang="zh-hans"' in html
    assert "<h1>透明度报告</h1>" in html
    assert "2026 年第 2 季度" in html
    assert "少于 5" in html
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    reverse("transparency:report_csv"), headers={"accept-language": "zh-hans"}
                ).text
            )
        )
    )
    assert rows[0] == ["季度", "数据项", "说明", "数值"]


def test_the_footer_links_to_the_report(client):
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("transparency:report")}"' in html


def test_the_page_says_when_nothing_has_been_counted_yet(client):
    response = client.get(reverse("transparency:report"))
    assert "have not been counted yet" in response.content.decode()
