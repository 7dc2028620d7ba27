"""Two-factor secrets are encrypted at rest, and a staff member's first authenticator
is enrolled only from a session that proved control of the account's email."""

import importlib
import json
from http import HTTPStatus

import pytest
from allauth.account.internal.flows.login import record_authentication
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    TOTP,
    generate_totp_secret,
)
from allauth.mfa.utils import decrypt, encrypt
from cryptography.fernet import Fernet
from django.apps import apps
from django.contrib.messages import get_messages
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from accounts.mfa import (
    SecretUnreadable,
    decrypt_secret,
    encrypt_secret,
    proved_email_control,
)
from accounts.models import User
from tests.conftest import logged_in_user_id, login_code_in
from tests.factories import PASSWORD, StaffFactory, UserFactory
from tests.totp import totp_code

migration = importlib.import_module("accounts.migrations.0007_encrypt_mfa_secrets")

CLEAR_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def log_in(client, user, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": user.username, "password": password})


def stored_data(authenticator):
    """The row as the database holds it, read again."""
    return Authenticator.objects.values_list("data", flat=True).get(pk=authenticator.pk)


@pytest.mark.django_db
class TestSecretsAtRest:
    def test_an_activated_totp_secret_is_not_stored_in_clear(self):
        staff = StaffFactory(totp=False)
        authenticator = TOTP.activate(staff, CLEAR_SECRET).instance
        data = stored_data(authenticator)
        assert CLEAR_SECRET not in json.dumps(data)
        assert data["secret"].startswith("gAAAAA")
        assert decrypt(data["secret"]) == CLEAR_SECRET

    def test_staff_log_in_with_a_code_from_the_encrypted_secret(self, client):
        staff = StaffFactory(totp=False)
        secret = generate_totp_secret()
        TOTP.activate(staff, secret)
        response = log_in(client, staff)
        assert response["Location"] == reverse("mfa_authenticate")
        assert logged_in_user_id(client) is None
        response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
        assert response.status_code == HTTPStatus.FOUND
        assert logged_in_user_id(client) == str(staff.pk)

    def test_the_recovery_codes_seed_is_encrypted_and_the_codes_still_log_in(self, client):
        staff = StaffFactory()
        recovery = RecoveryCodes.activate(staff)
        data = stored_data(recovery.instance)
        assert data["seed"].startswith("gAAAAA")
        assert decrypt(data["seed"]) not in json.dumps(data)
        code = recovery.get_unused_codes()[0]

        log_in(client, staff)
        response = client.post(reverse("mfa_authenticate"), {"code": code})
        assert response.status_code == HTTPStatus.FOUND
        assert logged_in_user_id(client) == str(staff.pk)
        assert (
            code
            not in RecoveryCodes(
                Authenticator.objects.get(pk=recovery.instance.pk)
            ).get_unused_codes()
        )

    def test_clear_text_is_refused_rather_than_used(self):
        with pytest.raises(SecretUnreadable, match="stored in clear"):
            decrypt(CLEAR_SECRET)

    def test_a_secret_encrypted_under_an_unknown_key_is_refused(self, settings):
        token = encrypt(CLEAR_SECRET)
        settings.MFA_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
        with pytest.raises(SecretUnreadable, match="MFA_ENCRYPTION_KEY"):
            decrypt(token)

    def test_a_new_key_encrypts_while_the_old_one_still_decrypts(self, settings):
        old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
        settings.MFA_ENCRYPTION_KEYS = [old]
        old_token = encrypt_secret("old secret")
        settings.MFA_ENCRYPTION_KEYS = [new, old]
        new_token = encrypt_secret("new secret")
        assert decrypt_secret(old_token) == "old secret"
        settings.MFA_ENCRYPTION_KEYS = [new]
        assert decrypt_secret(new_token) == "new secret"


@pytest.mark.django_db
class TestDataMigration:
    def clear_rows(self):
        """Rows as allauth's default adapter wrote them before encryption."""
        totp = Authenticator.objects.create(
            user=UserFactory(), type="totp", data={"secret": CLEAR_SECRET}
        )
        seed = "ab" * 40
        codes = Authenticator.objects.create(
            user=totp.user,
            type="recovery_codes",
            data={"seed": seed, "used_mask": 0, "migrated_codes": ["12345678"]},
        )
        return totp, codes, seed

    def test_clear_rows_are_encrypted(self):
        totp, codes, seed = self.clear_rows()
        migration.encrypt_secrets(apps, None)
        totp_data, codes_data = stored_data(totp), stored_data(codes)
        assert CLEAR_SECRET not in json.dumps(totp_data)
        assert decrypt(totp_data["secret"]) == CLEAR_SECRET
        assert seed not in json.dumps(codes_data)
        assert decrypt(codes_data["seed"]) == seed
        assert [decrypt(code) for code in codes_data["migrated_codes"]] == ["12345678"]
        assert codes_data["used_mask"] == 0

    def test_encrypted_rows_are_left_alone(self):
        staff = StaffFactory()
        authenticator = staff.authenticator_set.get(type="totp")
        before = stored_data(authenticator)
        migration.encrypt_secrets(apps, None)
        assert stored_data(authenticator) == before

    def test_running_it_twice_changes_nothing(self):
        totp, codes, _seed = self.clear_rows()
        migration.encrypt_secrets(apps, None)
        once = stored_data(totp), stored_data(codes)
        migration.encrypt_secrets(apps, None)
        assert (stored_data(totp), stored_data(codes)) == once

    def test_a_migrated_clear_secret_still_logs_in(self, client):
        staff = StaffFactory(totp=False)
        Authenticator.objects.create(user=staff, type="totp", data={"secret": CLEAR_SECRET})
        migration.encrypt_secrets(apps, None)
        log_in(client, staff)
        client.post(reverse("mfa_authenticate"), {"code": totp_code(CLEAR_SECRET)})
        assert logged_in_user_id(client) == str(staff.pk)

    def test_a_row_encrypted_under_another_key_stops_the_migration(self, settings):
        staff = StaffFactory()
        settings.MFA_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
        before = stored_data(staff.authenticator_set.get())
        with pytest.raises(SecretUnreadable, match="MFA_ENCRYPTION_KEY"):
            migration.encrypt_secrets(apps, None)
        assert stored_data(staff.authenticator_set.get()) == before

    def test_reversing_writes_the_secrets_back_in_clear(self):
        totp, codes, seed = self.clear_rows()
        migration.encrypt_secrets(apps, None)
        migration.decrypt_secrets(apps, None)
        assert stored_data(totp) == {"secret": CLEAR_SECRET}
        assert stored_data(codes)["seed"] == seed


@pytest.mark.django_db
class TestStaffFirstEnrolment:
    def test_staff_without_two_factor_are_asked_for_a_code_sent_to_their_email(
        self, client, mailoutbox, django_assert_max_num_queries
    ):
        staff = UserFactory(is_staff=True)
        response = log_in(client, staff)
        assert response["Location"] == reverse("account_confirm_login_code")
        assert logged_in_user_id(client) is None
        assert [message.to for message in mailoutbox] == [[staff.email]]
        assert login_code_in(mailoutbox[0])
        with django_assert_max_num_queries(10):
            page = client.get(reverse("account_confirm_login_code"))
        assert page.status_code == HTTPStatus.OK
        assert staff.email in page.content.decode()

    def test_the_emailed_code_logs_them_in_and_opens_two_factor_set_up(self, client, mailoutbox):
        staff = UserFactory(is_staff=True, is_superuser=True)
        log_in(client, staff)
        code = login_code_in(mailoutbox[0])
        response = client.post(reverse("account_confirm_login_code"), {"code": code})
        assert response.status_code == HTTPStatus.FOUND
        assert logged_in_user_id(client) == str(staff.pk)

        # Setting up two-factor asks for the password again, then shows the secret.
        client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
        response = client.get(reverse("mfa_activate_totp"))
        assert response.status_code == HTTPStatus.OK
        secret = client.session[SECRET_SESSION_KEY]
        response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
        assert response.status_code == HTTPStatus.FOUND
        stored = stored_data(staff.authenticator_set.get(type="totp"))
        assert secret not in json.dumps(stored)
        assert client.get(reverse("admin:index")).status_code == HTTPStatus.OK

    def test_a_superuser_without_an_address_row_confirms_it_then_logs_in_with_a_code(
        self, client, mailoutbox
    ):
        staff = User.objects.create_superuser("boss", "boss@example.com", PASSWORD)
        log_in(client, staff)
        client.post(reverse("account_confirm_login_code"), {"code": login_code_in(mailoutbox[-1])})
        # createsuperuser makes no address row for the code to confirm: allauth's
        # mandatory verification still sends its own link ...
        assert logged_in_user_id(client) is None
        key = EmailConfirmationHMAC(EmailAddress.objects.get(user=staff)).key
        assert key in mailoutbox[-1].body
        client.post(reverse("account_confirm_email", kwargs={"key": key}))
        # ... and a new login asks for a new code, which now logs them in.
        response = log_in(client, staff)
        assert response["Location"] == reverse("account_confirm_login_code")
        client.post(reverse("account_confirm_login_code"), {"code": login_code_in(mailoutbox[-1])})
        assert logged_in_user_id(client) == str(staff.pk)

    def test_a_wrong_code_does_not_log_them_in(self, client, mailoutbox):
        staff = UserFactory(is_staff=True)
        log_in(client, staff)
        response = client.post(reverse("account_confirm_login_code"), {"code": "AAAA-AAAA"})
        assert response.status_code == HTTPStatus.OK
        assert logged_in_user_id(client) is None

    @pytest.mark.parametrize("url_name", ["mfa_activate_totp", "mfa_add_webauthn"])
    def test_a_staff_session_without_an_emailed_code_is_refused_enrolment(self, client, url_name):
        client.force_login(UserFactory(is_staff=True))
        response = client.get(reverse(url_name))
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith(reverse("account_login") + "?next=")
        assert logged_in_user_id(client) is None
        page = client.get(response["Location"])
        assert "log in again and enter the code we email to you" in page.content.decode()

    def test_a_member_made_staff_while_logged_in_must_log_in_again(self, client, member):
        log_in(client, member)
        assert logged_in_user_id(client) == str(member.pk)
        member.is_staff = True
        member.save(update_fields=["is_staff"])
        response = client.get(reverse("mfa_activate_totp"))
        assert response["Location"].startswith(reverse("account_login"))
        assert logged_in_user_id(client) is None
        notes = " ".join(str(m) for m in get_messages(response.wsgi_request))
        assert "log in again" in notes

    def test_members_log_in_with_the_password_alone(self, client, member, mailoutbox):
        response = log_in(client, member)
        assert response["Location"] == reverse("accounts:me")
        assert logged_in_user_id(client) == str(member.pk)
        assert mailoutbox == []
        # ... and may set up two-factor: they are asked for their password, not logged out.
        response = client.get(reverse("mfa_activate_totp"))
        assert response["Location"].startswith(reverse("account_reauthenticate"))
        assert logged_in_user_id(client) == str(member.pk)

    def test_staff_with_two_factor_are_not_sent_an_email_code(self, client, mailoutbox):
        staff = StaffFactory()
        response = log_in(client, staff)
        assert response["Location"] == reverse("mfa_authenticate")
        assert mailoutbox == []

    def test_staff_with_two_factor_may_add_another_key(self, client):
        client.force_login(StaffFactory())
        response = client.get(reverse("mfa_add_webauthn"))
        assert response["Location"].startswith(reverse("account_reauthenticate"))
        assert logged_in_user_id(client) is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "proves"),
    [("code", True), ("password_reset", True), ("password", False), ("mfa", False)],
)
def test_only_a_code_or_a_reset_link_proves_control_of_the_email(rf, method, proves):
    staff = UserFactory(is_staff=True)
    request = rf.get("/")
    request.session = SessionStore()
    record_authentication(request, staff, method=method)
    assert proved_email_control(request, staff) is proves
    assert proved_email_control(request, UserFactory()) is False
