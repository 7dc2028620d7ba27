"""Cookie consent in a real browser, with and without JavaScript."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from consent.models import ConsentRecord, PageView
from tests.factories import PASSWORD


def cookie_names(context):
    return {cookie["name"] for cookie in context.cookies()}


def banner(page):
    return page.get_by_role("region", name="Cookie consent")


def test_first_visit_shows_the_banner_and_talks_to_no_other_host(page, site):
    hosts = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.goto(site + "/")
    expect(banner(page)).to_be_visible()
    expect(banner(page).get_by_role("button", name="Accept all")).to_be_visible()
    expect(banner(page).get_by_role("button", name="Reject all")).to_be_visible()
    expect(banner(page).get_by_role("link", name="Cookie settings")).to_be_visible()
    page.goto(site + "/privacy/")
    assert hosts == {urlsplit(site).netloc}
    assert not {"tomato_prefs", "tomato_vid"} & cookie_names(page.context)
    assert page.locator("[data-beacon]").count() == 0


def test_reject_all_leaves_no_optional_cookie_and_no_beacon(page, site):
    page.goto(site + "/privacy/")
    banner(page).get_by_role("button", name="Reject all").click()
    expect(banner(page)).to_have_count(0)
    page.reload()
    expect(banner(page)).to_have_count(0)
    assert page.locator("[data-beacon]").count() == 0
    assert not {"tomato_prefs", "tomato_vid"} & cookie_names(page.context)
    assert not PageView.objects.exists()
    assert set(ConsentRecord.objects.values_list("action", flat=True)) == {"decline"}


def test_accept_all_records_page_views_and_declining_later_removes_the_cookies(page, site):
    page.goto(site + "/")
    banner(page).get_by_role("button", name="Accept all").click()
    expect(banner(page)).to_have_count(0)
    page.goto(site + "/privacy/")
    expect(page.locator("[data-beacon]")).to_have_count(1)
    page.wait_for_function("document.querySelector('[data-beacon]').complete")
    assert PageView.objects.filter(route="policy").exists()
    assert "tomato_vid" in cookie_names(page.context)

    page.goto(site + "/cookies/")
    analytics = page.get_by_role("region", name="Analytics and web beacons")
    analytics.get_by_role("button", name="Decline").click()
    expect(page.get_by_role("region", name="Analytics and web beacons")).to_contain_text("Declined")
    assert "tomato_vid" not in cookie_names(page.context)
    views = PageView.objects.count()
    page.goto(site + "/")
    assert page.locator("[data-beacon]").count() == 0
    assert PageView.objects.count() == views


def test_escape_closes_the_banner_and_keeps_focus_in_the_page(page, site):
    page.goto(site + "/")
    accept = banner(page).get_by_role("button", name="Accept all")
    accept.focus()
    page.keyboard.press("Escape")
    expect(banner(page)).to_have_count(0)
    assert page.evaluate("document.activeElement.id") == "main"
    page.reload()
    expect(banner(page)).to_be_visible()


def test_the_whole_flow_works_without_javascript(no_js_page, site):
    page = no_js_page
    page.goto(site + "/privacy/")
    banner(page).get_by_role("button", name="Accept all").click()
    expect(page).to_have_url(site + "/privacy/#main")
    expect(banner(page)).to_have_count(0)
    assert page.evaluate("document.activeElement.id") == "main"
    page.goto(site + "/cookies/")
    page.get_by_role("region", name="Personalisation").get_by_role("button", name="Decline").click()
    expect(page.get_by_role("region", name="Personalisation")).to_contain_text("Declined")
    expect(page.get_by_role("region", name="Analytics and web beacons")).to_contain_text("Accepted")
    assert list(ConsentRecord.objects.order_by("pk").values_list("group", "action", "source")) == [
        ("preferences", "accept", "banner"),
        ("analytics", "accept", "banner"),
        ("preferences", "decline", "settings"),
    ]


@pytest.fixture
def gpc_page(browser, site):
    context = browser.new_context(extra_http_headers={"Sec-GPC": "1"})
    yield context.new_page()
    context.close()


def test_a_visit_with_global_privacy_control(gpc_page, site):
    page = gpc_page
    page.goto(site + "/")
    expect(banner(page)).to_contain_text("Global Privacy Control is on")
    assert page.locator("[data-beacon]").count() == 0
    # Recorded once the browser comes back with the cookie that holds the decline.
    assert not ConsentRecord.objects.exists()
    page.goto(site + "/cookies/")
    expect(page.get_by_role("region", name="Analytics and web beacons")).to_contain_text("Declined")
    record = ConsentRecord.objects.get()
    assert (record.group, record.action, record.source) == ("analytics", "decline", "gpc")


def test_a_members_choice_follows_them_to_a_fresh_browser(page, site, member, browser):
    page.goto(site + "/accounts/login/")
    page.get_by_label("Login").fill(member.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    banner(page).get_by_role("button", name="Accept all").click()
    expect(banner(page)).to_have_count(0)

    fresh = browser.new_context()
    other = fresh.new_page()
    other.goto(site + "/accounts/login/")
    expect(banner(other)).to_be_visible()
    other.get_by_label("Login").fill(member.username)
    other.get_by_label("Password").fill(PASSWORD)
    other.get_by_role("button", name="Sign In", exact=True).click()
    expect(other.get_by_role("heading", level=1, name="My account")).to_be_visible()
    expect(banner(other)).to_have_count(0)
    other.goto(site + "/cookies/")
    expect(other.get_by_role("region", name="Analytics and web beacons")).to_contain_text(
        "Accepted"
    )
    fresh.close()


def test_personalisation_theme_and_remembered_email(page, site, member):
    page.goto(site + "/")
    expect(
        page.get_by_text("The light/dark theme switch needs Personalisation cookies.")
    ).to_be_visible()
    banner(page).get_by_role("button", name="Accept all").click()
    expect(banner(page)).to_have_count(0)
    page.reload()
    page.get_by_role("button", name="Dark").click()
    expect(page.locator("body")).to_have_class("theme-dark")

    page.goto(site + "/accounts/login/")
    page.get_by_label("Login").fill(member.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Remember my email on this device").check()
    page.get_by_role("button", name="Sign In", exact=True).click()
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Log out").click()
    page.goto(site + "/accounts/login/")
    expect(page.get_by_label("Login")).to_have_value(member.email)
