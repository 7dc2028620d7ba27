"""`manage.py demo` (`make demo`): one account of each kind, and how to log in as each."""

import datetime
import logging
import re
from http import HTTPStatus
from io import StringIO
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import resolve, reverse
from django.utils import timezone

from accounts.models import User
from consent.models import (
    AccountCookieChoice,
    ConsentAction,
    ConsentRecord,
    ConsentSource,
    Disclosure,
    LegalBasis,
    PolicyAcceptance,
    PolicyVersion,
    Recipient,
    SharingPermission,
)
from consent.services import sharing_permission_set
from consent.state import ANALYTICS, PREFERENCES
from guardians.forms import GuardianDecisionForm
from guardians.models import GuardianRequest, Guardianship
from guardians.tokens import read_token
from tests.conftest import logged_in_user_id, login_code_in
from tests.factories import UserFactory
from tomato.management.commands.demo import (
    GUARDIAN,
    MEMBER,
    MEMBER_AGE,
    RECIPIENT_NAME,
    SUPERUSER,
    TEEN,
    TEEN_AGE,
    email_of,
    request_as,
)

ACCOUNTS = [SUPERUSER, MEMBER, TEEN, GUARDIAN]
LOGIN_LINE = re.compile(r"^  log in\s+(\S+)$", re.MULTILINE)
LINK_LINE = re.compile(r"^  link\s+(\S+)$", re.MULTILINE)


@pytest.fixture
def run_demo(settings, django_capture_on_commit_callbacks):
    """Run the command as `make demo` does (DEBUG on); its output."""
    settings.DEBUG = True

    def run(*args):
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("demo", *args, stdout=out)
        return out.getvalue()

    return run


def passwords_in(output):
    """Each account's password, read from the command's output."""
    pairs = re.findall(r"^  username\s+(\S+)\n(?:  .*\n)*?  password\s+(\S+)$", output, re.M)
    return dict(pairs)


def request_of(output):
    """The guardian request that the printed consent link stands for."""
    match = resolve(urlsplit(LINK_LINE.search(output).group(1)).path)
    assert match.view_name == "guardians:consent"
    return read_token(match.kwargs["token"])


def log_in(client, username, password, path=None):
    return client.post(path or reverse("account_login"), {"login": username, "password": password})


@pytest.mark.django_db
def test_the_demo_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DEBUG on"):
        call_command("demo", stdout=StringIO())
    assert not User.objects.filter(username__in=ACCOUNTS).exists()


@pytest.mark.django_db
def test_the_superuser_has_a_verified_primary_address_and_no_authenticator_yet(run_demo):
    run_demo()
    superuser = User.objects.get(username=SUPERUSER)
    assert superuser.is_staff
    assert superuser.is_superuser
    address = EmailAddress.objects.get(user=superuser)
    assert (address.email, address.verified, address.primary) == (email_of(SUPERUSER), True, True)
    assert not Authenticator.objects.filter(user=superuser).exists()


@pytest.mark.django_db
def test_the_member_has_a_policy_acceptance_and_a_consent_history(run_demo):
    run_demo()
    member = User.objects.get(username=MEMBER)
    assert member.age() == MEMBER_AGE
    acceptance = PolicyAcceptance.objects.get(user=member)
    assert acceptance.policy_version == PolicyVersion.objects.current()
    assert acceptance.source == PolicyAcceptance.Source.SIGNUP
    history = ConsentRecord.objects.filter(user=member, group__in=[PREFERENCES, ANALYTICS])
    assert sorted(history.values_list("group", "action", "source")) == sorted(
        [
            (PREFERENCES, ConsentAction.ACCEPT, ConsentSource.BANNER),
            (ANALYTICS, ConsentAction.ACCEPT, ConsentSource.BANNER),
            (ANALYTICS, ConsentAction.DECLINE, ConsentSource.SETTINGS),
        ]
    )
    assert {record.subject_type for record in history} == {ConsentRecord.SubjectType.MEMBER}
    stored = dict(AccountCookieChoice.objects.filter(user=member).values_list("group", "accepted"))
    assert stored == {PREFERENCES: True, ANALYTICS: False}


@pytest.mark.django_db
def test_the_teen_is_cabined_with_a_pending_request_emailed_to_the_guardian(run_demo, mailoutbox):
    output = run_demo()
    teen = User.objects.get(username=TEEN)
    assert teen.age() == TEEN_AGE
    guardianship = Guardianship.objects.get(teen=teen)
    assert guardianship.status == Guardianship.Status.AWAITING
    request = guardianship.requests.get()
    assert request.status == GuardianRequest.Status.PENDING
    assert request.is_open
    assert request.email == email_of(GUARDIAN)
    assert [message.to for message in mailoutbox] == [[email_of(GUARDIAN)]]
    assert PolicyAcceptance.objects.filter(user=teen).exists()
    assert request_of(output) == request


@pytest.mark.django_db
def test_the_recipient_has_the_members_permission_and_a_disclosure(run_demo):
    run_demo()
    member = User.objects.get(username=MEMBER)
    recipient = Recipient.objects.get(name=RECIPIENT_NAME)
    assert recipient.purpose
    assert recipient.data_categories
    permission = SharingPermission.objects.in_force().get(user=member, recipient=recipient)
    assert permission.granted_by == member
    assert ConsentRecord.objects.filter(
        user=member, group=f"sharing:{recipient.pk}", action=ConsentAction.ACCEPT
    ).exists()
    disclosure = Disclosure.objects.get(listed_recipient=recipient)
    assert disclosure.legal_basis == LegalBasis.INTERACTION
    assert list(disclosure.subjects.values_list("user", flat=True)) == [member.pk]
    assert disclosure.recorded_by == User.objects.get(username=SUPERUSER)


@pytest.mark.django_db
def test_the_output_says_how_to_log_in_as_each_account(run_demo, settings):
    output = run_demo()
    for username in ACCOUNTS:
        assert f"  username  {username}\n" in output
        assert f"  email     {email_of(username)}\n" in output
    assert set(passwords_in(output)) == set(ACCOUNTS)
    login = settings.SITE_URL + reverse("account_login")
    assert [url.split("?")[0] for url in LOGIN_LINE.findall(output)] == [login] * 4
    for role in ["Superuser", "Member", "Teen", "Guardian"]:
        assert re.search(rf"^{role}\b.*\(created\)$", output, re.M)
    assert "you see" in output
    assert "console mailer" in output


@pytest.mark.django_db
def test_running_twice_reuses_the_accounts_with_new_passwords_and_no_duplicates(run_demo):
    first = run_demo()

    def counts():
        models = [User, EmailAddress, PolicyAcceptance, ConsentRecord, SharingPermission]
        models += [Disclosure, Recipient, Guardianship, GuardianRequest, AccountCookieChoice]
        return {model.__name__: model.objects.count() for model in models}

    before = counts()
    second = run_demo()
    assert counts() == before
    assert f"Reused, with new passwords: {', '.join(ACCOUNTS)}." in second
    assert "Created:" not in second
    # The link is signed anew (with the time), for the same request.
    assert {request_of(first), request_of(second)} == {GuardianRequest.objects.get()}
    old, new = passwords_in(first), passwords_in(second)
    assert all(old[username] != new[username] for username in ACCOUNTS)


@pytest.mark.django_db
def test_the_member_logs_in_with_the_printed_password(run_demo, client):
    password = passwords_in(run_demo())[MEMBER]
    response = log_in(client, MEMBER, password)
    assert response["Location"] == reverse("accounts:me")
    member = User.objects.get(username=MEMBER)
    assert logged_in_user_id(client) == str(member.pk)
    page = client.get(reverse("accounts:data")).content.decode()
    assert RECIPIENT_NAME in page


@pytest.mark.django_db
def test_the_superuser_confirms_an_emailed_code_then_meets_two_factor_set_up(
    run_demo, client, mailoutbox
):
    output = run_demo()
    mailoutbox.clear()
    login_path = urlsplit(LOGIN_LINE.search(output).group(1))
    response = log_in(
        client, SUPERUSER, passwords_in(output)[SUPERUSER], f"{login_path.path}?{login_path.query}"
    )
    assert response["Location"] == reverse("account_confirm_login_code")
    assert [message.to for message in mailoutbox] == [[email_of(SUPERUSER)]]
    response = client.post(
        reverse("account_confirm_login_code"), {"code": login_code_in(mailoutbox[0])}, follow=True
    )
    assert logged_in_user_id(client) == str(User.objects.get(username=SUPERUSER).pk)
    assert response.redirect_chain[-1][0] == reverse("mfa_index")


@pytest.mark.django_db
def test_the_teen_logs_in_to_the_waiting_page(run_demo, client):
    password = passwords_in(run_demo())[TEEN]
    log_in(client, TEEN, password)
    response = client.get(reverse("accounts:me"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("guardians:waiting")


@pytest.mark.django_db
def test_the_guardian_approves_through_the_printed_link_and_a_second_run_says_so(run_demo, client):
    output = run_demo()
    link = urlsplit(LINK_LINE.search(output).group(1)).path
    log_in(client, GUARDIAN, passwords_in(output)[GUARDIAN])
    assert client.get(link).status_code == HTTPStatus.OK
    response = client.post(link, {"decision": GuardianDecisionForm.APPROVE})
    assert response.status_code == HTTPStatus.FOUND
    again = run_demo()
    assert "approved by the guardian" in again
    assert LINK_LINE.search(again) is None
    assert Guardianship.objects.get(teen__username=TEEN).is_active


@pytest.mark.django_db
def test_a_given_password_is_checked_then_used_for_every_account(run_demo, client):
    with pytest.raises(CommandError, match="--password is refused"):
        run_demo("--password", "tomato")
    assert not User.objects.filter(username__in=ACCOUNTS).exists()
    output = run_demo("--password", "ripe-red-tomatoes-2026")
    assert set(passwords_in(output).values()) == {"ripe-red-tomatoes-2026"}
    response = log_in(client, MEMBER, "ripe-red-tomatoes-2026")
    assert response["Location"] == reverse("accounts:me")


@pytest.mark.django_db
def test_a_superuser_with_two_factor_is_told_so_and_keeps_it(run_demo):
    run_demo()
    superuser = User.objects.get(username=SUPERUSER)
    authenticator = TOTP.activate(superuser, generate_totp_secret()).instance
    output = run_demo()
    assert re.search(r"^Superuser, two-factor set up \(reused\)$", output, re.M)
    assert "Two-factor is already set up on this account" in output
    assert "ready to enrol" not in output
    assert list(Authenticator.objects.filter(user=superuser)) == [authenticator]
    superuser.refresh_from_db()
    assert (superuser.is_active, superuser.is_staff, superuser.is_superuser) == (True, True, True)


@pytest.mark.django_db
def test_the_demo_refuses_when_another_account_uses_a_demo_address(run_demo):
    other = UserFactory(username="tomato-grower", email=email_of(MEMBER))
    with pytest.raises(
        CommandError, match=f"Another account already uses {re.escape(other.email)}"
    ):
        run_demo()
    assert not User.objects.filter(username__in=ACCOUNTS).exists()
    assert User.objects.get(email=email_of(MEMBER)) == other


@pytest.mark.django_db
def test_an_expired_guardian_request_is_replaced_on_a_second_run(run_demo, mailoutbox):
    run_demo()
    expired = GuardianRequest.objects.get()
    expired.expires_at = timezone.now() - datetime.timedelta(minutes=1)
    expired.save(update_fields=["expires_at"])
    mailoutbox.clear()
    output = run_demo()
    expired.refresh_from_db()
    assert expired.status == GuardianRequest.Status.REPLACED
    new = GuardianRequest.objects.exclude(pk=expired.pk).get()
    assert new.is_open
    assert new.email == email_of(GUARDIAN)
    assert request_of(output) == new
    assert [message.to for message in mailoutbox] == [[email_of(GUARDIAN)]]


@pytest.mark.django_db
def test_a_recipient_taken_off_offer_gets_no_permission_on_a_second_run(run_demo):
    run_demo()
    member = User.objects.get(username=MEMBER)
    recipient = Recipient.objects.get(name=RECIPIENT_NAME)
    sharing_permission_set(
        request=request_as(member), person=member, recipient=recipient, grant=False
    )
    recipient.is_active = False
    recipient.save(update_fields=["is_active"])
    output = run_demo()
    assert not SharingPermission.objects.current().filter(user=member, recipient=recipient).exists()
    assert f"{RECIPIENT_NAME}: not offered to members" in output
    assert Disclosure.objects.filter(listed_recipient=recipient).count() == 1


@pytest.mark.django_db
def test_no_password_reaches_a_log(run_demo, caplog):
    # "django" logs at INFO in the settings: lowered too, so every SQL statement is seen.
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")
    given = "ripe-red-tomatoes-2026"
    passwords = set(passwords_in(run_demo()).values()) | {given}
    run_demo("--password", given)
    assert any(record.name == "django.db.backends" for record in caplog.records)
    logged = caplog.text + "\n".join(record.getMessage() for record in caplog.records)
    assert not [password for password in passwords if password in logged]
