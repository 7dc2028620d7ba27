import json
from pathlib import Path

from django.core.cache import cache
from playwright.sync_api import expect

from tests.browser.conftest import link_in
from tests.totp import totp_code

PASSWORD = "tomatoes-are-fruit"


def sign_up(page, site, *, username, email, date_of_birth="1990-05-17"):
    page.goto(site + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign up").click()
    page.get_by_label("Date of birth").fill(date_of_birth)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_label("Gender").select_option(label="Prefer not to say")
    page.get_by_label("I agree to the Privacy Policy").check()
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()


def log_in(page, site, login, password=PASSWORD):
    page.goto(site + "/accounts/login/")
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In", exact=True).click()


def confirm_password(page):
    expect(page.get_by_role("heading", name="Confirm Access")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()


def test_member_journey_from_sign_up_to_deletion_and_back(page, site, mailoutbox):
    # Sign up through the age screen and verify the email from the link in the message.
    sign_up(page, site, username="ana", email="ana@example.com")
    assert [message.to for message in mailoutbox] == [["ana@example.com"]]
    page.goto(site + link_in(mailoutbox[0]))
    page.get_by_role("button", name="Confirm").click()

    # Log in and edit the profile.
    log_in(page, site, "ana@example.com")
    expect(page.get_by_role("heading", level=1, name="My account")).to_be_visible()
    page.get_by_role("link", name="Edit profile").click()
    expect(page.get_by_text("17 May 1990")).to_be_visible()
    page.get_by_label("Hobbies").fill("chess, gardening")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your profile has been saved.")).to_be_visible()

    # A card number in the hobbies is refused with the policy's advice.
    page.get_by_label("Hobbies").fill("my card 4111 1111 1111 1111")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Please be careful not to disclose")).to_be_visible()
    page.goto(site + "/me/")
    expect(page.get_by_text("chess, gardening")).to_be_visible()

    # See and download everything held.
    page.get_by_role("link", name="See everything we hold about you").click()
    expect(page.get_by_role("heading", name="Privacy policy acceptances")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download as JSON").click()
    download = download_info.value
    assert download.suggested_filename == "tomato-my-data.json"
    data = json.loads(Path(download.path()).read_text())["data"]
    assert data["accounts.user"]["items"][0]["Hobbies"] == "chess, gardening"

    # Set up an authenticator app, then log in again with a code.
    page.goto(site + "/accounts/2fa/")
    page.get_by_role("link", name="Activate").first.click()
    confirm_password(page)
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_text("Authenticator app activated.")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Log out").click()
    log_in(page, site, "ana")
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    page.get_by_role("textbox").fill(totp_code(secret))
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="My account")).to_be_visible()

    # Delete the account: confirm the password, tick the box, get a receipt.
    page.get_by_role("link", name="Delete account").first.click()
    confirm_password(page)
    page.get_by_label("I understand that this deletes my account").check()
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("Your account and all your data have been deleted.")).to_be_visible()
    assert "Your data has been erased" in mailoutbox[-1].subject

    # The same username and email can sign up again (after the 3-minute limit on
    # confirmation emails to one address has passed: here, by clearing the cache).
    cache.clear()
    page.context.clear_cookies()
    sign_up(page, site, username="ana", email="ana@example.com")
    assert mailoutbox[-1].to == ["ana@example.com"]
    assert "confirm" in mailoutbox[-1].body.lower()


def test_forgotten_password_is_reset_from_the_emailed_link(page, site, member, mailoutbox):
    page.goto(site + "/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(member.email)
    page.get_by_role("button", name="Reset My Password").click()
    expect(page.get_by_role("heading", name="Password Reset")).to_be_visible()

    page.goto(site + link_in(mailoutbox[-1]))
    page.get_by_label("New Password", exact=True).fill("a-fresh-long-password")
    page.get_by_label("New Password (again)").fill("a-fresh-long-password")
    page.get_by_role("button", name="Change Password").click()
    expect(page.get_by_text("Your password is now changed.")).to_be_visible()

    log_in(page, site, member.username, "a-fresh-long-password")
    expect(page.get_by_role("heading", level=1, name="My account")).to_be_visible()
