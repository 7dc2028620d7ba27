"""Emailed links, row by row: the guardian's consent link, allauth's email confirmation and
password reset. A tampered, expired, replayed or someone else's link gets a clear page, and
every row of every table is as it was (``tests.snapshot``).

What the happy paths do is in tests/guardians/test_consent_link.py and
tests/accounts/test_auth_flow.py; this table is the other side of each link.
"""

import re
import time
from http import HTTPStatus
from urllib.parse import quote

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.core import signing
from django.urls import reverse

from guardians.services import guardian_request_send
from guardians.tokens import make_token
from tests.factories import PASSWORD, GuardianFactory, GuardianshipFactory, UserFactory
from tests.snapshot import changed_tables, snapshot

DAY = 24 * 60 * 60

# What each kind of link says when it cannot be used.
GUARDIAN_INVALID = "This link is not valid"
GUARDIAN_EXPIRED = "This link has expired"
GUARDIAN_USED = "This link has already been used"
GUARDIAN_NOTHING_CHANGED = "Nothing was changed."
CONFIRMATION_BAD = "This email confirmation link expired or is invalid"
RESET_BAD = "Bad Token"
RESET_BAD_TEXT = "The password reset link was invalid"
NOT_FOUND = "Page not found"


class _Clock:
    """``time.time`` as seen by the signing module, moved by ``offset`` seconds."""

    def __init__(self, offset):
        self.offset = offset

    def time(self):
        return time.time() + self.offset


@pytest.fixture
def signed_at(monkeypatch):
    """Sign something as if it were ``seconds_ago`` ago: ``signed_at(8 * DAY, make_token, r)``."""

    def sign(seconds_ago, make, *args):
        with monkeypatch.context() as patch:
            patch.setattr(signing, "time", _Clock(-seconds_ago))
            return make(*args)

    return sign


def assert_page(response, status, *texts):
    """A whole page of the site (not a 500, not a blank body) that says ``texts``."""
    assert response.status_code == status
    page = response.content.decode()
    assert "<h1" in page
    assert "</html>" in page
    for text in texts:
        assert text in page


# Tampering: each is a function of (the link's token, another person's token).
def one_character_changed(token, other):
    middle = len(token) // 2
    return token[:middle] + ("B" if token[middle] != "B" else "C") + token[middle + 1 :]


def truncated(token, other):
    return token[:-3]


def cut_in_half(token, other):
    return token[: len(token) // 2]


def spliced_with_another_persons(token, other):
    """The other token's content with this token's signature (``value:stamp:signature``)."""
    value = other.rsplit(":", 2)[0]
    _value, stamp, signature = token.rsplit(":", 2)
    return f"{value}:{stamp}:{signature}"


def another_persons_signature(token, other):
    return token.rsplit(":", 1)[0] + ":" + other.rsplit(":", 1)[1]


def garbage(token, other):
    return "not-a-token"


def very_long(token, other):
    return token + "A" * 5000


def odd_characters(token, other):
    return token[:5] + "\u202e\u0301\u00a0'\"<>" + token[5:]


TAMPERINGS = [
    one_character_changed,
    truncated,
    cut_in_half,
    spliced_with_another_persons,
    another_persons_signature,
    garbage,
    very_long,
    odd_characters,
]


# --- The guardian's consent link ----------------------------------------------------------


@pytest.fixture
def ward(db):
    return GuardianshipFactory(guardian_email="mum@example.net")


@pytest.fixture
def other_ward(db):
    return GuardianshipFactory(guardian_email="dad@example.net")


@pytest.fixture
def mum(ward):
    return GuardianFactory(email="mum@example.net")


def consent_link(token):
    return reverse("guardians:consent", kwargs={"token": token})


def token_of(guardianship):
    return make_token(guardianship.requests.get(status="pending"))


GUARDIAN_VISITS = [
    pytest.param(None, "get", id="GET-signed-out"),
    pytest.param("mum", "get", id="GET-invited-guardian"),
    pytest.param("mum", "approve", id="POST-approve"),
    pytest.param("mum", "decline", id="POST-decline"),
]


def visit(client, link, who, how, people):
    """Open or answer the link as ``who``: the snapshot before (taken once logged in, since
    logging in writes the login time), and the response."""
    if who:
        client.force_login(people[who])
    before = snapshot()
    if how == "get":
        return before, client.get(link)
    return before, client.post(link, {"decision": how})


@pytest.mark.django_db
class TestGuardianLink:
    @pytest.mark.parametrize("tamper", TAMPERINGS)
    @pytest.mark.parametrize(("who", "how"), GUARDIAN_VISITS)
    def test_a_tampered_link_is_not_valid(self, client, ward, other_ward, mum, tamper, who, how):
        link = consent_link(tamper(token_of(ward), token_of(other_ward)))
        before, response = visit(client, link, who, how, {"mum": mum})
        assert_page(response, HTTPStatus.BAD_REQUEST, GUARDIAN_INVALID, GUARDIAN_NOTHING_CHANGED)
        assert changed_tables(before, snapshot()) == []

    def test_a_nul_byte_in_the_link_is_a_bad_request(self, client, ward):
        # Refused before the view (tomato.middleware), as anywhere in a request.
        before = snapshot()
        response = client.get(f"/guardian/consent/{token_of(ward)[:8]}%00abc/")
        assert_page(response, HTTPStatus.BAD_REQUEST, GUARDIAN_NOTHING_CHANGED)
        assert changed_tables(before, snapshot()) == []

    @pytest.mark.parametrize(("who", "how"), GUARDIAN_VISITS)
    def test_a_link_older_than_seven_days_has_expired(self, client, ward, mum, signed_at, who, how):
        old = signed_at(7 * DAY + 60, make_token, ward.requests.get())
        before, response = visit(client, consent_link(old), who, how, {"mum": mum})
        assert_page(response, HTTPStatus.GONE, GUARDIAN_EXPIRED, GUARDIAN_NOTHING_CHANGED)
        assert changed_tables(before, snapshot()) == []

    @pytest.mark.parametrize(("who", "how"), GUARDIAN_VISITS)
    def test_a_request_past_its_expiry_or_expired_by_the_schedule_has_expired(
        self, client, ward, mum, who, how
    ):
        from django.utils import timezone

        link = consent_link(token_of(ward))
        request = ward.requests.get()
        for change in ({"expires_at": timezone.now()}, {"status": "expired"}):
            type(request).objects.filter(pk=request.pk).update(**change)
            before, response = visit(client, link, who, how, {"mum": mum})
            assert_page(response, HTTPStatus.GONE, GUARDIAN_EXPIRED)
            assert changed_tables(before, snapshot()) == []

    @pytest.mark.parametrize(("who", "how"), GUARDIAN_VISITS)
    def test_an_approved_link_used_again_changes_nothing(self, client, ward, mum, who, how):
        link = consent_link(token_of(ward))
        client.force_login(mum)
        assert client.post(link, {"decision": "approve"}).status_code == HTTPStatus.FOUND
        client.logout()
        before, response = visit(client, link, who, how, {"mum": mum})
        assert_page(response, HTTPStatus.GONE, GUARDIAN_USED, GUARDIAN_NOTHING_CHANGED)
        assert changed_tables(before, snapshot()) == []

    @pytest.mark.parametrize(("who", "how"), GUARDIAN_VISITS)
    def test_a_declined_link_used_again_names_no_one(self, client, ward, mum, who, how):
        # Declining erases the teen and their requests: the link now stands for nothing.
        link = consent_link(token_of(ward))
        client.force_login(mum)
        assert client.post(link, {"decision": "decline"}).status_code == HTTPStatus.FOUND
        client.logout()
        before, response = visit(client, link, who, how, {"mum": mum})
        assert_page(response, HTTPStatus.BAD_REQUEST, GUARDIAN_INVALID)
        assert ward.teen.username not in response.content.decode()
        assert changed_tables(before, snapshot()) == []

    @pytest.mark.parametrize("new_address", [None, "mum@example.net", "gran@example.net"])
    @pytest.mark.parametrize(("who", "how"), GUARDIAN_VISITS)
    def test_a_link_replaced_by_a_newer_one_changes_nothing(
        self, client, ward, mum, new_address, who, how
    ):
        old = consent_link(token_of(ward))
        guardian_request_send(guardianship=ward, email=new_address)
        before, response = visit(client, old, who, how, {"mum": mum})
        assert_page(response, HTTPStatus.GONE, GUARDIAN_USED, GUARDIAN_NOTHING_CHANGED)
        assert changed_tables(before, snapshot()) == []

    @pytest.mark.parametrize(
        ("make_answerer", "status", "text"),
        [
            pytest.param(
                lambda: GuardianFactory(email="stranger@example.net"),
                HTTPStatus.FORBIDDEN,
                "sent to another email address",
                id="another-verified-address",
            ),
            pytest.param(
                lambda: GuardianFactory(email="mum@example.net", verified_email=False),
                HTTPStatus.FORBIDDEN,
                "",
                id="the-invited-address-unverified",
            ),
            pytest.param(
                lambda: GuardianshipFactory(guardian_email="dad@example.net").teen,
                HTTPStatus.FOUND,
                "",
                id="another-teen",
            ),
        ],
    )
    @pytest.mark.parametrize("how", ["get", "approve", "decline"])
    def test_someone_elses_account_cannot_answer(
        self, client, ward, make_answerer, status, text, how
    ):
        answerer = make_answerer()
        link = consent_link(token_of(ward))
        before, response = visit(client, link, "them", how, {"them": answerer})
        if status == HTTPStatus.FOUND:  # a cabined teen is sent to their own waiting page
            assert response["Location"].startswith(reverse("guardians:waiting"))
        else:
            assert_page(response, status, text)
            assert 'value="approve"' not in response.content.decode()
        assert changed_tables(before, snapshot()) == []

    def test_the_guardian_of_another_ward_cannot_use_their_link_for_this_one(
        self, client, ward, other_ward, mum
    ):
        dad = GuardianFactory(email="dad@example.net")
        client.force_login(dad)
        before = snapshot()
        response = client.post(consent_link(token_of(ward)), {"decision": "approve"})
        assert_page(response, HTTPStatus.FORBIDDEN, "sent to another email address")
        assert changed_tables(before, snapshot()) == []


# --- allauth's email confirmation ---------------------------------------------------------


@pytest.fixture
def ana(db):
    """A member who signed up and has not yet confirmed her address."""
    user = UserFactory(username="ana", verified_email=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    return user


@pytest.fixture
def bo(db):
    user = UserFactory(username="bo", verified_email=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    return user


def confirmation_key(user):
    return EmailConfirmationHMAC(EmailAddress.objects.get(user=user)).key


CONFIRMATION_KEY = re.compile(r"[-:\w]+")


def confirm_link(key):
    if not CONFIRMATION_KEY.fullmatch(key):  # no URL of allauth's: the site's 404
        return f"/accounts/confirm-email/{quote(key)}/"
    return reverse("account_confirm_email", kwargs={"key": key})


def assert_confirmation_refused(client, link, before):
    """GET shows allauth's "expired or invalid" page; POST is a 404; nothing is verified.
    A key with characters allauth's URL does not take is the site's 404 either way."""
    if "%" in link:
        assert_page(client.get(link), HTTPStatus.NOT_FOUND, NOT_FOUND)
    else:
        assert_page(client.get(link), HTTPStatus.OK, CONFIRMATION_BAD)
    assert_page(client.post(link), HTTPStatus.NOT_FOUND, NOT_FOUND)
    assert changed_tables(before, snapshot()) == []


@pytest.mark.django_db
class TestEmailConfirmation:
    @pytest.mark.parametrize("tamper", TAMPERINGS)
    @pytest.mark.parametrize("logged_in", [False, True], ids=["signed-out", "as-another-member"])
    def test_a_tampered_link_confirms_nothing(self, client, ana, bo, tamper, logged_in):
        if logged_in:
            client.force_login(UserFactory())
        link = confirm_link(tamper(confirmation_key(ana), confirmation_key(bo)))
        assert_confirmation_refused(client, link, snapshot())

    def test_a_link_past_its_expiry_confirms_nothing(self, client, ana, signed_at, settings):
        days = settings.ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
        key = signed_at(days * DAY + 60, confirmation_key, ana)
        assert_confirmation_refused(client, confirm_link(key), snapshot())

    def test_a_used_link_confirms_nothing_more(self, client, ana):
        link = confirm_link(confirmation_key(ana))
        assert client.post(link).status_code == HTTPStatus.FOUND
        assert EmailAddress.objects.get(user=ana).verified
        assert_confirmation_refused(client, link, snapshot())

    def test_once_any_link_is_used_the_older_one_confirms_nothing(self, client, ana, signed_at):
        older = confirm_link(signed_at(DAY, confirmation_key, ana))
        newer = confirm_link(confirmation_key(ana))
        assert older != newer
        assert client.post(newer).status_code == HTTPStatus.FOUND
        assert_confirmation_refused(client, older, snapshot())

    def test_a_removed_address_cannot_be_confirmed(self, client, ana):
        link = confirm_link(confirmation_key(ana))
        EmailAddress.objects.filter(user=ana).delete()
        assert_confirmation_refused(client, link, snapshot())

    def test_anothers_link_used_while_logged_in_confirms_only_their_address(self, client, ana, bo):
        """The link proves control of Ana's mailbox, whoever's browser opens it: it verifies
        Ana's address, leaves Bo's account alone and logs no one in as Ana."""
        client.force_login(bo)
        link = confirm_link(confirmation_key(ana))
        before = snapshot()
        page = client.get(link)
        assert_page(page, HTTPStatus.OK, ana.email)
        assert changed_tables(before, snapshot()) == []
        assert client.post(link).status_code == HTTPStatus.FOUND
        assert EmailAddress.objects.get(user=ana).verified
        assert not EmailAddress.objects.get(user=bo).verified
        assert client.session.get("_auth_user_id") != str(ana.pk)


# --- allauth's password reset -------------------------------------------------------------


def reset_link(user, key=None, uidb36=None):
    return reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": uidb36 or user_pk_to_url_str(user),
            "key": key or default_token_generator.make_token(user),
        },
    )


def reset_key(link):
    return link.rstrip("/").rsplit("/", 1)[1].split("-", 1)[1]


NEW_PASSWORD = {"password1": "a-brand-new-password", "password2": "a-brand-new-password"}


def assert_reset_refused(client, link, before):
    """GET and POST both show allauth's "Bad Token" page; no password changes."""
    assert_page(client.get(link), HTTPStatus.OK, RESET_BAD, RESET_BAD_TEXT)
    assert_page(client.post(link, NEW_PASSWORD), HTTPStatus.OK, RESET_BAD)
    assert changed_tables(before, snapshot()) == []


@pytest.fixture
def member_b(db):
    return UserFactory(username="bea")


@pytest.fixture
def at_time(monkeypatch):
    """Make a reset token as if it were ``seconds_ago`` ago."""

    def make(seconds_ago, user):
        from datetime import timedelta

        real = default_token_generator._now()
        with monkeypatch.context() as patch:
            patch.setattr(
                default_token_generator, "_now", lambda: real - timedelta(seconds=seconds_ago)
            )
            return reset_link(user, key=default_token_generator.make_token(user))

    return make


def tamper_reset_key(tamper, link, other_link):
    """Reset keys are ``<time>-<hash>``: tampered as a signed value would be, with the time
    as the value and the hash as the signature, then mapped back."""
    key, other = reset_key(link), reset_key(other_link)
    as_token = key.replace("-", ":0:")
    other_token = other.replace("-", ":0:")
    changed = tamper(as_token, other_token)
    return changed.replace(":0:", "-").replace(":", "-") or "x"


@pytest.mark.django_db
class TestPasswordReset:
    @pytest.mark.parametrize("tamper", TAMPERINGS)
    @pytest.mark.parametrize("logged_in", [False, True], ids=["signed-out", "as-another-member"])
    def test_a_tampered_key_changes_no_password(
        self, client, member, member_b, at_time, tamper, logged_in
    ):
        if logged_in:
            client.force_login(UserFactory())
        # The other key an hour older, so that splicing its time in changes the key.
        key = tamper_reset_key(tamper, reset_link(member), at_time(60 * 60, member_b))
        assert_reset_refused(client, reset_link(member, key=key), snapshot())

    @pytest.mark.parametrize(
        "uidb36",
        ["0", "zzzzzzzzzzzz", "zzzzzzzzzzzzz", "z" * 14, "9" * 200, "set"],
        ids=["no-such-user", "huge-id", "past-64-bits", "too-long", "very-long", "a-word"],
    )
    def test_a_tampered_user_id_changes_no_password(self, client, member, uidb36):
        link = reset_link(member, uidb36=uidb36)
        assert_reset_refused(client, link, snapshot())

    def test_anothers_key_spliced_onto_ones_user_id_changes_no_password(
        self, client, member, member_b
    ):
        client.force_login(member)
        link = reset_link(member, key=default_token_generator.make_token(member_b))
        assert_reset_refused(client, link, snapshot())
        assert client.session.get("_auth_user_id") == str(member.pk)

    def test_a_key_past_its_timeout_changes_no_password(self, client, member, at_time, settings):
        link = at_time(settings.PASSWORD_RESET_TIMEOUT + 60, member)
        assert_reset_refused(client, link, snapshot())

    def test_a_used_link_changes_no_password_again(self, client, member):
        link = reset_link(member)
        form = client.get(link)["Location"]
        assert client.post(form, NEW_PASSWORD).status_code == HTTPStatus.FOUND
        client.logout()
        assert_reset_refused(client, link, snapshot())
        # The key kept in the session is spent too.
        assert_page(client.post(form, NEW_PASSWORD | {"password1": "x"}), HTTPStatus.OK, RESET_BAD)

    def test_once_any_link_is_used_the_older_one_changes_nothing(self, client, member, at_time):
        older = at_time(60 * 60, member)
        newer = reset_link(member)
        assert older != newer
        form = client.get(newer)["Location"]
        assert client.post(form, NEW_PASSWORD).status_code == HTTPStatus.FOUND
        client.logout()
        assert_reset_refused(client, older, snapshot())

    def test_the_set_password_step_without_a_key_changes_nothing(self, client, member):
        form = reset_link(member, key="set-password")
        assert_reset_refused(client, form, snapshot())

    def test_anothers_link_opened_while_logged_in_signs_out_and_changes_only_their_password(
        self, client, member, member_b
    ):
        """Like the confirmation link, the reset link proves control of the mailbox: it
        signs the other member out first, and leaves their password alone."""
        client.force_login(member_b)
        link = reset_link(member)
        before = snapshot()
        form = client.get(link)["Location"]
        assert_page(client.get(form), HTTPStatus.OK, "Change Password")
        assert client.session.get("_auth_user_id") is None
        assert changed_tables(before, snapshot()) == []
        assert client.post(form, NEW_PASSWORD).status_code == HTTPStatus.FOUND
        member.refresh_from_db()
        member_b.refresh_from_db()
        assert member.check_password("a-brand-new-password")
        assert member_b.check_password(PASSWORD)
