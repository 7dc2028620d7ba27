"""One erasure routine: complete, transactional, idempotent, provable."""

import datetime
from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    generate_totp_secret,
)
from allauth.usersessions.models import UserSession
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core import checks
from django.db import models
from django.test.utils import isolate_apps
from django.urls import reverse

from accounts import personal_data
from accounts.models import ErasureReceipt, User
from accounts.personal_data import declaration_for, undeclared_models
from accounts.services import user_erase
from consent.models import AccountCookieChoice, ConsentRecord, PolicyAcceptance, PolicyVersion
from consent.privacy import subject_hash
from tests.factories import PASSWORD, StaffFactory, UserFactory, history_for
from tests.scan import rows_mentioning
from tests.totp import totp_code


def test_every_installed_model_declares_its_personal_data():
    assert undeclared_models() == []


@isolate_apps("accounts")
def test_an_undeclared_model_fails_the_system_check(monkeypatch):
    class Stray(models.Model):
        note = models.TextField()

        class Meta:
            app_label = "accounts"
            managed = False

        def __str__(self):
            return self.note

    monkeypatch.setattr("accounts.personal_data.apps.get_models", lambda: [User, Stray])
    errors = personal_data.check_every_model_is_declared()
    assert [error.id for error in errors] == ["accounts.E001"]
    assert "accounts.Stray" in errors[0].msg
    with pytest.raises(personal_data.UndeclaredModelError, match="accounts.Stray"):
        personal_data.declarations()


@pytest.mark.django_db
def test_the_project_check_framework_runs_the_declaration_check():
    registered = checks.registry.registry.get_checks()
    names = {f"{check.__module__}.{getattr(check, '__name__', '')}" for check in registered}
    assert "accounts.personal_data.check_every_model_is_declared" in names
    assert not [m for m in checks.run_checks() if m.id == "accounts.E001"]


def test_every_model_holding_personal_data_says_how_it_is_erased():
    for model in apps.get_models():
        declaration = declaration_for(model)
        if declaration.holds_personal_data:
            assert declaration.title, model
            if declaration.erasure.value == "custom":
                assert declaration.eraser is not None, model
            elif declaration.owner:
                model._meta.get_field(declaration.owner.split("__")[0])


@pytest.fixture
def full_user(db, client):
    """A member with something in every place the site can hold data about them."""
    user = UserFactory(
        username="zebracorn",
        email="zebracorn@example.org",
        date_of_birth=datetime.date(1987, 3, 14),
        gender="female",
        hobbies="quilting-xyzzy",
        is_staff=True,
    )
    EmailAddress.objects.create(user=user, email="second-zebracorn@example.org")
    PolicyAcceptance.objects.record(
        user=user, version=PolicyVersion.objects.get(version="1.0"), source="signup"
    )
    # A real logged-in session (password, then two-factor, as staff must), tracked by
    # allauth's usersessions.
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    response = client.post(reverse("account_login"), {"login": user.username, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate"), response.content
    code = totp_code(secret)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == HTTPStatus.FOUND, response.content
    assert UserSession.objects.filter(user=user).exists()
    # A cookie choice made while logged in: a consent record and the account's stored choice.
    client.post(
        reverse("consent:accept"), {"all_groups": "on", "source": "banner"},
        HTTP_USER_AGENT="Browser of zebracorn",
    )  # fmt: skip
    assert ConsentRecord.objects.filter(user=user).count() == 2
    assert AccountCookieChoice.objects.filter(user=user).count() == 2
    # Admin log entries by the user and about the user.
    user_type = ContentType.objects.get_for_model(User)
    LogEntry.objects.create(
        user=StaffFactory(), content_type=user_type, object_id=str(user.pk),
        object_repr=user.username, action_flag=CHANGE, change_message="Changed email.",
    )  # fmt: skip
    LogEntry.objects.create(
        user=user, content_type=user_type, object_id="0",
        object_repr="someone", action_flag=CHANGE, change_message="[]",
    )  # fmt: skip
    return user


@pytest.mark.django_db
def test_erasure_leaves_no_personal_data_anywhere(
    full_user, mailoutbox, django_capture_on_commit_callbacks
):
    user_id = full_user.pk
    needles = ["zebracorn", "zebracorn@example.org", "1987-03-14", "quilting-xyzzy"]
    assert rows_mentioning("zebracorn")  # the scan finds what is there

    with django_capture_on_commit_callbacks(execute=True):
        receipt = user_erase(user_id=user_id, reason="account_deletion", notify=[full_user.email])

    for needle in needles:
        assert rows_mentioning(needle) == [], needle
    assert not User.objects.filter(pk=user_id).exists()
    assert not EmailAddress.objects.filter(user_id=user_id).exists()
    assert not Authenticator.objects.filter(user_id=user_id).exists()
    assert not UserSession.objects.filter(user_id=user_id).exists()
    assert not Session.objects.exists()
    assert not LogEntry.objects.filter(object_repr="someone").exists()
    kept = PolicyAcceptance.objects.get()
    assert kept.user_id is None
    assert kept.subject == subject_hash(user_id)
    assert not AccountCookieChoice.objects.exists()
    for record in ConsentRecord.objects.all():
        assert (record.user_id, record.subject) == (None, subject_hash(user_id))
        assert (record.ip_network, record.user_agent) == ("", "")
    assert receipt.subject == subject_hash(user_id)
    assert receipt.summary["Account and profile"] >= 1
    assert receipt.summary["Email addresses"] == 2
    assert receipt.summary["Two-factor methods"] == 2
    assert receipt.summary["Privacy policy acceptances"] == 1
    assert [m.to for m in mailoutbox] == [["zebracorn@example.org"]]
    assert str(receipt.reference) in mailoutbox[0].body


@pytest.mark.django_db
def test_erasure_is_idempotent(member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = user_erase(user_id=member.pk, reason="account_deletion")
        second = user_erase(user_id=member.pk, reason="account_deletion")
    assert first is not None
    assert second is None
    assert ErasureReceipt.objects.count() == 1


@pytest.mark.django_db
def test_erasure_is_all_or_nothing(member, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ErasureReceipt.objects, "create", fail)
    with pytest.raises(RuntimeError):
        user_erase(user_id=member.pk, reason="account_deletion")
    assert User.objects.filter(pk=member.pk).exists()
    assert EmailAddress.objects.filter(user=member).exists()


@pytest.mark.django_db
def test_username_and_email_can_be_used_again_after_erasure(member):
    username, email = member.username, member.email
    user_erase(user_id=member.pk, reason="account_deletion")
    again = UserFactory(username=username, email=email)
    assert again.pk != member.pk


def login(client, user):
    """Log in, then confirm the password again as allauth asks before sensitive actions."""
    response = client.post(reverse("account_login"), {"login": user.username, "password": PASSWORD})
    assert response.status_code == HTTPStatus.FOUND
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == HTTPStatus.FOUND


@pytest.mark.django_db
class TestDeleteAccount:
    def test_asks_to_reauthenticate_first(self, client, member):
        client.force_login(member)
        response = client.get(reverse("accounts:delete"))
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith(reverse("account_reauthenticate"))

    def test_needs_the_confirmation(self, client, member):
        login(client, member)
        response = client.post(reverse("accounts:delete"), {})
        assert response.status_code == HTTPStatus.OK
        assert "Tick the box to confirm" in response.content.decode()
        assert User.objects.filter(pk=member.pk).exists()

    def test_get_shows_the_confirmation_form(self, client, member):
        login(client, member)
        html = client.get(reverse("accounts:delete")).content.decode()
        assert "Delete my account</button>" in html
        assert 'method="post"' in html

    def test_deletes_logs_out_and_emails_a_receipt(
        self, client, member, mailoutbox, django_capture_on_commit_callbacks
    ):
        login(client, member)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("accounts:delete"), {"confirm": "on"})
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"] == reverse("home")
        assert not User.objects.filter(pk=member.pk).exists()
        assert "_auth_user_id" not in client.session
        receipt = ErasureReceipt.objects.get()
        assert receipt.reason == "account_deletion"
        assert mailoutbox[-1].to == [member.email]
        assert "Your data has been erased" in mailoutbox[-1].subject
        html = client.get(reverse("home")).content.decode()
        assert str(receipt.reference) in html


def erasure_queries(person):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        receipt = user_erase(user_id=person.pk, reason="account_deletion", notify=[person.email])
    assert receipt is not None
    return [query["sql"] for query in captured]


@pytest.mark.django_db
def test_erasing_a_person_takes_as_many_queries_with_a_long_history_as_with_a_short_one(
    django_assert_max_num_queries,
):
    short, long = UserFactory(), UserFactory()
    history_for(short, 1)
    history_for(long, 50)
    # The first erasure fills the caches of the site and of the content types.
    warm = UserFactory()
    history_for(warm, 1)
    erasure_queries(warm)
    with django_assert_max_num_queries(ERASURE_BUDGET):
        one = erasure_queries(short)
    with django_assert_max_num_queries(ERASURE_BUDGET):
        fifty = erasure_queries(long)
    assert len(fifty) == len(one), "\n".join(fifty)
    assert not Session.objects.exists()
    assert ConsentRecord.objects.filter(user__isnull=False).count() == 0


#: Queries of one erasure: a few per kind of record held about a person, none per row
#: (69 on 2026-11-25, with the caches of the site and the content types filled; two more
#: since the receipt is appended to its ledger: its head locked and read, then moved).
ERASURE_BUDGET = 72
