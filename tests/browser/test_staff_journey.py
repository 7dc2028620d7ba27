"""A new staff member's first login: a code from their email, then two-factor, then the admin."""

from playwright.sync_api import expect

from tests.conftest import login_code_in
from tests.factories import PASSWORD, UserFactory
from tests.totp import totp_code


def test_new_staff_confirm_an_emailed_code_then_set_up_two_factor(page, site, mailoutbox):
    staff = UserFactory(is_staff=True, is_superuser=True)
    page.goto(f"{site}/accounts/login/?next=/admin/")
    page.get_by_label("Login").fill(staff.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()

    # The password alone is not enough: a code goes to the account's email.
    expect(page.get_by_role("heading", name="Enter Sign-In Code")).to_be_visible()
    assert mailoutbox[-1].to == [staff.email]
    page.get_by_label("Code").fill(login_code_in(mailoutbox[-1]))
    page.get_by_role("button", name="Confirm").click()

    # The admin sends them to set up two-factor first.
    expect(page.get_by_text("must have two-factor authentication")).to_be_visible()
    page.get_by_role("link", name="Activate").first.click()
    expect(page.get_by_role("heading", name="Confirm Access")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_text("Authenticator app activated.")).to_be_visible()

    page.goto(site + "/admin/")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
