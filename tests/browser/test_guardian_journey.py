"""Prior guardian consent for under-16s, in real browsers: the teen's and the guardian's."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from guardians.models import Guardianship
from tests.browser.conftest import link_in
from tests.factories import years_ago

PASSWORD = "tomatoes-are-fruit"
CONSENT_LINK = re.compile(r"https?://[^/\s]+(/guardian/consent/[^\s]+/)")


def consent_link(mailoutbox, to):
    message = next(
        m for m in reversed(mailoutbox) if m.to == [to] and "/guardian/consent/" in m.body
    )
    return CONSENT_LINK.search(message.body).group(1)


def sign_up(page, site, *, username, email, born, guardian_email=None, start="/accounts/signup/"):
    page.goto(site + start)
    page.get_by_label("Date of birth").fill(born.isoformat())
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    if guardian_email:
        page.get_by_label("Guardian's email").fill(guardian_email)
    page.get_by_label("I agree to the Privacy Policy").check()
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()


def verify_and_log_in(page, site, mailoutbox, *, email, username):
    message = next(
        m for m in reversed(mailoutbox) if m.to == [email] and "/accounts/confirm-email/" in m.body
    )
    page.goto(site + link_in(message))
    page.get_by_role("button", name="Confirm").click()
    log_in(page, site, username)


def log_in(page, site, username):
    page.goto(site + "/accounts/login/")
    page.get_by_label("Login").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()


@pytest.fixture
def guardian_page(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def test_teen_waits_guardian_approves_restricts_and_deletes(page, guardian_page, site, mailoutbox):
    # A 14-year-old signs up and, once verified, can only see the waiting page.
    sign_up(page, site, username="kit", email="kit@example.com", born=years_ago(14),
            guardian_email="mum@example.net")  # fmt: skip
    verify_and_log_in(page, site, mailoutbox, email="kit@example.com", username="kit")
    expect(page).to_have_url(site + "/guardian/waiting/")
    expect(page.get_by_role("heading", name="Waiting for your guardian")).to_be_visible()
    page.goto(site + "/me/")
    expect(page).to_have_url(site + "/guardian/waiting/")

    # The guardian opens the emailed link, signs up, and approves.
    guardian = guardian_page
    link = consent_link(mailoutbox, "mum@example.net")
    guardian.goto(site + link)
    expect(guardian.get_by_text("kit", exact=True)).to_be_visible()
    guardian.get_by_role("main").get_by_role("link", name="Sign up").click()
    sign_up(guardian, site, username="mum", email="mum@example.net", born=years_ago(41),
            start=guardian.url.removeprefix(site))  # fmt: skip
    verify_and_log_in(guardian, site, mailoutbox, email="mum@example.net", username="mum")
    guardian.goto(site + link)
    guardian.get_by_role("button", name="Approve").click()
    expect(guardian.get_by_role("heading", name="Your child: kit")).to_be_visible()
    guardian.get_by_label("Allow optional profile fields").check()
    guardian.get_by_role("button", name="Save").click()
    expect(guardian.get_by_text("Your choices have been saved.")).to_be_visible()

    # The teen uses the site and edits the profile.
    page.goto(site + "/me/profile/")
    page.get_by_label("Hobbies").fill("skateboarding")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your profile has been saved.")).to_be_visible()

    # The guardian stops further collection: the profile freezes.
    guardian.get_by_role("button", name="Stop further collection").click()
    expect(guardian.get_by_role("button", name="Resume collection")).to_be_visible()
    page.goto(site + "/me/profile/")
    expect(page.get_by_text("Your guardian has stopped further collection")).to_be_visible()
    expect(page.get_by_role("button", name="Save")).to_have_count(0)

    # The guardian deletes the teen's data; the teen can no longer log in.
    guardian.get_by_role("link", name="Delete my child's data").click()
    guardian.get_by_label("Password").fill(PASSWORD)
    guardian.get_by_role("button", name="Confirm").click()
    guardian.get_by_label("I understand that this deletes my child's account").check()
    guardian.get_by_role("button", name="Delete my child's data").click()
    expect(guardian.get_by_text("Your child's account and data have been deleted.")).to_be_visible()
    assert not User.objects.filter(username="kit").exists()
    page.context.clear_cookies()
    log_in(page, site, "kit")
    expect(
        page.get_by_text("The username and/or password you specified are not correct.")
    ).to_be_visible()


def make_teen_with_request(mailoutbox, page, site, *, username, guardian_email):
    sign_up(page, site, username=username, email=f"{username}@example.com", born=years_ago(13),
            guardian_email=guardian_email)  # fmt: skip
    return consent_link(mailoutbox, guardian_email)


def guardian_account(guardian, site, mailoutbox, *, username, email):
    sign_up(guardian, site, username=username, email=email, born=years_ago(45))
    verify_and_log_in(guardian, site, mailoutbox, email=email, username=username)


def test_a_guardian_declines_and_a_link_works_once(page, guardian_page, site, mailoutbox):
    link = make_teen_with_request(
        mailoutbox, page, site, username="ash", guardian_email="dad@example.net"
    )
    guardian_account(guardian_page, site, mailoutbox, username="dad", email="dad@example.net")
    guardian_page.goto(site + link)
    guardian_page.get_by_role("button", name="Decline").click()
    expect(guardian_page.get_by_text("You have declined.")).to_be_visible()
    assert not User.objects.filter(username="ash").exists()
    assert "erased" in mailoutbox[-1].subject

    guardian_page.goto(site + link)
    expect(guardian_page.get_by_role("heading", name="This link cannot be used")).to_be_visible()
    expect(guardian_page.get_by_text("Nothing was changed.")).to_be_visible()


def test_another_guardians_ward_is_not_found(page, guardian_page, site, mailoutbox):
    link = make_teen_with_request(
        mailoutbox, page, site, username="rio", guardian_email="gran@example.net"
    )
    guardian_account(guardian_page, site, mailoutbox, username="gran", email="gran@example.net")
    guardian_page.goto(site + link)
    guardian_page.get_by_role("button", name="Approve").click()
    ward = Guardianship.objects.get(teen__username="rio")

    page.context.clear_cookies()
    guardian_account(page, site, mailoutbox, username="other", email="other@example.net")
    response = page.goto(site + f"/guardian/ward/{ward.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
