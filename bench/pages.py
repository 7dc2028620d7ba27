"""The pages ``make bench`` drives, who asks for each, and the cookies they send.

Every request carries what the browser of a visitor who accepted every cookie group
would send: the consent cookie, the analytics visitor id and the CSRF cookie; a member's,
a guardian's and a staff member's requests also carry their session. The values come
from the state file that ``manage.py bench_seed`` writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Literal, TypedDict

Who = Literal["visitor", "member", "guardian", "staff"]
#: What a page is, for the goals (``bench.report.THROUGHPUT_GOALS``).
Kind = Literal["anonymous", "beacon", "member", "member_data", "admin", "reference"]


class CookieNames(TypedDict):
    session: str
    csrf: str
    consent: str
    visitor: str


class CookieValues(TypedDict):
    consent: str
    visitor: str
    csrf: str


class Sessions(TypedDict):
    member: str
    guardian: str
    staff: str


class State(TypedDict):
    """What ``bench_seed --state-file`` writes."""

    size: dict[str, int]
    sessions: Sessions
    cookies: CookieNames
    values: CookieValues
    probes: dict[str, str]


@dataclass(frozen=True)
class Page:
    path: str
    who: Who
    kind: Kind
    status: HTTPStatus = HTTPStatus.OK


PAGES = (
    Page("/", "visitor", "anonymous"),
    Page("/privacy/", "visitor", "anonymous"),
    Page("/cookies/", "visitor", "anonymous"),
    # Counted on every page view with analytics consent: the hottest path of all.
    Page("/beacon?route=home", "visitor", "beacon", HTTPStatus.NO_CONTENT),
    Page("/me/", "member", "member"),
    Page("/me/data/", "member", "member_data"),
    Page("/guardian/", "guardian", "member"),
    Page("/admin/accounts/user/", "staff", "admin"),
    Page("/admin/consent/consentrecord/", "staff", "admin"),
    Page("/admin/consent/pageview/", "staff", "admin"),
)

#: The bare Django page of ``bench/reference`` (it sets Django's default CSRF cookie).
REFERENCE = Page("/", "visitor", "reference")
REFERENCE_CSRF_COOKIE = "csrftoken"


def site_cookies(page: Page, state: State) -> dict[str, str]:
    """The cookies the site's page is asked for with."""
    names, values = state["cookies"], state["values"]
    jar = {
        names["consent"]: values["consent"],
        names["visitor"]: values["visitor"],
        names["csrf"]: values["csrf"],
    }
    if page.who != "visitor":
        jar[names["session"]] = state["sessions"][page.who]
    return jar


def reference_cookies(state: State) -> dict[str, str]:
    """The reference page gets a CSRF cookie too, as a returning browser sends it."""
    return {REFERENCE_CSRF_COOKIE: state["values"]["csrf"]}


def cookie_header(jar: dict[str, str]) -> str:
    """The ``Cookie`` header for these cookies (values as the server set them)."""
    return "; ".join(f"{name}={value}" for name, value in jar.items())
