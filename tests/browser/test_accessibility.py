"""Every kind of page, in both languages, passes axe-core (WCAG 2.2 A/AA: no serious or
critical violation) and the Nu Html Checker (no error), and the login page passes
Lighthouse's target-size audit.

The walks find fields by their names and buttons by their place, not by their labels:
the same walk runs in English and in Simplified Chinese.
"""

import json
import os
import subprocess
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import StaffAccess
from consent.models import ConsentRecord, PolicyAcceptance, PolicyVersion
from consent.privacy import subject_hash
from guardians.tokens import make_token
from tests.browser.accessibility import (
    AXE,
    LIGHTHOUSE,
    VNU,
    HtmlCollector,
    PageChecker,
    require,
)
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, link_in
from tests.factories import (
    PASSWORD,
    GuardianshipFactory,
    PolicyVersionFactory,
    RecipientFactory,
    UserFactory,
    approved_guardianship,
    member_record,
    staff_in,
)
from transparency.models import Quarter
from transparency.services import quarter_report_compute

LANGUAGES = {"en": "en-GB", "zh-hans": "zh-CN"}  # <html lang> → the browser's locale


@pytest.fixture(params=LANGUAGES)
def language(request):
    return request.param


@pytest.fixture(scope="module")
def nu_checker(tmp_path_factory):
    """Collects the served HTML of every page in this module; the Nu Html Checker reads
    them all once at the end (a JVM start is slow) and fails on any error."""
    require(AXE, VNU)
    collector = HtmlCollector(tmp_path_factory.mktemp("served-html"))
    yield collector
    errors = collector.errors()
    assert not errors, "The Nu Html Checker:\n" + "\n".join(errors)


@pytest.fixture
def checker(browser, site, language, nu_checker):
    """A checking page per role: ``checker()`` opens a fresh browser context (its own
    cookies) that bypasses the CSP so that axe can be injected."""
    contexts = []

    def open_as() -> PageChecker:
        context = browser.new_context(bypass_csp=True, locale=LANGUAGES[language])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return PageChecker(page, site, language, nu_checker)

    yield open_as
    for context in contexts:
        context.close()


def log_in(check: PageChecker, user) -> None:
    page = check.page
    page.goto(check.site + "/accounts/login/")
    page.locator("[name=login]").fill(user.username)
    page.locator("[name=password]").fill(PASSWORD)
    page.locator("main form[action$='/login/'] [type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def reauthenticate(check: PageChecker) -> None:
    """allauth's "Confirm access" page: checked, then answered with the password."""
    check.check()
    check.page.locator("main [name=password]").fill(PASSWORD)
    check.page.locator("main form [type=submit]").click()


def post_form(check: PageChecker, path: str, fields: dict[str, str]):
    """Submit a form the page does not offer (as a crafted request would), with the page's
    CSRF token, and land on the answer."""
    page = check.page
    with page.expect_navigation() as navigation:
        page.evaluate(
            """([action, fields]) => {
                const form = document.createElement("form");
                form.method = "post";
                form.action = action;
                const token = document.querySelector("[name=csrfmiddlewaretoken]");
                for (const [name, value] of Object.entries({
                    csrfmiddlewaretoken: token ? token.value : "", ...fields})) {
                    const input = document.createElement("input");
                    input.type = "hidden";
                    input.name = name;
                    input.value = value;
                    form.append(input);
                }
                document.body.append(form);
                form.submit();
            }""",
            [path, fields],
        )
    return navigation.value


def test_anonymous_pages(checker, mailoutbox):
    # The transparency report with a quarter counted: its chart and tables are checked too.
    quarter_report_compute(quarter=Quarter.of(timezone.now()))
    visitor = checker()
    page = visitor.page
    visitor.visit("/")
    assert page.locator("[data-cookie-banner]").is_visible()
    for path in ["/privacy/", "/privacy/history/", "/privacy/1.0/", "/cookies/", "/transparency/"]:
        visitor.visit(path)
    visitor.visit("/accounts/login/")
    page.locator("[name=login]").fill("nobody")
    page.locator("[name=password]").fill("not-the-password")
    page.locator("main form[action$='/login/'] [type=submit]").click()
    visitor.check()  # the form with its error
    visitor.visit("/accounts/password/reset/")

    # The age screen (empty, then with its error), then the sign-up form and what follows.
    visitor.visit("/accounts/signup/")
    page.locator("main form [type=submit]").click()
    visitor.check()
    page.locator("[name=date_of_birth]").fill("1990-05-17")
    page.locator("main form [type=submit]").click()
    page.locator("[name=username]").wait_for()
    visitor.check()
    page.locator("[name=username]").fill("newcomer")
    page.locator("[name=email]").fill("newcomer@example.com")
    page.locator("[name=password1]").fill(PASSWORD)
    page.locator("[name=password2]").fill(PASSWORD)
    page.locator("[name=agree]").check()
    page.locator("main form [type=submit]").click()
    page.wait_for_url("**/accounts/confirm-email/")
    visitor.check()
    visitor.visit(link_in(mailoutbox[-1]))
    visitor.assert_clean()


def test_dark_theme(checker):
    visitor = checker()
    page = visitor.page
    visitor.visit("/")
    page.locator("[data-cookie-banner] form [type=submit]").first.click()  # "Accept all"
    page.locator("[data-cookie-banner]").wait_for(state="hidden")  # sent in the background
    page.reload()
    page.locator(".theme-switch [value=dark]").click()
    page.wait_for_load_state()
    assert page.locator("body.theme-dark").count() == 1
    for path in ["/", "/privacy/", "/cookies/", "/accounts/login/", "/accounts/signup/"]:
        visitor.visit(path)
    visitor.assert_clean()


def test_member_pages(checker):
    member = UserFactory()
    RecipientFactory()
    # Consent events, for the data page's list of receipts.
    ConsentRecord.objects.bulk_create([member_record(member)])
    PolicyAcceptance.objects.record(
        user=member, version=PolicyVersion.objects.get(), source="signup"
    )
    StaffAccess.objects.create(  # "Staff who opened your data" has a row, with its reason
        user=member, subject=subject_hash(member.pk), what="accounts.user", view="change",
        reason="legal", reason_reference="CASE-1", **StaffAccess.by(staff_in("Support")),
    )  # fmt: skip
    check = checker()
    log_in(check, member)
    for path in [
        "/me/",
        "/me/profile/",
        "/me/data/",
        "/me/sharing/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/2fa/",
        "/accounts/sessions/",
    ]:
        check.visit(path)
    check.visit("/me/delete/")
    reauthenticate(check)
    check.page.wait_for_url("**/me/delete/")
    check.check()
    check.visit("/accounts/2fa/totp/activate/")
    check.assert_clean()


def test_teen_awaiting_approval(checker):
    teen = GuardianshipFactory().teen
    check = checker()
    log_in(check, teen)
    check.page.wait_for_url("**/guardian/waiting/")
    check.check()
    check.assert_clean()


def test_guardian_portal_and_consent_link(checker):
    guardianship = approved_guardianship()
    ConsentRecord.objects.bulk_create(
        [member_record(guardianship.teen, group="account", source="guardian")]
    )
    guardian = guardianship.guardian
    waiting = GuardianshipFactory(guardian_email=guardian.email)
    link = f"/guardian/consent/{make_token(waiting.requests.get())}/"

    # The link as the guardian first sees it, not logged in.
    stranger = checker()
    stranger.visit(link)

    check = checker()
    log_in(check, guardian)
    check.visit("/guardian/")
    check.visit(f"/guardian/ward/{guardianship.pk}/")
    check.visit(link)
    check.visit(f"/guardian/ward/{guardianship.pk}/delete/")
    reauthenticate(check)
    check.page.wait_for_url(f"**/guardian/ward/{guardianship.pk}/delete/")
    check.check()
    stranger.assert_clean()
    check.assert_clean()


def test_policy_gate(checker):
    member = UserFactory()
    PolicyVersionFactory(is_material=True, change_summary="We now keep less.")
    cache.clear()  # the version requiring agreement is cached
    check = checker()
    log_in(check, member)
    check.page.wait_for_url("**/privacy/agree/**")
    check.check()
    check.assert_clean()


def test_error_pages(checker, language):
    visitor = checker()
    page = visitor.page
    visitor.visit("/no-such-page/", status=HTTPStatus.NOT_FOUND)
    visitor.visit("/guardian/consent/not-a-token/", status=HTTPStatus.BAD_REQUEST)

    # 403: a form sent without the CSRF cookie (it expired, or came from elsewhere).
    visitor.visit("/")
    page.context.clear_cookies()
    assert post_form(visitor, "/cookies/accept/", {"all_groups": "on"}).status == 403
    visitor.check()

    # 429: the age screen answered too often from one address.
    visitor.visit("/accounts/signup/")
    token = page.locator("main [name=csrfmiddlewaretoken]").input_value()
    for _ in range(20):
        page.request.post(
            visitor.site + "/accounts/signup/",
            form={"csrfmiddlewaretoken": token, "date_of_birth": ""},
            headers={"Referer": visitor.site + "/accounts/signup/"},
        )
    page.locator("[name=date_of_birth]").fill("1990-05-17")
    page.locator("main form [type=submit]").click()
    assert visitor.document.status == HTTPStatus.TOO_MANY_REQUESTS
    visitor.check()

    # 400 and 403 from a member's and a teen's crafted requests.
    member = checker()
    log_in(member, UserFactory())
    member.visit("/me/sharing/")
    assert post_form(member, "/me/sharing/", {"recipient": "0", "action": "grant"}).status == 400
    member.check()
    teen = checker()
    log_in(teen, approved_guardianship().teen)
    teen.visit("/me/sharing/")
    assert post_form(teen, "/me/sharing/", {"recipient": "0", "action": "grant"}).status == 403
    teen.check()

    # 500: rendered as Django's handler would, served at a made-up address.
    with translation.override(language):
        html = render_to_string("500.html")  # as django.views.defaults.server_error does
    page.route(
        "**/server-error/",
        lambda route: route.fulfill(status=500, body=html, content_type="text/html"),
    )
    visitor.visit("/server-error/", status=HTTPStatus.INTERNAL_SERVER_ERROR)
    for check in (visitor, member, teen):
        check.assert_clean()


def test_login_targets_are_large_enough_for_lighthouse(site, tmp_path):
    """WCAG 2.2's target size (2.5.8): Lighthouse's audit passes on the login page."""
    require(LIGHTHOUSE)
    flags = " ".join(["--headless=new", *CHROMIUM_ARGS])
    finished = subprocess.run(
        [str(LIGHTHOUSE), site + "/accounts/login/", "--only-audits=target-size",
         "--output=json", "--quiet", f"--chrome-flags={flags}"],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "CHROME_PATH": str(CHROMIUM), "HOME": str(tmp_path)},
    )  # fmt: skip
    assert finished.returncode == 0, finished.stderr
    audit = json.loads(finished.stdout)["audits"]["target-size"]
    failing = [item["node"]["nodeLabel"] for item in (audit.get("details") or {}).get("items", [])]
    assert audit["score"] == 1, f"{audit['scoreDisplayMode']}: {failing}"
