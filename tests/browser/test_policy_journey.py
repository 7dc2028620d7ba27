import re

from playwright.sync_api import expect


def test_visitor_follows_the_privacy_policy_link_and_reads_version_1_0(page, site):
    page.goto(site + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("privacy promises")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Privacy policy").click()

    expect(page).to_have_url(site + "/privacy/")
    expect(page.get_by_role("heading", level=1, name="Privacy Policy")).to_be_visible()
    expect(page.locator(".policy__meta")).to_contain_text("1.0")
    expect(page.get_by_role("heading", level=2, name="Use of cookies")).to_be_visible()
    expect(
        page.get_by_text("This Privacy Policy applies to the Tomato Internet platform.")
    ).to_be_visible()

    page.get_by_role("link", name="Every version and what changed").click()
    expect(page).to_have_url(site + "/privacy/history/")
    expect(page.get_by_role("link", name="Version 1.0")).to_be_visible()


def test_keyboard_user_can_skip_to_the_content(page, site):
    page.goto(site + "/privacy/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))


def test_cookie_settings_lists_the_groups_and_records_a_choice(page, site):
    page.goto(site + "/cookies/")
    personalisation = page.get_by_role("region", name="Personalisation")
    expect(personalisation).to_contain_text("tomato_prefs")
    expect(personalisation).to_contain_text("Not decided")

    personalisation.get_by_role("button", name="Accept").click()

    expect(page).to_have_url(site + "/cookies/")
    expect(page.get_by_role("region", name="Personalisation")).to_contain_text("Accepted")
    expect(page.get_by_role("region", name="Analytics and web beacons")).to_contain_text(
        "Not decided"
    )
