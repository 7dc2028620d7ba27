"""A privacy officer opens a member's record only after giving a reason; the member sees
the opening, with the officer's role and the reason, on their data page."""

from playwright.sync_api import expect

from accounts.models import StaffAccess
from tests.browser.test_privacy_officer_journey import admin_login, log_in
from tests.factories import staff_in


def test_a_member_sees_why_a_privacy_officer_opened_their_record(page, site, member, browser):
    member.hobbies = "Growing heirloom tomatoes"
    member.save()
    officer = staff_in("Privacy officer", username="olive-officer")
    admin_login(page, site, officer)

    page.goto(f"{site}/admin/accounts/user/{member.pk}/change/")
    expect(page.get_by_role("heading", name="Why are you opening this record?")).to_be_visible()
    expect(page.get_by_text(member.email)).to_have_count(0)
    assert "heirloom" not in page.content()

    # A legal request needs its reference.
    page.get_by_role("radio", name="Legal request").check()
    page.get_by_role("button", name="Open the record").click()
    expect(page.get_by_text("A legal request needs its reference.")).to_be_visible()
    assert not StaffAccess.objects.exists()

    page.get_by_role("radio", name="Support request from the person").check()
    page.get_by_role("button", name="Open the record").click()
    record = page.get_by_role("main")
    expect(record).to_contain_text(member.email)
    expect(record).to_contain_text("Growing heirloom tomatoes")
    access = StaffAccess.objects.get(user=member)
    assert (access.reason, access.staff_role) == ("support", "privacy_officer")

    member_context = browser.new_context()
    member_page = member_context.new_page()
    log_in(member_page, site, member.username)
    member_page.goto(site + "/me/data/")
    section = member_page.get_by_role("region", name="Staff who opened your data")
    expect(section).to_contain_text("Privacy officer")
    expect(section).to_contain_text("Support request from the person")
    expect(section).not_to_contain_text(officer.username)
    member_context.close()
