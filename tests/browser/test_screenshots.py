"""The pictures of the README: four pages in each language, 1280×800.

They go to pytest's temporary directory, so that a test run never changes the checkout;
``UPDATE_SCREENSHOTS=1`` (``make screenshots``) writes them to docs/screenshots/ instead.
The selectors do not depend on the language: the same steps take both sets.
"""

import os
import struct
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.factories import PASSWORD, UserFactory, approved_guardianship

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WIDTH, HEIGHT = 1280, 800
# The browser's language, which the site answers in (Accept-Language).
LOCALES = {"en": "en-GB", "zh-hans": "zh-CN"}


def png_size(data: bytes) -> tuple[int, int]:
    """The width and height of a PNG, read from its signature and header chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR", "no PNG header chunk"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS
    return tmp_path


def decide_cookies(page: Page) -> None:
    """Answer the cookie banner (Reject all), which then no longer covers the page."""
    page.locator("[data-cookie-banner] form[action$='/decline/'] button").click()
    expect(page.locator("[data-cookie-banner]")).to_have_count(0)


def log_in(page: Page, site: str, username: str) -> None:
    page.goto(site + "/accounts/login/")
    page.locator("#id_login").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type='submit']").click()
    expect(page).not_to_have_url(site + "/accounts/login/")


@pytest.mark.parametrize("lang", list(LOCALES))
def test_screenshots_of_the_site_in_each_language(browser: Browser, site, folder, lang):
    member = UserFactory(username="ana", gender="female", hobbies="chess, gardening")
    guardianship = approved_guardianship(teen__username="kit")
    shots = []

    def shoot(page: Page, name: str) -> None:
        expect(page.locator("html")).to_have_attribute("lang", lang)
        path = folder / f"{name}-{lang}.png"
        path.write_bytes(page.screenshot(full_page=False, animations="disabled"))
        shots.append(path)

    def new_page() -> Page:
        context = browser.new_context(
            viewport={"width": WIDTH, "height": HEIGHT}, locale=LOCALES[lang]
        )
        return context.new_page()

    # A first visit: the home page with the cookie banner.
    page = new_page()
    page.goto(site + "/")
    expect(page.locator("[data-cookie-banner]")).to_be_visible()
    shoot(page, "home")

    # Sign-up, past the age screen: the member form.
    decide_cookies(page)
    page.goto(site + "/accounts/signup/")
    page.locator("#id_date_of_birth").fill("1990-05-17")
    page.locator("main form button[type='submit']").click()
    expect(page.locator("#id_username")).to_be_visible()
    shoot(page, "signup")

    # Everything held about a member.
    log_in(page, site, member.username)
    page.goto(site + "/me/data/")
    shoot(page, "my-data")
    page.context.close()

    # The guardian portal: one child's page.
    page = new_page()
    page.goto(site + "/")
    decide_cookies(page)
    log_in(page, site, guardianship.guardian.username)
    page.goto(site + f"/guardian/ward/{guardianship.pk}/")
    expect(page.locator("main h1")).to_contain_text("kit")
    shoot(page, "guardian")
    page.context.close()

    assert [path.name for path in shots] == [
        f"{name}-{lang}.png" for name in ["home", "signup", "my-data", "guardian"]
    ]
    for path in shots:
        assert png_size(path.read_bytes()) == (WIDTH, HEIGHT), path
