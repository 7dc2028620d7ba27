"""``manage.py bench_seed``: the database that ``make bench`` measures, written in bulk.

Two sizes (``--size small`` or ``large``; each count can be changed, ``--members 5``):

======================  =======  =========
rows                    small    large
======================  =======  =========
members                 1,000    100,000
teens with guardians    50       5,000
consent records         10,000   1,000,000
disclosures             200      20,000
page views              10,000   1,000,000
======================  =======  =========

plus a probe member (200 consent records of their own, 5 disclosures about them, one
sharing permission), a probe guardian with 3 wards, and a superuser with a TOTP
authenticator. The pages the benchmark drives are those of these three.

Rows are written with ``bulk_create`` in batches, not through the apps' services: the
services write one person at a time, and the large size is two million rows. What a
service would write beside a row is written here too (a member's verified address and
sign-up acceptance, an active guardianship's answered request), so that the tables look
as the site leaves them. The ledgers' rows (consent records, policy acceptances,
disclosures and their people) are chained as they go in: a ledger's ``bulk_create`` hashes
a batch in Python, in order, under one lock of its chain's head (``consent.ledger``), so
``manage.py verify_ledger`` holds on the seeded database. On PostgreSQL the tables are
analysed at the end, as autovacuum would do on a live site, so that the planner knows
their size.

For each of the three probe accounts the command makes a logged-in session as allauth's
login leaves it (the password step; for the superuser also the two-factor step, which the
admin requires), and it writes their session keys and the cookies of a browser that
accepted every cookie group to ``--state-file`` (JSON): the load generator sends them in
its ``Cookie`` header.

It writes many rows and empties the cache (the sessions it makes are read through it):
it runs only with DEBUG on or with ``--i-know-this-writes``, and only into a database
that has none of its accounts yet (``make bench`` makes a new database for each size).
"""

from __future__ import annotations

import datetime
import itertools
import json
import random
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from importlib import import_module
from pathlib import Path

from allauth.account.internal.flows.login import record_authentication
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from cookie_consent.cache import all_cookie_groups
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.db import connection, models
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.utils import timezone
from django.utils.crypto import get_random_string

from accounts.models import CONSENT_AGE, Gender, User, years_before
from consent.cookies import VISITOR_COOKIE, write_consent_cookie
from consent.forms import page_routes
from consent.models import (
    PERMISSION_BASES,
    AccountCookieChoice,
    ConsentAction,
    ConsentRecord,
    ConsentSource,
    Disclosure,
    DisclosureSubject,
    LegalBasis,
    PageView,
    PolicyAcceptance,
    PolicyVersion,
    Recipient,
    SharingPermission,
)
from consent.privacy import subject_hash
from consent.state import ConsentState, new_visitor_id
from guardians.models import GUARDIAN_MIN_AGE, REQUEST_VALIDITY, GuardianRequest, Guardianship


@dataclass(frozen=True)
class Size:
    members: int
    teens: int
    consent_records: int
    disclosures: int
    page_views: int


SIZES = {
    "small": Size(
        members=1_000, teens=50, consent_records=10_000, disclosures=200, page_views=10_000
    ),
    "large": Size(
        members=100_000,
        teens=5_000,
        consent_records=1_000_000,
        disclosures=20_000,
        page_views=1_000_000,
    ),
}

PREFIX = "bench-"
PROBE_MEMBER = f"{PREFIX}probe-member"
PROBE_GUARDIAN = f"{PREFIX}probe-guardian"
STAFF = f"{PREFIX}staff"
PROBE_CONSENT_RECORDS = 200
PROBE_DISCLOSURES = 5
PROBE_WARDS = 3
#: The youngest and oldest teens: under the consent age, old enough to sign up with a guardian.
TEEN_AGES = (CONSENT_AGE - 3, CONSENT_AGE - 1)
#: Reserved for examples (RFC 2606): no mail to it reaches anyone.
EMAIL_DOMAIN = "example.com"
RECIPIENTS = 5
#: Anonymous page views come from this many visitors per page view.
VIEWS_PER_VISITOR = 20
#: Share of the consent records that are members' (the rest are anonymous visitors').
MEMBER_RECORD_SHARE = 0.6
#: How far back the generated history reaches (anonymous rows are kept 395 days).
HISTORY_DAYS = 365
USER_AGENTS = (
    "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/142.0 Safari/537.36",
)
HOBBIES = ("gardening", "cooking, hiking", "chess", "", "photography, cycling", "")
#: allauth's backend: the one its login flow authenticates with.
LOGIN_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


class Progress:
    """One line per table: redrawn in place on a terminal, at every tenth otherwise."""

    def __init__(self, out: OutputWrapper, label: str, total: int) -> None:
        self.out, self.label, self.total = out, label, total
        self.done = 0
        self.started = time.monotonic()
        self.tty = out.isatty()
        self.shown_tenth = 0

    def add(self, count: int) -> None:
        self.done += count
        line = f"{self.label}: {self.done:,}/{self.total:,} ({100 * self.done // self.total}%)"
        if self.tty:
            self.out.write(f"\r  {line}", ending="")
            self.out.flush()
            return
        tenth = 10 * self.done // self.total
        if tenth > self.shown_tenth and self.done < self.total:
            self.shown_tenth = tenth
            self.out.write(f"  {line}")

    def finish(self) -> None:
        elapsed = time.monotonic() - self.started
        rate = f" ({self.done / elapsed:,.0f}/s)" if elapsed >= 0.1 else ""
        line = f"  {self.label}: {self.done:,} rows in {elapsed:.1f} s{rate}"
        # On a terminal the final line replaces the one redrawn in place.
        self.out.write(f"\r{line}\033[K" if self.tty else line)


class Seeder:
    """Writes one size's rows; keeps the ids that later tables refer to."""

    def __init__(self, *, out: OutputWrapper, rng: random.Random, batch_size: int) -> None:
        self.out = out
        self.rng = rng
        self.batch_size = batch_size
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.policy = self._policy_version()
        # One hash for every generated account: nobody logs in with a password here.
        self.password = make_password(secrets.token_urlsafe(24))
        self.subjects: dict[int, str] = {}
        self.groups = {
            varname: group.get_version() for varname, group in all_cookie_groups().items()
        }
        if not self.groups:
            raise CommandError("No optional cookie group: run manage.py migrate first.")

    @staticmethod
    def _policy_version() -> PolicyVersion:
        policy = PolicyVersion.objects.current()
        if policy is None:
            raise CommandError("No policy version in effect: run manage.py migrate first.")
        return policy

    # --- helpers --------------------------------------------------------------------

    def insert[M: models.Model](
        self, model: type[M], rows: Iterable[M], *, total: int, label: str
    ) -> list[int]:
        """Insert ``rows`` in batches with a progress line; the new primary keys."""
        progress = Progress(self.out, label, total)
        keys: list[int] = []
        for batch in itertools.batched(rows, self.batch_size):
            created = model._default_manager.bulk_create(batch)
            keys.extend(int(row.pk) for row in created if row.pk is not None)
            progress.add(len(batch))
        progress.finish()
        return keys

    def subject(self, user_id: int) -> str:
        found = self.subjects.get(user_id)
        if found is None:
            found = self.subjects[user_id] = subject_hash(user_id)
        return found

    def moment(self, days: int = HISTORY_DAYS) -> datetime.datetime:
        """A random time in the last ``days`` days."""
        return self.now - datetime.timedelta(seconds=self.rng.randrange(days * 86_400))

    def birth_date(self, youngest: int, oldest: int) -> datetime.date:
        """A date of birth of someone between ``youngest`` and ``oldest`` years old."""
        years = self.rng.randint(youngest, oldest)
        return years_before(self.today, years) - datetime.timedelta(days=self.rng.randrange(300))

    def visitor(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def person(self, username: str, *, youngest: int, oldest: int) -> User:
        joined = self.moment(2 * HISTORY_DAYS)
        return User(
            username=username,
            email=f"{username}@{EMAIL_DOMAIN}",
            password=self.password,
            date_of_birth=self.birth_date(youngest, oldest),
            gender=self.rng.choice([*Gender.values, ""]),
            hobbies=self.rng.choice(HOBBIES),
            date_joined=joined,
            last_login=joined + (self.now - joined) * self.rng.random(),
        )

    def people(self, usernames: list[str], *, youngest: int, oldest: int, label: str) -> list[int]:
        """Accounts as sign-up leaves them: a verified address and the policy accepted."""
        rows = (self.person(name, youngest=youngest, oldest=oldest) for name in usernames)
        ids = self.insert(User, rows, total=len(usernames), label=label)
        self.insert(
            EmailAddress,
            (
                EmailAddress(
                    user_id=pk, email=f"{name}@{EMAIL_DOMAIN}", verified=True, primary=True
                )
                for pk, name in zip(ids, usernames, strict=True)
            ),
            total=len(ids),
            label=f"{label}: email addresses",
        )
        self.insert(
            PolicyAcceptance,
            (
                PolicyAcceptance(
                    user_id=pk,
                    subject=self.subject(pk),
                    policy_version=self.policy,
                    source=PolicyAcceptance.Source.SIGNUP,
                )
                for pk in ids
            ),
            total=len(ids),
            label=f"{label}: policy acceptances",
        )
        return ids

    # --- the crowd ----------------------------------------------------------------------

    def members(self, count: int) -> list[int]:
        names = [f"{PREFIX}member-{n:06d}" for n in range(1, count + 1)]
        return self.people(names, youngest=CONSENT_AGE, oldest=80, label="members")

    def families(self, count: int, *, prefix: str, label: str) -> tuple[list[int], list[int]]:
        """``count`` teens, each with a guardian who approved: (guardian ids, teen ids)."""
        guardians = self.people(
            [f"{prefix}guardian-{n:05d}" for n in range(1, count + 1)],
            youngest=GUARDIAN_MIN_AGE,
            oldest=60,
            label=f"{label}: guardians",
        )
        teens = self.people(
            [f"{prefix}teen-{n:05d}" for n in range(1, count + 1)],
            youngest=TEEN_AGES[0],
            oldest=TEEN_AGES[1],
            label=f"{label}: teens",
        )
        self.guardianships(guardians, teens, label=label)
        return guardians, teens

    def guardianships(self, guardians: list[int], teens: list[int], *, label: str) -> None:
        emails = dict(User.objects.filter(pk__in=guardians).values_list("pk", "email"))
        started = {teen: self.moment() for teen in teens}
        links = self.insert(
            Guardianship,
            (
                Guardianship(
                    teen_id=teen,
                    guardian_id=guardian,
                    guardian_email=emails[guardian],
                    status=Guardianship.Status.ACTIVE,
                    created_at=started[teen],
                    approved_at=started[teen] + datetime.timedelta(hours=5),
                )
                for guardian, teen in zip(guardians, teens, strict=True)
            ),
            total=len(teens),
            label=f"{label}: guardianships",
        )
        self.insert(
            GuardianRequest,
            (
                GuardianRequest(
                    guardianship_id=link,
                    email=emails[guardian],
                    status=GuardianRequest.Status.APPROVED,
                    guardian_id=guardian,
                    sent_at=started[teen],
                    expires_at=started[teen] + REQUEST_VALIDITY,
                    answered_at=started[teen] + datetime.timedelta(hours=5),
                )
                for link, guardian, teen in zip(links, guardians, teens, strict=True)
            ),
            total=len(links),
            label=f"{label}: guardian requests",
        )

    def consent_record(self, user_id: int | None) -> ConsentRecord:
        group = self.rng.choice(list(self.groups))
        accept = self.rng.random() < 0.5
        source = self.rng.choice(
            [ConsentSource.BANNER, ConsentSource.SETTINGS]
            + ([ConsentSource.ACCOUNT] if user_id else [])
            + ([] if accept else [ConsentSource.GPC])
        )
        return ConsentRecord(
            user_id=user_id,
            subject_type=(
                ConsentRecord.SubjectType.MEMBER if user_id else ConsentRecord.SubjectType.VISITOR
            ),
            subject=self.subject(user_id) if user_id else self.visitor(),
            group=group,
            action=ConsentAction.ACCEPT if accept else ConsentAction.DECLINE,
            group_version=self.groups[group] if accept else "",
            policy_version=self.policy.version,
            source=source,
            created_at=self.moment(),
            ip_network=f"198.51.{self.rng.randrange(256)}.0/24",
            user_agent=self.rng.choice(USER_AGENTS),
        )

    def consent_records(self, count: int, members: list[int]) -> None:
        def rows() -> Iterator[ConsentRecord]:
            for _ in range(count):
                member = members and self.rng.random() < MEMBER_RECORD_SHARE
                yield self.consent_record(self.rng.choice(members) if member else None)

        self.insert(ConsentRecord, rows(), total=count, label="consent records")

    def recipients(self) -> list[Recipient]:
        Recipient.objects.bulk_create(
            Recipient(
                name=f"Bench recipient {n}",
                purpose="Deliver the orders members place.",
                data_categories="username, email",
                basis=PERMISSION_BASES[n % len(PERMISSION_BASES)],
            )
            for n in range(1, RECIPIENTS + 1)
        )
        return list(Recipient.objects.filter(name__startswith="Bench recipient "))

    def disclosure(self, number: int, recipients: list[Recipient], staff: User) -> Disclosure:
        basis = self.rng.choice(LegalBasis.values)
        listed = self.rng.choice(recipients) if basis in PERMISSION_BASES else None
        return Disclosure(
            recipient=listed.name if listed else f"Bench authority {number % 17}",
            listed_recipient=listed,
            purpose="Answer an order placed by the person.",
            legal_basis=basis,
            reference="" if listed else f"BENCH-{number:06d}",
            data_categories="username, email",
            disclosed_at=self.moment(),
            recorded_by=staff,
        )

    def disclosures(
        self,
        count: int,
        *,
        people: Callable[[], list[int]],
        recipients: list[Recipient],
        staff: User,
        label: str,
    ) -> None:
        """``count`` disclosures, each about the people ``people()`` picks for it."""
        ids = self.insert(
            Disclosure,
            (self.disclosure(n, recipients, staff) for n in range(1, count + 1)),
            total=count,
            label=label,
        )
        concerned = [(disclosure, person) for disclosure in ids for person in people()]
        self.insert(
            DisclosureSubject,
            (
                DisclosureSubject(
                    disclosure_id=disclosure, user_id=person, subject=self.subject(person)
                )
                for disclosure, person in concerned
            ),
            total=len(concerned),
            label=f"{label}: people concerned",
        )

    def page_views(self, count: int) -> None:
        routes = sorted(page_routes())
        visitors = [self.visitor() for _ in range(max(1, count // VIEWS_PER_VISITOR))]
        self.insert(
            PageView,
            (
                PageView(
                    visitor=self.rng.choice(visitors),
                    route=self.rng.choice(routes),
                    created_at=self.moment(),
                )
                for _ in range(count)
            ),
            total=count,
            label="page views",
        )

    # --- the probes -----------------------------------------------------------------

    def staff(self) -> tuple[User, TOTP]:
        user = User.objects.create_superuser(
            STAFF, f"{STAFF}@{EMAIL_DOMAIN}", secrets.token_urlsafe(24)
        )
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        return user, TOTP.activate(user, generate_totp_secret())

    def probe_member(self, *, recipients: list[Recipient], staff: User) -> User:
        (pk,) = self.people([PROBE_MEMBER], youngest=30, oldest=40, label="probe member")
        user = User.objects.get(pk=pk)
        AccountCookieChoice.objects.bulk_create(
            AccountCookieChoice(user=user, group=varname, accepted=True, group_version=version)
            for varname, version in self.groups.items()
        )
        self.insert(
            ConsentRecord,
            (self.consent_record(pk) for _ in range(PROBE_CONSENT_RECORDS)),
            total=PROBE_CONSENT_RECORDS,
            label="probe member: consent records",
        )
        permitted = next(r for r in recipients if r.basis == LegalBasis.INTERACTION)
        SharingPermission.given_to(user=user, recipient=permitted, granted_by=user).save()
        self.disclosures(
            PROBE_DISCLOSURES,
            people=lambda: [pk],
            recipients=recipients,
            staff=staff,
            label="probe member: disclosures",
        )
        return user

    def probe_guardian(self) -> User:
        (guardian,) = self.people([PROBE_GUARDIAN], youngest=35, oldest=50, label="probe guardian")
        wards = self.people(
            [f"{PREFIX}probe-ward-{n}" for n in range(1, PROBE_WARDS + 1)],
            youngest=TEEN_AGES[0],
            oldest=TEEN_AGES[1],
            label="probe guardian: wards",
        )
        self.guardianships([guardian] * len(wards), wards, label="probe guardian")
        return User.objects.get(pk=guardian)


def logged_in_session(user: User, *, totp: TOTP | None = None) -> str:
    """A session as allauth's login leaves it: the user, and the authentication steps taken
    (the password, then the authenticator's code for an account with two-factor)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    request = HttpRequest()
    request.session = store
    request.user = user
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = LOGIN_BACKEND
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    record_authentication(request, user, "password", username=user.username)
    if totp is not None:
        record_authentication(request, user, "mfa", id=totp.instance.pk, type=totp.instance.type)
    store.save()
    key: str = store.session_key
    return key


def consent_cookie(versions: Mapping[str, str]) -> str:
    """The ``cookie_consent`` value (as sent back by the browser) of a visitor who accepted
    every optional group (varname → version), with a visitor id the site signed."""
    state = ConsentState(
        decisions=dict.fromkeys(versions, True),
        versions=dict(versions),
        visitor_id=new_visitor_id(),
        returning=True,
    )
    response = HttpResponse()
    write_consent_cookie(response, state)
    return response.cookies[settings.COOKIE_CONSENT_NAME].coded_value


class Command(BaseCommand):
    help = (
        "Fill an empty database with the rows `make bench` measures (DEBUG only, or "
        "--i-know-this-writes), and write the probe accounts' sessions to --state-file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=sorted(SIZES), default="small")
        for name in ("members", "teens", "consent-records", "disclosures", "page-views"):
            parser.add_argument(f"--{name}", type=int, help=f"Override the size's {name}.")
        parser.add_argument("--state-file", type=Path, required=True)
        parser.add_argument("--batch-size", type=int, default=5_000)
        parser.add_argument("--seed", type=int, default=11, help="Random seed (default 11).")
        parser.add_argument(
            "--i-know-this-writes",
            action="store_true",
            help="Run without DEBUG: it writes up to two million rows and empties the cache.",
        )

    def handle(self, *args: object, **options: object) -> None:
        if not (settings.DEBUG or options["i_know_this_writes"]):
            raise CommandError(
                "bench_seed writes up to two million rows and empties the cache: it runs with "
                "DEBUG on, or with --i-know-this-writes (make bench passes it)."
            )
        if User.objects.filter(username__startswith=PREFIX).exists():
            raise CommandError(
                f"This database already has {PREFIX}* accounts: seed a new, migrated database "
                "(make bench makes one for each size)."
            )
        counts = {
            name: given if isinstance(given := options.get(name), int) else default
            for name, default in asdict(SIZES[str(options["size"])]).items()
        }
        size = Size(**counts)
        if min(asdict(size).values()) < 0:
            raise CommandError("Counts cannot be negative.")
        batch_size = options["batch_size"]
        if not isinstance(batch_size, int) or batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        state_file = options["state_file"]
        assert isinstance(state_file, Path)
        seed = options["seed"]
        assert isinstance(seed, int)

        started = time.monotonic()
        # The sessions are read through the cache, and nothing cached for another
        # database (groups, rate-limit counters, sessions) may be read against this one.
        cache.clear()
        self.stdout.write(
            f"Seeding {connection.vendor} database {connection.settings_dict['NAME']}"
        )
        seeder = Seeder(out=self.stdout, rng=random.Random(seed), batch_size=batch_size)
        staff, totp = seeder.staff()
        recipients = seeder.recipients()
        members = seeder.members(size.members)
        seeder.families(size.teens, prefix=PREFIX, label="teens with guardians")
        seeder.consent_records(size.consent_records, members)
        seeder.disclosures(
            size.disclosures,
            people=lambda: seeder.rng.sample(members, min(len(members), seeder.rng.randint(1, 3))),
            recipients=recipients,
            staff=staff,
            label="disclosures",
        )
        seeder.page_views(size.page_views)
        member = seeder.probe_member(recipients=recipients, staff=staff)
        guardian = seeder.probe_guardian()
        if connection.vendor == "postgresql":
            self.stdout.write("  analysing the tables")
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

        state = {
            "size": asdict(size),
            "sessions": {
                "member": logged_in_session(member),
                "guardian": logged_in_session(guardian),
                "staff": logged_in_session(staff, totp=totp),
            },
            "cookies": {
                "session": settings.SESSION_COOKIE_NAME,
                "csrf": settings.CSRF_COOKIE_NAME,
                "consent": settings.COOKIE_CONSENT_NAME,
                "visitor": VISITOR_COOKIE,
            },
            "values": {
                "consent": consent_cookie(seeder.groups),
                "visitor": new_visitor_id(),
                "csrf": get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS),
            },
            "probes": {"member": member.username, "guardian": guardian.username, "staff": STAFF},
        }
        state_file.write_text(json.dumps(state, indent=2) + "\n")
        state_file.chmod(0o600)
        self.stdout.write(
            f"Seeded in {time.monotonic() - started:.0f} s; sessions in {state_file}."
        )
