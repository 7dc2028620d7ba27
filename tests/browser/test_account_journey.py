from playwright.sync_api import expect

from tests.browser.conftest import link_in


def test_sign_up_verify_log_in_and_log_out(page, site, mailoutbox):
    page.goto(site + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign up").click()

    page.get_by_label("Username").fill("ana")
    page.get_by_label("Email").fill("ana@example.com")
    page.get_by_label("Password", exact=True).fill("tomatoes-are-fruit")
    page.get_by_label("Password (again)").fill("tomatoes-are-fruit")
    page.get_by_role("button", name="Sign Up").click()

    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    assert [message.to for message in mailoutbox] == [["ana@example.com"]]

    page.goto(site + link_in(mailoutbox[0]))
    page.get_by_role("button", name="Confirm").click()

    page.get_by_label("Login").fill("ana@example.com")
    page.get_by_label("Password").fill("tomatoes-are-fruit")
    page.get_by_role("button", name="Sign In", exact=True).click()

    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="My account")).to_be_visible()

    nav.get_by_role("button", name="Log out").click()
    expect(nav.get_by_role("link", name="Log in")).to_be_visible()


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

    page.goto(site + "/accounts/login/")
    page.get_by_label("Login").fill(member.username)
    page.get_by_label("Password").fill("a-fresh-long-password")
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="My account")
    ).to_be_visible()
