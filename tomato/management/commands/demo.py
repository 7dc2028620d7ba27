"""Demo accounts for a development site: one of each kind of person Tomato serves.

A verified superuser who has not set up two-factor yet, a member with a consent
history, a teen whose guardian has not answered yet (and that guardian's account), and
a recipient with the member's permission and a disclosure on record.

The accounts are made with Django's user manager (``create_user``, ``create_superuser``)
and their addresses with allauth's; what follows, as the site would do it, goes through
the apps' own services, so the audit rows are there: the sign-up's policy acceptance,
the cookie choices, the guardian's request, the permission and the disclosure. The one
row made directly is the recipient, which staff create in the admin.

DEBUG only, since it prints passwords. Safe to run twice: it reuses the accounts (found
by username), gives each a new password, and adds back only what is missing.
"""

from __future__ import annotations

import datetime
import secrets
import string
import textwrap
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from accounts.mfa import is_staff_without_two_factor
from accounts.models import CONSENT_AGE, Gender, User, years_before
from accounts.services import signup_policy_accept
from consent.models import (
    ConsentRecord,
    ConsentSource,
    DisclosureSubject,
    LegalBasis,
    Recipient,
)
from consent.services import (
    DisclosureRefused,
    consent_choose,
    disclosure_record,
    sharing_permission_set,
)
from consent.state import ANALYTICS, PREFERENCES
from guardians.models import GuardianRequest, Guardianship
from guardians.services import guardian_request_send, guardianship_start
from guardians.tokens import make_token

SUPERUSER = "demo-admin"
MEMBER = "demo-member"
TEEN = "demo-teen"
GUARDIAN = "demo-guardian"
#: Reserved for examples (RFC 2606): no mail to it reaches anyone.
EMAIL_DOMAIN = "example.com"

MEMBER_AGE = 34
TEEN_AGE = CONSENT_AGE - 2
GUARDIAN_AGE = 42

RECIPIENT_NAME = "Tomato Box Deliveries (demo)"
RECIPIENT_PURPOSE = "Deliver the tomato boxes members order."
RECIPIENT_DATA = "username, email"
DISCLOSURE_REFERENCE = "DEMO-ORDER-1"

#: Letters and digits only: a password that a shell or a form field takes as it is.
PASSWORD_ALPHABET = string.ascii_letters + string.digits
PASSWORD_LENGTH = 16

#: The user agent of the consent records the demo writes: no browser made them.
USER_AGENT = "manage.py demo"

WIDTH = 88
LABEL_WIDTH = 10


def email_of(username: str) -> str:
    return f"{username}@{EMAIL_DOMAIN}"


def new_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def born_years_ago(years: int) -> datetime.date:
    """A date of birth that makes someone ``years`` old today, and for months to come."""
    return years_before(timezone.localdate() - datetime.timedelta(days=100), years)


@dataclass
class Login:
    """What the command prints for one account."""

    role: str
    user: User
    password: str
    created: bool
    url: str
    sees: list[str] = field(default_factory=list)
    extra: list[tuple[str, str]] = field(default_factory=list)


class Command(BaseCommand):
    help = (
        "Create demo accounts (DEBUG only): a superuser ready to enrol two-factor, a member "
        "with consent history, a teen awaiting their guardian, and a recipient with a "
        "permission and a disclosure. Prints how to log in as each. Safe to run twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            help="Give every demo account this password (default: a new random one each).",
        )

    # BaseCommand.handle's own signature: Django passes every option through it.
    def handle(self, *args: object, password: str | None = None, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "The demo makes accounts with known passwords and prints them: it runs only "
                "with DEBUG on, on a development database (DEBUG=1 manage.py demo, or make demo)."
            )
        with transaction.atomic():
            logins, recipient_lines = build_demo(password=password)
        # After the commit: the guardian's request email (printed by the console mailer,
        # when it is the one configured) comes above the summary.
        self.stdout.write(summary(logins, recipient_lines))


def build_demo(*, password: str | None) -> tuple[list[Login], list[str]]:
    superuser = superuser_login(password)
    member, recipient_lines = member_login(password, recorded_by=superuser.user)
    teen, guardian = teen_and_guardian_logins(password)
    return [superuser, member, teen, guardian], recipient_lines


# --- Accounts ------------------------------------------------------------------------


def account(
    username: str,
    password: str | None,
    *,
    profile: dict[str, object] | None = None,
    superuser: bool = False,
) -> tuple[User, bool, str]:
    """The demo account of this username, made or reused, with a new password and its
    address verified and primary (so it logs in without confirming it first)."""
    email = email_of(username)
    user = User.objects.filter(username=username).first()
    created = user is None
    if user is None and User.objects.filter(email__iexact=email).exists():
        raise CommandError(
            f"Another account already uses {email}: change its address, then run the demo again."
        )
    if password is None:
        password = new_password()
    else:
        try:
            validate_password(password, user or User(username=username, email=email))
        except ValidationError as error:
            raise CommandError(
                f"--password is refused for {username}: {' '.join(error.messages)}"
            ) from None
    if user is None:
        create = User.objects.create_superuser if superuser else User.objects.create_user
        user = create(username, email, password, **(profile or {}))
    else:
        user.set_password(password)
        user.is_active = True
        if superuser:
            user.is_staff = user.is_superuser = True
        user.save()
    # allauth's own way to add an address (no confirmation mail: it is verified here).
    address = EmailAddress.objects.add_email(None, user, email)
    address.set_verified()
    if not address.primary:
        address.set_as_primary()
    return user, created, password


def signed_up(
    username: str, password: str | None, *, profile: dict[str, object]
) -> tuple[User, bool, str]:
    """The demo account of a person who signed up: when it is made, the policy acceptance
    recorded as the sign-up form records it."""
    user, created, secret = account(username, password, profile=profile)
    if created:
        signup_policy_accept(user=user)
    return user, created, secret


def request_as(user: User) -> HttpRequest:
    """A request made by ``user``, for the services that record where a choice was made:
    it carries no IP address (no browser made it) and this command as its user agent."""
    request = HttpRequest()
    request.method = "POST"
    request.META["HTTP_USER_AGENT"] = USER_AGENT
    request.user = user
    return request


def login_url(next_path: str = "") -> str:
    url = settings.SITE_URL + reverse("account_login")
    return f"{url}?next={next_path}" if next_path else url


def superuser_login(password: str | None) -> Login:
    user, created, secret = account(SUPERUSER, password, superuser=True)
    admin = reverse("admin:index")
    login = Login(
        role="Superuser", user=user, password=secret, created=created, url=login_url(admin)
    )
    if is_staff_without_two_factor(user):
        login.role += ", two-factor ready to enrol"
        login.sees = [
            f"After the password, a sign-in code emailed to {user.email}: in development "
            "the console mailer prints it in the terminal running `make run`.",
            "Then the admin sends you to set up two-factor first (an authenticator app, "
            f"recovery codes or a passkey); once it is set up, {admin} opens.",
        ]
    else:
        login.role += ", two-factor set up"
        login.sees = [
            "Two-factor is already set up on this account: after the password, the code "
            f"of your authenticator app (or a recovery code, or the passkey), then {admin}."
        ]
    return login


def member_login(password: str | None, *, recorded_by: User) -> tuple[Login, list[str]]:
    user, created, secret = signed_up(
        MEMBER,
        password,
        profile={
            "date_of_birth": born_years_ago(MEMBER_AGE),
            "gender": Gender.UNDISCLOSED,
            "hobbies": "gardening, cooking",
        },
    )
    cookie_groups = [PREFERENCES, ANALYTICS]
    if not ConsentRecord.objects.filter(user=user, group__in=cookie_groups).exists():
        # First "Accept all" on the banner, later Analytics declined on the settings page.
        consent_choose(
            request=request_as(user),
            response=HttpResponse(),
            groups=cookie_groups,
            accept=True,
            source=ConsentSource.BANNER,
        )
        consent_choose(
            request=request_as(user),
            response=HttpResponse(),
            groups=[ANALYTICS],
            accept=False,
            source=ConsentSource.SETTINGS,
        )
    recipient, _created = Recipient.objects.get_or_create(
        name=RECIPIENT_NAME,
        defaults={
            "purpose": RECIPIENT_PURPOSE,
            "data_categories": RECIPIENT_DATA,
            "basis": LegalBasis.INTERACTION,
        },
    )
    me, data = reverse("accounts:me"), reverse("accounts:data")
    login = Login(
        role="Member with consent history",
        user=user,
        password=secret,
        created=created,
        url=login_url(),
        sees=[
            "At login the browser takes the account's cookie choices: Personalisation on, "
            "Analytics off."
        ],
    )
    if not recipient.is_active:
        # Staff took it off offer in the admin: nobody can be given a permission for it now,
        # and a disclosure to it would be refused.
        login.sees.insert(
            0,
            f"My account ({me}). Your data ({data}) lists the policy acceptance and the "
            "consent history (Accept all on the banner, then Analytics declined in the "
            "cookie settings).",
        )
        return login, [
            f"{recipient.name}: not offered to members (staff took it off offer), so this "
            f"run gives it no permission from {user.username} and records no disclosure to "
            "it; what earlier runs recorded stays. To have the permission granted again, tick "
            "\u201coffered to members\u201d on the recipient in the admin, then run the demo "
            "again.",
        ]
    # Granted again if the member withdrew it, or if the recipient's terms changed since.
    sharing_permission_set(request=request_as(user), person=user, recipient=recipient, grant=True)
    disclosed = DisclosureSubject.objects.filter(user=user, disclosure__listed_recipient=recipient)
    if not disclosed.exists():
        try:
            disclosure_record(
                recipient="",
                listed_recipient=recipient,
                purpose="Deliver the tomato box of a demo order.",
                legal_basis=recipient.basis,
                reference=DISCLOSURE_REFERENCE,
                data_categories=recipient.data_categories,
                people=[user],
                recorded_by=recorded_by,
            )
        except DisclosureRefused as refused:
            raise CommandError(
                f"The demo disclosure to {recipient.name} is refused: {' '.join(refused.messages)}"
            ) from None
    login.sees.insert(
        0,
        f"My account ({me}). Your data ({data}) lists the policy acceptance, the consent "
        "history (Accept all on the banner, then Analytics declined in the cookie settings, "
        f"then the permission for {recipient.name}) and the disclosure to it; Sharing "
        f"({reverse('accounts:sharing')}) shows the permission, which can be withdrawn.",
    )
    recipient_lines = [
        f"{recipient.name}: {recipient.get_basis_display()}",
        f"Purpose: {recipient.purpose} Data: {recipient.data_categories}.",
        f"{user.username}'s permission is on record, and one disclosure (reference "
        f"{DISCLOSURE_REFERENCE}, recorded by {recorded_by.username}); staff see them in the "
        "admin under Recipients and Disclosures.",
    ]
    return login, recipient_lines


def open_request(guardianship: Guardianship, email: str) -> GuardianRequest:
    """The request the guardian can answer now; a new one (emailed) if none is open."""
    found = guardianship.requests.open(timezone.now()).filter(email=email).first()
    return found or guardian_request_send(guardianship=guardianship, email=email)


def teen_and_guardian_logins(password: str | None) -> tuple[Login, Login]:
    guardian, guardian_created, guardian_secret = signed_up(
        GUARDIAN, password, profile={"date_of_birth": born_years_ago(GUARDIAN_AGE)}
    )
    teen, created, secret = signed_up(
        TEEN, password, profile={"date_of_birth": born_years_ago(TEEN_AGE)}
    )
    guardianship = Guardianship.objects.filter(teen=teen).first()
    if guardianship is None:
        guardianship = guardianship_start(teen=teen, guardian_email=guardian.email)
    teen_login = Login(
        role=f"Teen ({TEEN_AGE})", user=teen, password=secret, created=created, url=login_url()
    )
    guardian_login = Login(
        role=f"Guardian of {teen.username}",
        user=guardian,
        password=guardian_secret,
        created=guardian_created,
        url=login_url(),
    )
    me = reverse("accounts:me")
    if guardianship.is_active:
        teen_login.role += ", approved by the guardian"
        teen_login.sees = [
            f"The guardian has approved: My account ({me}), with what the guardian allows "
            "(optional profile fields and personalisation start off)."
        ]
        guardian_login.sees = [
            f"The guardian dashboard ({reverse('guardians:portal')}) lists {teen.username}: "
            "review the data, set the switches, stop collection or delete the account."
        ]
        return teen_login, guardian_login
    found = open_request(guardianship, guardian.email)
    link = settings.SITE_URL + reverse("guardians:consent", kwargs={"token": make_token(found)})
    teen_login.role += ", awaiting the guardian"
    teen_login.sees = [
        "Every page but the policy, the cookie settings and logging out leads to "
        f"{reverse('guardians:waiting')} until the guardian answers: the request's status, "
        "\u201cResend request\u201d and \u201cChange guardian's email\u201d.",
    ]
    guardian_login.role += ", asked to approve"
    guardian_login.sees = [
        "Open the link above (also in the request emailed to "
        f"{guardian.email}), log in there and choose Approve or Decline. Decline erases "
        f"{teen.username}; running the demo again makes the account anew.",
    ]
    guardian_login.extra = [("link", link)]
    teen_login.extra = [("guardian", f"{guardian.username}, asked on {found.sent_at:%Y-%m-%d}")]
    return teen_login, guardian_login


# --- Output -----------------------------------------------------------------------


def line(label: str, value: str) -> str:
    return f"  {label:<{LABEL_WIDTH}}{value}"


def paragraph(label: str, text: str) -> str:
    return textwrap.fill(
        text,
        width=WIDTH,
        initial_indent=line(label, ""),
        subsequent_indent=" " * (2 + LABEL_WIDTH),
        break_on_hyphens=False,
        break_long_words=False,
    )


def summary(logins: list[Login], recipient_lines: list[str]) -> str:
    made = [login.user.username for login in logins if login.created]
    reused = [login.user.username for login in logins if not login.created]
    parts = [
        f"Demo accounts for {settings.SITE_URL} (serve it with `make run`).",
        f"Created: {', '.join(made)}." if made else "",
        f"Reused, with new passwords: {', '.join(reused)}." if reused else "",
        "Running the demo again reuses these accounts: each gets a new password, and only "
        "what is missing is added back. The passwords are shown here only.",
    ]
    out = [textwrap.fill(text, width=WIDTH) for text in parts if text]
    for login in logins:
        out += [
            "",
            f"{login.role} ({'created' if login.created else 'reused'})",
            line("username", login.user.username),
            line("email", login.user.email),
            line("password", login.password),
            line("log in", login.url),
        ]
        out += [paragraph(label, value) for label, value in login.extra]
        out += [paragraph("you see" if i == 0 else "", text) for i, text in enumerate(login.sees)]
    out += ["", "Recipient (not an account)"]
    out += [paragraph("", text) for text in recipient_lines]
    return "\n".join(out)
