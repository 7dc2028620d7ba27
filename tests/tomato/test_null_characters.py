"""No real request carries a NUL character, and PostgreSQL refuses it in text: a request with
one in its path, query string, headers or cookies gets the 400 page and writes nothing.
(Form fields refuse it themselves, with a message beside the field.)"""

from http import HTTPStatus

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, StaffFactory, UserFactory
from tests.snapshot import changed_tables, snapshot

NUL = "\x00"


def as_staff(client):
    client.force_login(StaffFactory(is_superuser=True))


def as_member(client):
    client.force_login(UserFactory())


REQUESTS = [
    pytest.param(
        None, "post", "consent:accept", {"all_groups": "on"}, {"HTTP_USER_AGENT": f"Browser{NUL}"},
        id="user-agent-on-a-cookie-choice",
    ),
    pytest.param(
        None, "post", "account_login", {"login": "member0", "password": PASSWORD},
        {"HTTP_USER_AGENT": f"Browser{NUL}"}, id="user-agent-on-log-in",
    ),
    pytest.param(
        None, "get", "home", {}, {"HTTP_ACCEPT_LANGUAGE": f"zh{NUL}"}, id="another-header",
    ),
    pytest.param(
        as_staff, "get", "admin:consent_consentrecord_changelist", {"group": f"a{NUL}"}, {},
        id="admin-list-filter-of-our-own",
    ),
    pytest.param(
        as_staff, "get", "admin:consent_consentrecord_changelist", {"action__exact": NUL}, {},
        id="admin-list-filter-of-django",
    ),
    pytest.param(
        as_staff, "get", "admin:consent_disclosure_changelist", {"legal_basis__exact": NUL}, {},
        id="admin-disclosure-filter",
    ),
    pytest.param(
        as_staff, "get", "admin:consent_disclosure_changelist", {"q": f"court{NUL}"}, {},
        id="admin-search",
    ),
    pytest.param(as_member, "get", "accounts:me", {"next": NUL}, {}, id="query-string"),
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "method", "name", "data", "headers"), REQUESTS)
def test_a_nul_character_anywhere_is_a_bad_request(client, who, method, name, data, headers):
    UserFactory(username="member0")
    if who:
        who(client)
    before = snapshot()
    response = getattr(client, method)(reverse(name), data, **headers)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "We could not understand that request. Nothing was changed." in response.content.decode()
    assert changed_tables(before, snapshot()) == []


@pytest.mark.django_db
def test_a_nul_character_in_a_cookie_is_a_bad_request(client):
    client.cookies["cookie_consent"] = f"analytics=-1{NUL}"
    response = client.get("/")
    assert response.status_code == HTTPStatus.BAD_REQUEST


@pytest.mark.django_db
def test_a_nul_character_in_the_path_is_a_bad_request(client):
    client.force_login(StaffFactory(is_superuser=True))
    response = client.get("/admin/sessions/session/abc%00def/change/")
    assert response.status_code == HTTPStatus.BAD_REQUEST


@pytest.mark.django_db
def test_other_control_characters_are_left_to_the_forms(client):
    response = client.get("/", HTTP_USER_AGENT="Browser\x01\u202e")
    assert response.status_code == HTTPStatus.OK
