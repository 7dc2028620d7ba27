"""Staff say why before a person's record opens in the admin (superusers too); the person,
and their guardian, see each opening: when, the staff member's role (never their name),
and the reason."""

from http import HTTPStatus
from importlib import import_module

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from accounts.accountability import GRANT_SECONDS, GRANTS
from accounts.models import StaffAccess
from consent.ledger import LedgerHead, verify_ledgers
from consent.privacy import subject_hash
from tests.factories import (
    GuardianshipFactory,
    StaffFactory,
    UserFactory,
    approved_guardianship,
    staff_in,
)
from tests.staff import give_reason, open_with_reason

HOBBIES = "Growing heirloom zebra tomatoes"


@pytest.fixture
def person(db):
    return UserFactory(username="quillfeather", email="quill.feather@example.org", hobbies=HOBBIES)


@pytest.fixture(params=["support", "superuser"])
def staff(request, db):
    if request.param == "superuser":
        return StaffFactory(is_superuser=True, username="root-rosalind")
    return staff_in("Support", username="sam-support")


def change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def history_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk])


def nothing_of(person, html: str) -> None:
    for shown in (person.username, person.email, HOBBIES, "quill.feather"):
        assert shown not in html, shown


@pytest.mark.parametrize("url_of", [change_url, history_url])
def test_a_persons_record_opened_without_a_reason_shows_nothing_of_it(
    client, person, staff, url_of
):
    client.force_login(staff)
    response = client.get(url_of(person))
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "Why are you opening this record?" in html
    nothing_of(person, html)
    assert not StaffAccess.objects.exists()


def test_another_kind_of_record_with_personal_data_asks_first_too(client, staff):
    guardianship = GuardianshipFactory(
        teen__username="quillfeather", guardian_email="guardian.of.quill@example.org"
    )
    request = guardianship.requests.get()
    client.force_login(staff)
    response = client.get(change_url(request))
    html = response.content.decode()
    assert "Why are you opening this record?" in html
    for shown in ("quillfeather", "guardian.of.quill"):
        assert shown not in html
    assert not StaffAccess.objects.exists()

    shown = open_with_reason(client, change_url(request), "guardian").content.decode()
    assert "quillfeather" in shown
    access = StaffAccess.objects.get()
    assert (access.user, access.what, access.reason) == (
        guardianship.teen,
        "guardians.guardianrequest",
        "guardian",
    )


def test_a_reason_opens_the_record_and_is_kept_with_the_opening(client, person, staff):
    client.force_login(staff)
    url = change_url(person)
    response = client.post(url, {"_access_reason": "support"})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == url
    shown = client.get(url).content.decode()
    assert person.email in shown
    assert HOBBIES in shown
    access = StaffAccess.objects.get()
    assert (access.staff, access.user, access.subject, access.view) == (
        staff,
        person,
        subject_hash(person.pk),
        "change",
    )
    assert (access.reason, access.reason_reference) == ("support", "")
    # Reloading within a few minutes does not ask again; each showing is an opening.
    assert person.email in client.get(url).content.decode()
    assert list(StaffAccess.objects.values_list("reason", flat=True)) == ["support"] * 2


def test_the_reason_holds_for_one_page_of_one_record_for_a_few_minutes(client, person, staff):
    client.force_login(staff)
    give_reason(client, change_url(person), "security")
    other = UserFactory(hobbies="Painting tomatoes")
    nothing_of(other, client.get(change_url(other)).content.decode())
    assert "Why are you opening" in client.get(history_url(person)).content.decode()
    assert person.email in client.get(change_url(person)).content.decode()

    session = client.session
    grants = session[GRANTS]
    for grant in grants.values():
        grant["given"] -= GRANT_SECONDS + 1
    session[GRANTS] = grants
    session.save()
    nothing_of(person, client.get(change_url(person)).content.decode())


def test_a_legal_request_without_its_reference_is_refused(client, person, staff):
    client.force_login(staff)
    url = change_url(person)
    response = client.post(url, {"_access_reason": "legal", "_access_reference": " "})
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "A legal request needs its reference." in html
    nothing_of(person, html)
    nothing_of(person, client.get(url).content.decode())
    assert not StaffAccess.objects.exists()

    open_with_reason(client, url, "legal", "CASE-2026-117")
    access = StaffAccess.objects.get()
    assert (access.reason, access.reason_reference) == ("legal", "CASE-2026-117")


def test_an_unknown_reason_is_refused(client, person, staff):
    client.force_login(staff)
    response = client.post(change_url(person), {"_access_reason": "curiosity"})
    assert response.status_code == HTTPStatus.OK
    nothing_of(person, response.content.decode())
    assert not StaffAccess.objects.exists()


def test_a_save_without_a_reason_changes_nothing(client, person):
    client.force_login(StaffFactory(is_superuser=True))
    response = client.post(change_url(person), {"username": "renamed", "email": "x@example.org"})
    assert response.status_code == HTTPStatus.OK
    nothing_of(person, response.content.decode())
    person.refresh_from_db()
    assert person.username == "quillfeather"


def test_staff_who_may_not_see_the_record_get_no_reason_form(client, person):
    client.force_login(StaffFactory())  # staff, in no group: no permission on users
    response = client.get(change_url(person))
    assert response.status_code == HTTPStatus.FORBIDDEN


def data_of(client):
    page = client.get(reverse("accounts:data")).content.decode()
    download = client.get(reverse("accounts:data_json")).json()
    return page[page.index("Staff who opened your data") :], download


def staff_accesses_in(download):
    title = "Staff who opened your data"
    (section,) = [s for s in download["data"].values() if s["title"] == title]
    return section["items"]


def test_the_person_sees_each_opening_with_the_role_and_the_reason_never_the_name(client, person):
    officer = staff_in("Privacy officer", username="olive-officer", email="olive@tomato.test")
    officer_client = client.__class__()
    officer_client.force_login(officer)
    open_with_reason(officer_client, change_url(person), "legal", "ORDER-SECRET-9")
    open_with_reason(officer_client, history_url(person), "correction")

    client.force_login(person)
    section, download = data_of(client)
    assert "Privacy officer" in section
    assert "Legal request" in section
    assert "Data correction" in section
    items = staff_accesses_in(download)
    assert {item["Reason"] for item in items} == {"Legal request", "Data correction"}
    assert {item["Role"] for item in items} == {"Privacy officer"}
    everything = section + str(download)
    for name in ("olive-officer", "olive@tomato.test", "ORDER-SECRET-9"):
        assert name not in everything  # the staff member, and a legal reference, stay out


def test_openings_from_lists_and_from_before_reasons_say_none_was_asked(client, person):
    StaffAccess.objects.create(
        user=person, subject=subject_hash(person.pk), what="accounts.user", view="list",
        **StaffAccess.by(staff_in("Support")),
    )  # fmt: skip
    client.force_login(person)
    _section, download = data_of(client)
    (item,) = staff_accesses_in(download)
    assert item["Reason"].startswith("None asked")


def test_the_guardian_sees_the_openings_of_their_wards_record(client, db):
    guardianship = approved_guardianship()
    support = staff_in("Support", username="sam-support")
    staff_client = client.__class__()
    staff_client.force_login(support)
    open_with_reason(staff_client, change_url(guardianship.teen), "guardian")

    client.force_login(guardianship.guardian)
    page = client.get(reverse("guardians:ward", kwargs={"pk": guardianship.pk})).content.decode()
    section = page[page.index("Staff who opened your data") :]
    assert "Request from the person&#x27;s guardian" in section
    assert "Support" in section
    assert "sam-support" not in page
    # Another guardian sees nothing of it.
    client.force_login(approved_guardianship().guardian)
    response = client.get(reverse("guardians:ward", kwargs={"pk": guardianship.pk}))
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_the_reason_is_chained_a_change_to_it_is_found(client, person):
    client.force_login(staff_in("Support"))
    open_with_reason(client, change_url(person), "legal", "CASE-1")
    assert verify_ledgers() == []
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_staffaccess SET reason_reference = 'CASE-2'")
    assert [b.chain for b in verify_ledgers()] == ["accounts.staffaccess"]


def test_rows_chained_before_reasons_still_verify(client, person):
    """The rows already there when reasons came were chained by the accounts migration
    0011 (its frozen encoding, without reasons): they verify as they are."""
    support = staff_in("Support")
    for view in ("change", "history", "list"):
        StaffAccess.objects.create(
            user=person, subject=subject_hash(person.pk), what="accounts.user", view=view,
            **StaffAccess.by(support),
        )  # fmt: skip
    StaffAccess.objects.update(prev_hash="", row_hash="")
    LedgerHead.objects.filter(name="accounts.staffaccess").delete()
    import_module("accounts.migrations.0011_ledgers").chain_accounts_ledgers(apps, None)
    client.force_login(support)
    open_with_reason(client, change_url(person), "security")  # appended after them
    call_command("verify_ledger")  # exits non-zero on a broken chain
    assert verify_ledgers() == []
