import datetime
from typing import Any

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone

from accounts.models import User, years_before
from consent.models import PolicyVersion

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"member{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    date_of_birth = datetime.date(1990, 5, 17)
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(user, create, extracted, **kwargs):
        """The account's email, verified and primary (pass ``verified_email=False`` to skip)."""
        if create and extracted is not False and user.email:
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


class StaffFactory(UserFactory):
    """A staff member with two-factor (TOTP) set up, as the admin requires."""

    is_staff = True
    username = factory.Sequence(lambda n: f"staff{n}")

    @factory.post_generation
    def totp(user, create, extracted, **kwargs):
        if create and extracted is not False:
            TOTP.activate(user, generate_totp_secret())


class PolicyVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PolicyVersion

    version = factory.Sequence(lambda n: f"2.{n}")
    effective_date = factory.LazyFunction(timezone.localdate)
    body = factory.LazyAttribute(lambda v: f"# What we collect\n\nVersion {v.version} text.")
    change_summary = "Clearer wording."
    body_zh_hans = factory.LazyAttribute(lambda v: f"# 我们收集的信息\n\n{v.version} 版正文。")
    change_summary_zh_hans = "措辞更清楚。"
    is_material = False
    published_at = factory.LazyFunction(timezone.now)


def years_ago(years: int, days: int = 0) -> datetime.date:
    return years_before(timezone.localdate(), years) - datetime.timedelta(days=days)


class TeenFactory(UserFactory):
    username = factory.Sequence(lambda n: f"teen{n}")
    date_of_birth = factory.LazyFunction(lambda: years_ago(14))


class GuardianFactory(UserFactory):
    username = factory.Sequence(lambda n: f"parent{n}")
    date_of_birth = factory.LazyFunction(lambda: years_ago(42))


class GuardianshipFactory(factory.django.DjangoModelFactory):
    """A teen awaiting their guardian, with one pending request."""

    class Meta:
        model = "guardians.Guardianship"
        skip_postgeneration_save = True

    teen = factory.SubFactory(TeenFactory)
    guardian_email = factory.Sequence(lambda n: f"parent{n}@example.net")

    @factory.post_generation
    def request(guardianship, create, extracted, **kwargs):
        from guardians.models import REQUEST_VALIDITY, GuardianRequest

        if create and extracted is not False:
            now = timezone.now()
            GuardianRequest.objects.create(
                guardianship=guardianship,
                email=guardianship.guardian_email,
                sent_at=now,
                expires_at=now + REQUEST_VALIDITY,
            )


def approved_guardianship(**kwargs):
    """An active guardianship: the guardian's account uses the invited, verified address."""
    guardian = kwargs.pop("guardian", None) or GuardianFactory()
    guardianship = GuardianshipFactory(guardian_email=guardian.email, **kwargs)
    guardianship.status = "active"
    guardianship.guardian = guardian
    guardianship.approved_at = timezone.now()
    guardianship.save()
    guardianship.requests.update(status="approved", guardian=guardian)
    return guardianship


def staff_in(group_name: str, **kwargs):
    """A staff member (with two-factor) in one of the staff groups."""
    from django.contrib.auth.models import Group

    staff = StaffFactory(**kwargs)
    staff.groups.add(Group.objects.get(name=group_name))
    return staff


class RecipientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "consent.Recipient"

    name = factory.Sequence(lambda n: f"Partner {n}")
    purpose = "Deliver tomato boxes."
    data_categories = "username, email"
    basis = "interaction"


def court_disclosure(**overrides):
    """A disclosure on a court order (basis (c)) through the service, unless ``overrides``
    say otherwise; raises ``DisclosureRefused`` as the service does."""
    from consent.services import disclosure_record

    data: dict[str, Any] = {
        "recipient": "District Court",
        "listed_recipient": None,
        "purpose": "Court order in case 12",
        "legal_basis": "legal",
        "reference": "ORDER-12",
        "data_categories": "username, email",
        "people": [],
        "recorded_by": None,
    }
    return disclosure_record(**data | overrides)


def member_record(person, **fields):
    """An unsaved consent record of the member's choice: Analytics accepted on the banner,
    unless ``fields`` say otherwise."""
    from consent.models import ConsentRecord
    from consent.privacy import subject_hash

    defaults = {"group": "analytics", "action": "accept", "source": "banner"}
    return ConsentRecord(
        user=person, subject_type="member", subject=subject_hash(person.pk), **defaults | fields
    )


def visitor_records(count, days_ago=0):
    """``count`` anonymous visitors' consent records (Analytics accepted on the banner),
    made ``days_ago`` days ago, appended to their chain."""
    from consent.models import ConsentRecord

    created = timezone.now() - datetime.timedelta(days=days_ago)
    return ConsentRecord.objects.bulk_create(
        ConsentRecord(
            subject_type="visitor",
            subject=f"{index:032x}",
            group="analytics",
            action="accept",
            source="banner",
            created_at=created,
        )  # fmt: skip
        for index in range(count)
    )


def history_for(person, count):
    """``count`` rows about the person in each place that grows with their history."""
    from allauth.mfa.models import Authenticator
    from allauth.usersessions.models import UserSession
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import StaffAccess
    from consent.models import (
        AccountCookieChoice,
        ConsentRecord,
        Disclosure,
        DisclosureSubject,
        PolicyAcceptance,
        SharingPermission,
    )
    from consent.privacy import subject_hash

    staff = StaffFactory()
    subject = subject_hash(person.pk)
    version = PolicyVersion.objects.get(version="1.0")
    user_type = ContentType.objects.get_for_model(User)
    for index in range(count):
        EmailAddress.objects.create(user=person, email=f"also{index}.{person.username}@example.org")
        Authenticator.objects.create(
            user=person, type=Authenticator.Type.WEBAUTHN, data={"credential": f"c{index}"}
        )
        PolicyAcceptance.objects.record(user=person, version=version, source="signup")
        ConsentRecord.objects.bulk_create(
            [member_record(person, user_agent="Browser", ip_network="192.0.2.0/24")]
        )
        AccountCookieChoice.objects.create(user=person, group=f"group{index}", accepted=True)
        SharingPermission.given_to(
            user=person, recipient=RecipientFactory(), granted_by=person
        ).save()
        disclosure = Disclosure.objects.create(
            recipient="Court", purpose="Order", legal_basis="legal", reference=f"R-{index}",
            data_categories="email",
        )  # fmt: skip
        DisclosureSubject.objects.create(disclosure=disclosure, user=person, subject=subject)
        session = SessionStore()
        session["_auth_user_id"] = str(person.pk)
        session.create()
        UserSession.objects.create(
            user=person, session_key=session.session_key, ip="192.0.2.1", user_agent="Browser"
        )
        StaffAccess.objects.create(
            user=person, subject=subject, what="accounts.user", view="change",
            reason="support", **StaffAccess.by(staff),
        )  # fmt: skip
        LogEntry.objects.create(
            user=staff, content_type=user_type, object_id=str(person.pk),
            object_repr=person.username, action_flag=CHANGE, change_message="[]",
        )  # fmt: skip
