"""Disclosures and policy updates, from the privacy officer's admin to the member's pages."""

from allauth.mfa.utils import decrypt
from playwright.sync_api import expect

from consent.models import Disclosure, PolicyVersion
from tests.factories import PASSWORD, PolicyVersionFactory, RecipientFactory, staff_in
from tests.totp import totp_code


def log_in(page, site, username, *, next_path="/"):
    page.goto(f"{site}/accounts/login/?next={next_path}")
    page.get_by_label("Login").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()


def admin_login(page, site, officer):
    log_in(page, site, officer.username, next_path="/admin/")
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    secret = decrypt(officer.authenticator_set.get(type="totp").data["secret"])
    page.get_by_role("textbox").fill(totp_code(secret))
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()


def add_disclosure(page, site, **fields):
    page.goto(site + "/admin/consent/disclosure/add/")
    if "recipient" in fields:
        page.get_by_label("Recipient", exact=True).fill(fields["recipient"])
    if "listed" in fields:
        page.get_by_label("Listed recipient").select_option(label=fields["listed"])
    page.get_by_label("Purpose").fill(fields["purpose"])
    page.get_by_label("Legal basis").select_option(fields["basis"])
    page.get_by_label("Reference").fill(fields.get("reference", ""))
    page.get_by_label("Data categories").fill("username, email")
    page.get_by_label("People concerned").fill(fields["people"])
    page.get_by_role("button", name="Save", exact=True).click()


def test_disclosures_are_recorded_under_the_rules_and_shown_to_the_member(
    page, site, member, browser
):
    officer = staff_in("Privacy officer")
    partner = RecipientFactory(name="Tomato Boxes")
    admin_login(page, site, officer)

    add_disclosure(page, site, recipient="District Court", purpose="Court order in case 12",
                   basis="legal", reference="ORDER-12", people=member.username)  # fmt: skip
    expect(page.get_by_text("was added successfully")).to_be_visible()

    add_disclosure(page, site, listed="Tomato Boxes", purpose="Deliver a box",
                   basis="interaction", people=member.username)  # fmt: skip
    expect(
        page.get_by_text(
            f"no permission to share with Tomato Boxes is on record for: {member.username}"
        )
    ).to_be_visible()
    assert Disclosure.objects.count() == 1

    # The member sees the legal disclosure, and gives permission to the partner.
    member_context = browser.new_context()
    member_page = member_context.new_page()
    log_in(member_page, site, member.username)
    member_page.goto(site + "/me/data/")
    section = member_page.get_by_role("region", name="Who we shared your data with")
    expect(section).to_contain_text("District Court")
    expect(section).to_contain_text("ORDER-12")
    member_page.goto(site + "/me/sharing/")
    member_page.get_by_role("button", name="Allow sharing").click()
    expect(member_page.get_by_text("You allowed sharing with Tomato Boxes.")).to_be_visible()

    add_disclosure(page, site, listed="Tomato Boxes", purpose="Deliver a box",
                   basis="interaction", people=member.username)  # fmt: skip
    expect(page.get_by_text("was added successfully")).to_be_visible()
    assert Disclosure.objects.filter(listed_recipient=partner).count() == 1
    member_context.close()


def test_a_published_material_version_must_be_agreed_to(page, site, member, browser):
    PolicyVersionFactory(
        version="2.0", is_material=True, published_at=None, change_summary="Disclosures register."
    )
    officer = staff_in("Privacy officer")
    admin_login(page, site, officer)
    page.goto(site + "/admin/consent/policyversion/")
    page.get_by_role("row", name="2.0").get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option(label="Publish the selected versions")
    page.get_by_role("button", name="Run").click()
    expect(page.get_by_text("Published: 2.0.")).to_be_visible()
    assert PolicyVersion.objects.get(version="2.0").is_published

    member_context = browser.new_context()
    member_page = member_context.new_page()
    log_in(member_page, site, member.username, next_path="/me/")
    expect(
        member_page.get_by_role("heading", name="We've updated our Privacy Policy")
    ).to_be_visible()
    expect(member_page.get_by_text("Disclosures register.")).to_be_visible()
    member_page.goto(site + "/me/profile/")
    expect(
        member_page.get_by_role("heading", name="We've updated our Privacy Policy")
    ).to_be_visible()
    member_page.get_by_role("button", name="I agree").click()
    expect(member_page.get_by_role("heading", name="Edit profile")).to_be_visible()
    member_context.close()
