"""Keyboard alone: Tab, Shift+Tab, Enter, Space and typing; no click, no fill.

At every stop the focus must be visible; the cookie banner hands the focus on to the main
content (or back to where it was); a refused form opens on its first field in error.
"""

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import link_in
from tests.browser.test_guardian_journey import consent_link
from tests.factories import PASSWORD as GUARDIAN_PASSWORD
from tests.factories import GuardianFactory, years_ago

PASSWORD = "tomatoes-are-fruit"

# What has the focus, and whether a sighted keyboard user can see it: the :focus-visible
# state with an outline (at least 2px) or a box shadow, on an element with a size, in view.
# The main content is not a stop: it takes the focus only as the target of a skip.
FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) {
    return {name: "(nothing)", visible: false, why: "nothing has the focus"};
  }
  const label = el.labels && el.labels.length ? el.labels[0].textContent : "";
  const text = (el.getAttribute("aria-label") || label || el.textContent || el.value || "")
    .replace(/\\s+/g, " ").trim().slice(0, 40);
  const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (text ? ` "${text}"` : "");
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  const shadow = style.boxShadow !== "none";
  const box = el.getBoundingClientRect();
  const inView = box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
    && box.top < innerHeight && box.left < innerWidth;
  // A date field's calendar button has the focus inside the field (:focus-within).
  const ring = el.matches(":focus-visible") || el.matches(":focus-within:not(:focus)");
  const why = [
    ring ? "" : "not :focus-visible",
    outline || shadow ? "" : "no outline or box shadow",
    inView ? "" : "not in view",
  ].filter(Boolean).join(", ");
  return {name, visible: !why, why};
}"""

Wanted = Locator | Callable[[Page], bool]


def focus(page: Page) -> dict[str, Any]:
    return dict(page.evaluate(FOCUS))


def assert_focus_visible(page: Page) -> str:
    """The name of what has the focus, which must be visible."""
    now = focus(page)
    assert now["visible"], f"the focus on {now['name']} cannot be seen: {now['why']}"
    return str(now["name"])


def has_focus(wanted: Wanted, page: Page) -> bool:
    if isinstance(wanted, Locator):
        return bool(wanted.evaluate("el => el === document.activeElement"))
    return wanted(page)


def tab_to(page: Page, wanted: Wanted, *, max_tabs: int = 30, backwards: bool = False) -> None:
    """Press Tab (Shift+Tab backwards) until ``wanted`` has the focus, checking at every stop
    that the focus is visible; fail with the list of the stops on the way."""
    if isinstance(wanted, Locator):
        expect(wanted).to_be_attached()
    key = "Shift+Tab" if backwards else "Tab"
    stops = []
    for _ in range(max_tabs):
        page.keyboard.press(key)
        stops.append(assert_focus_visible(page))
        if has_focus(wanted, page):
            return
    pytest.fail(f"{wanted} got no focus after {max_tabs} × {key}; the focus went to:\n  "
                + "\n  ".join(stops))  # fmt: skip


def main_has_focus(page: Page) -> bool:
    return bool(page.evaluate("document.activeElement.id === 'main'"))


def banner(page: Page) -> Locator:
    return page.get_by_role("region", name="Cookie consent")


def type_into(page: Page, wanted: Wanted, text: str) -> None:
    tab_to(page, wanted)
    page.keyboard.type(text)


@pytest.fixture
def guardian_page(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def test_a_teen_signs_up_and_a_guardian_approves_with_the_keyboard_alone(
    page, guardian_page, site, mailoutbox
):
    GuardianFactory(username="mum", email="mum@example.net")
    page.goto(site + "/")

    # The banner comes right after the skip link; after the choice the page goes on from its
    # main content: the next Tab is the first link of the page, not the header again.
    tab_to(page, page.get_by_role("link", name="Skip to main content"), max_tabs=1)
    tab_to(page, banner(page).get_by_role("button", name="Reject all"), max_tabs=2)
    page.keyboard.press("Enter")
    expect(banner(page)).to_have_count(0)
    assert main_has_focus(page)
    main = page.get_by_role("main")
    tab_to(page, main.get_by_role("link", name="Sign up"), max_tabs=1)
    page.keyboard.press("Enter")

    # The age screen: type the date of birth into the date field, then Space on Continue.
    expect(page.get_by_role("heading", name="Sign up")).to_be_visible()
    born = years_ago(14)
    type_into(page, page.get_by_label("Date of birth"), born.strftime("%m%d%Y"))
    tab_to(page, page.get_by_role("button", name="Continue"))
    page.keyboard.press("Space")

    # The form, with a password typed differently the second time: refused.
    expect(page.get_by_label("Guardian's email")).to_be_visible()
    type_into(page, page.get_by_label("Username"), "kit")
    type_into(page, page.get_by_label("Email", exact=True), "kit@example.com")
    type_into(page, page.get_by_label("Password", exact=True), PASSWORD)
    type_into(page, page.get_by_label("Password (again)"), PASSWORD + "s")
    type_into(page, page.get_by_label("Guardian's email"), "mum@example.net")
    tab_to(page, page.get_by_label("I agree to the Privacy Policy"))
    page.keyboard.press("Space")
    tab_to(page, main.get_by_role("button", name="Sign up"))
    page.keyboard.press("Enter")

    # The page of errors opens on the first field in error, focused visibly.
    expect(page.get_by_text("You must type the same password each time.")).to_be_visible()
    again = page.get_by_label("Password (again)")
    expect(again).to_be_focused()
    assert_focus_visible(page)
    # The passwords are not sent back: type both again, then Enter submits the form.
    tab_to(page, page.get_by_label("Password", exact=True), max_tabs=3, backwards=True)
    page.keyboard.type(PASSWORD)
    tab_to(page, again, max_tabs=1)
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()

    # The teen's mail client opens the verification link; the keyboard confirms.
    message = next(m for m in mailoutbox if m.to == ["kit@example.com"])
    page.goto(site + link_in(message))
    tab_to(page, page.get_by_role("button", name="Confirm"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Confirm")).to_have_count(0)

    # The guardian's mail client opens the consent link; their own banner, then Log in.
    guardian = guardian_page
    guardian.goto(site + consent_link(mailoutbox, "mum@example.net"))
    tab_to(guardian, banner(guardian).get_by_role("button", name="Accept all"), max_tabs=2)
    guardian.keyboard.press("Enter")
    expect(banner(guardian)).to_have_count(0)
    assert main_has_focus(guardian)
    tab_to(guardian, guardian.get_by_role("main").get_by_role("link", name="Log in"), max_tabs=3)
    guardian.keyboard.press("Enter")
    type_into(guardian, guardian.get_by_label("Login"), "mum")
    type_into(guardian, guardian.get_by_label("Password"), GUARDIAN_PASSWORD)
    guardian.keyboard.press("Enter")

    # Back on the request: Approve, with the keyboard.
    expect(guardian.get_by_role("heading", name="A request for your consent")).to_be_visible()
    tab_to(guardian, guardian.get_by_role("button", name="Approve"))
    guardian.keyboard.press("Enter")
    expect(guardian.get_by_role("heading", name="Your child: kit")).to_be_visible()


def test_the_banner_gives_the_focus_back_to_where_it_was_in_the_page(page, site):
    page.goto(site + "/privacy/")
    brand = page.get_by_role("link", name="Tomato home")
    tab_to(page, brand, max_tabs=5)
    tab_to(page, banner(page).get_by_role("link", name="Cookie settings"), backwards=True,
           max_tabs=1)  # fmt: skip
    tab_to(page, banner(page).get_by_role("button", name="Accept all"), backwards=True,
           max_tabs=2)  # fmt: skip
    page.keyboard.press("Space")
    expect(banner(page)).to_have_count(0)
    expect(brand).to_be_focused()
    assert_focus_visible(page)


def test_without_javascript_the_banner_lands_on_the_main_content(no_js_page, site):
    page = no_js_page
    page.goto(site + "/")
    tab_to(page, banner(page).get_by_role("button", name="Accept all"), max_tabs=2)
    page.keyboard.press("Enter")
    expect(page).to_have_url(site + "/#main")
    expect(banner(page)).to_have_count(0)
    assert main_has_focus(page)
    tab_to(page, page.get_by_role("main").get_by_role("link", name="Sign up"), max_tabs=1)
