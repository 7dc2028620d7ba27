"""A visitor reads the transparency report: from the footer, a quarter's table and its
chart, then the same in Chinese."""

import datetime

from playwright.sync_api import expect

from consent.models import Disclosure
from transparency.models import Quarter
from transparency.services import quarter_report_compute


def test_a_visitor_opens_the_transparency_report_from_the_footer_and_reads_it_in_chinese(
    browser, site
):
    quarter = Quarter(2026, 3)
    for index in range(6):
        Disclosure.objects.create(
            recipient="District Court", purpose="Order", legal_basis="legal",
            reference=f"ORDER-{index}", data_categories="email",
            disclosed_at=datetime.datetime(2026, 8, 1, tzinfo=datetime.UTC),
        )  # fmt: skip
    Disclosure.objects.create(
        recipient="Hospital", purpose="Emergency", legal_basis="emergency", reference="INC-1",
        data_categories="email", disclosed_at=datetime.datetime(2026, 8, 2, tzinfo=datetime.UTC),
    )  # fmt: skip
    quarter_report_compute(quarter=quarter)

    context = browser.new_context(locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(site + "/")
    page.get_by_role("contentinfo").get_by_role("link", name="Transparency report").click()
    expect(page.get_by_role("heading", level=1, name="Transparency report")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="Q3 2026")).to_be_visible()
    table = page.get_by_role("table", name="Figures for Q3 2026")
    legal = table.get_by_role("row", name="Disclosures on basis (c) Law, government or judiciary")
    expect(legal.get_by_role("cell")).to_have_text("6")
    emergency = table.get_by_role("row", name="Disclosures on basis (d) Emergency")
    expect(emergency.get_by_role("cell")).to_have_text("fewer than 5")
    chart = page.get_by_role("img", name="Bar chart of the figures for Q3 2026")
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute("aria-describedby", "figures-2026-Q3")

    page.get_by_role("contentinfo").get_by_role("button", name="简体中文").click()
    expect(page.get_by_role("heading", level=1, name="透明度报告")).to_be_visible()
    table = page.get_by_role("table", name="2026 年第 3 季度的数据")
    emergency = table.get_by_role("row", name="依据（d）紧急情况的披露")
    expect(emergency.get_by_role("cell")).to_have_text("少于 5")
    expect(page.get_by_role("img", name="2026 年第 3 季度各项数据的条形图")).to_be_visible()
    context.close()
