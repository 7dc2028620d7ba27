"""Choosing a language in a real browser: the browser's language on a first visit, the
footer's switcher (with and without JavaScript), and a member's choice that follows them
to another device."""

from playwright.sync_api import expect

from accounts.models import User
from tests.factories import PASSWORD, UserFactory


def footer(page):
    return page.get_by_role("contentinfo")


def test_a_visitor_reads_the_site_in_their_browsers_language_and_switches(browser, site):
    context = browser.new_context(locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.goto(site + "/privacy/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", level=2, name="个人信息的收集", exact=True)).to_be_visible()

    # The switcher is a plain form: it works without JavaScript, and the choice stays.
    footer(page).get_by_role("button", name="English").click()
    expect(page).to_have_url(site + "/privacy/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(
        page.get_by_role("heading", level=2, name="Collection of personal information")
    ).to_be_visible()
    page.goto(site + "/cookies/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("cell", name="Remembers the language you chose")).to_be_visible()
    context.close()


def test_a_members_language_follows_them_to_another_device(browser, site):
    member = UserFactory(username="mei", email="mei@example.com")

    def log_in(page):
        page.goto(site + "/accounts/login/")
        page.get_by_label("Login").fill("mei")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign In", exact=True).click()

    phone_context, laptop_context = (browser.new_context(locale="en-GB") for _ in range(2))
    phone = phone_context.new_page()
    log_in(phone)
    expect(phone.get_by_role("heading", level=1, name="My account")).to_be_visible()
    footer(phone).get_by_role("button", name="简体中文").click()
    expect(phone.get_by_role("heading", level=1, name="我的账户")).to_be_visible()
    member.refresh_from_db()
    assert member.language == "zh-hans"

    # A laptop whose browser asks for English: logged in, the member's choice wins.
    laptop = laptop_context.new_page()
    log_in(laptop)
    expect(laptop.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(laptop.get_by_role("heading", level=1, name="我的账户")).to_be_visible()
    assert User.objects.get(pk=member.pk).language == "zh-hans"
    phone_context.close()
    laptop_context.close()
