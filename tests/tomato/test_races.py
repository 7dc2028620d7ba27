"""Erasure, cookie choices and sign-up under race on PostgreSQL.

Each contender is a browser of its own (a test client in its own thread, with its own
connection); ``tests.races`` holds the first inside its transaction so that the second
meets it there. Exactly one outcome wins, and nothing is left half-done: one receipt
per erasure, no record pointing at an erased person, one account per address.
"""

from http import HTTPStatus

from django.test import Client
from django.urls import reverse

from accounts.models import ErasureReceipt, User
from consent.models import AccountCookieChoice, ConsentRecord
from consent.privacy import subject_hash
from guardians.models import GuardianDecision, Guardianship
from tests.factories import PASSWORD, UserFactory, approved_guardianship
from tests.races import ON_POSTGRESQL, Hold, race

pytestmark = ON_POSTGRESQL

DELETE = reverse("accounts:delete")
SIGNUP = reverse("account_signup")
#: Where the erasure has taken its lock on the person's row and not yet erased anything.
ERASURE_UNDER_WAY = "accounts.services._rate_limit_keys"


def signed_in(person):
    """A browser of the person's own, logged in and just re-authenticated."""
    client = Client()
    client.post(reverse("account_login"), {"login": person.username, "password": PASSWORD})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.session.get("_auth_user_id") == str(person.pk)
    return client


def deleting(person):
    client = signed_in(person)
    return lambda: client.post(DELETE, {"confirm": "on"})


def assert_erased_once(person_id, reason):
    assert not User.objects.filter(pk=person_id).exists()
    assert list(ErasureReceipt.objects.values_list("reason", flat=True)) == [reason]
    # The records that outlive the person name nobody: only the keyed hash is left.
    assert not ConsentRecord.objects.filter(user__isnull=False).exists()
    assert not AccountCookieChoice.objects.exists()


# --- Two erasures of one person ----------------------------------------------------------


def test_deleting_the_account_from_two_devices_at_once_erases_once(monkeypatch, mailoutbox):
    member = UserFactory()
    hold = Hold().after(monkeypatch, ERASURE_UNDER_WAY)
    result = race(hold, deleting(member), deleting(member))
    first, second = result.first.outcome(), result.second.outcome()
    assert result.second_waited
    assert first.status_code == second.status_code == HTTPStatus.FOUND
    assert_erased_once(member.pk, "account_deletion")
    assert [m.to for m in mailoutbox] == [[member.email]]


def test_a_guardian_deleting_a_ward_who_deletes_their_account_erases_once(monkeypatch):
    """The guardian's deletion records their decision before it erases: the teen's own
    deletion meets it there, and must neither erase twice nor leave that record behind
    pointing at nobody (which fails the guardian's commit: a 500)."""
    ward = approved_guardianship()
    teen_id = ward.teen_id
    guardian = signed_in(ward.guardian)
    link = reverse("guardians:ward_delete", kwargs={"pk": ward.pk})
    hold = Hold().after(monkeypatch, "guardians.services.record_guardian_decision")
    result = race(hold, lambda: guardian.post(link, {"confirm": "on"}), deleting(ward.teen))
    first, second = result.first.outcome(), result.second.outcome()
    assert result.second_waited
    assert first.status_code == second.status_code == HTTPStatus.FOUND
    assert_erased_once(teen_id, "guardian_deletion")
    assert not Guardianship.objects.exists()
    kept = ConsentRecord.objects.filter(subject=subject_hash(teen_id))
    assert list(kept.values_list("group", "action")) == [(GuardianDecision.KEEP_DATA, "decline")]


# --- A cookie choice and an erasure of the same member -------------------------------------


def choosing(member):
    client = signed_in(member)
    client.get(reverse("home"))  # the session's first page: the account's choices applied
    return lambda: client.post(
        reverse("consent:accept"), {"all_groups": "on", "source": "banner", "next": "/"}
    )


def test_a_cookie_choice_under_way_is_kept_then_erased_with_the_member(monkeypatch):
    """The choice is being written when the member's account is deleted: the deletion
    waits, then erases what the choice wrote."""
    member = UserFactory()
    hold = Hold().after(monkeypatch, "consent.services.consent_records_write")
    result = race(hold, choosing(member), deleting(member))
    choice, deletion = result.first.outcome(), result.second.outcome()
    assert result.second_waited
    assert choice.status_code == deletion.status_code == HTTPStatus.FOUND
    assert_erased_once(member.pk, "account_deletion")
    kept = ConsentRecord.objects.filter(subject=subject_hash(member.pk))
    assert sorted(kept.values_list("group", "action")) == [
        ("analytics", "accept"),
        ("preferences", "accept"),
    ]


def test_a_cookie_choice_during_an_erasure_records_nothing(monkeypatch):
    """The account is being erased when the choice arrives: the choice waits, then finds
    nobody to record it for, and writes nothing."""
    member = UserFactory()
    hold = Hold().after(monkeypatch, ERASURE_UNDER_WAY)
    result = race(hold, deleting(member), choosing(member))
    deletion, choice = result.first.outcome(), result.second.outcome()
    assert result.second_waited
    assert deletion.status_code == choice.status_code == HTTPStatus.FOUND
    assert_erased_once(member.pk, "account_deletion")
    assert not ConsentRecord.objects.filter(subject=subject_hash(member.pk)).exists()


# --- Two sign-ups at once ----------------------------------------------------------------


def signing_up(username, email, *, client=None, screened=False):
    """A new visitor past the age screen, about to send the sign-up form."""
    client = client or Client()
    if not screened:
        client.post(SIGNUP, {"date_of_birth": "1990-05-17"})
    form = {
        "username": username,
        "email": email,
        "password1": "a-long-password-1",
        "password2": "a-long-password-1",
        "agree": "on",
    }
    return lambda: client.post(SIGNUP, form)


def test_two_sign_ups_with_one_email_make_one_account(monkeypatch, mailoutbox):
    """Both forms pass their checks before either account exists; the database's
    constraint stops the second, which gets what it would have got a moment later: the
    same page as anyone, nothing that tells it the address has an account (allauth's mail
    saying so falls under its limit of one mail per address every few minutes)."""
    hold = Hold().after(monkeypatch, "accounts.adapter.AccountAdapter.save_user")
    result = race(hold, signing_up("ana", "ana@example.com"), signing_up("ana2", "Ana@Example.com"))
    first, second = result.first.outcome(), result.second.outcome()
    assert result.second_waited
    assert first.status_code == second.status_code == HTTPStatus.FOUND
    assert first["Location"] == second["Location"] == reverse("account_email_verification_sent")
    assert list(User.objects.values_list("username", flat=True)) == ["ana"]
    assert [m.to for m in mailoutbox] == [["ana@example.com"]]
    assert "confirm-email" in mailoutbox[0].body


def test_two_sign_ups_with_one_username_make_one_account(monkeypatch):
    """The second is told the username is taken, as it would be a moment later."""
    hold = Hold().after(monkeypatch, "accounts.adapter.AccountAdapter.save_user")
    loser = Client()
    result = race(
        hold,
        signing_up("ana", "ana@example.com"),
        signing_up("ANA", "other@example.com", client=loser),
    )
    first, second = result.first.outcome(), result.second.outcome()
    assert result.second_waited
    assert first.status_code == HTTPStatus.FOUND
    assert second.status_code == HTTPStatus.OK
    assert "A user with that username already exists." in second.content.decode()
    assert list(User.objects.values_list("email", flat=True)) == ["ana@example.com"]
    # The form again, not the age screen: another username goes through.
    again = signing_up("ana3", "other@example.com", client=loser, screened=True)()
    assert again["Location"] == reverse("account_email_verification_sent")
    assert User.objects.get(username="ana3").date_of_birth.isoformat() == "1990-05-17"
