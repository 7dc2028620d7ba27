"""The guardian workflow: requests, decisions, restrictions, expiry and age-out."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from accounts.languages import language_of
from accounts.mail import mail_send
from accounts.models import CONSENT_AGE, ErasureReceipt, User, age_on, years_before
from accounts.services import user_erase, user_lock
from consent.models import ConsentSource, PolicyAcceptance, PolicyVersion
from consent.services import consent_records_write
from guardians.models import (
    APPROVAL_DEADLINE,
    GUARDIAN_MIN_AGE,
    REQUEST_VALIDITY,
    GuardianDecision,
    GuardianRequest,
    Guardianship,
)
from guardians.tokens import LinkError, make_token


class NotEligible(Exception):
    """Why this account cannot answer this request (the message is for the person)."""


def record_guardian_decision(
    request: HttpRequest, teen: User, decisions: dict[GuardianDecision, bool]
) -> None:
    """Every guardian decision is a consent record about the teen, with source "guardian"."""
    consent_records_write(
        request=request,
        decisions={topic: (value, ConsentSource.GUARDIAN) for topic, value in decisions.items()},
        about=teen,
    )


@transaction.atomic
def guardian_request_send(
    *, guardianship: Guardianship, email: str | None = None
) -> GuardianRequest:
    """Send (or send again) the request for consent; older links stop working."""
    if email is not None and email != guardianship.guardian_email:
        guardianship.guardian_email = email
        guardianship.save(update_fields=["guardian_email"])
    guardianship.requests.pending().update(status=GuardianRequest.Status.REPLACED)
    now = timezone.now()
    new = GuardianRequest.objects.create(
        guardianship=guardianship,
        email=guardianship.guardian_email,
        sent_at=now,
        expires_at=now + REQUEST_VALIDITY,
    )
    teen = guardianship.teen
    link = settings.SITE_URL + reverse("guardians:consent", kwargs={"token": make_token(new)})
    mail_send(
        "guardians/email/guardian_request",
        [new.email],
        {"teen": teen, "link": link, "request": new},
        about=teen,
        language=guardianship.guardian_language,
    )
    return new


@transaction.atomic
def guardianship_start(*, teen: User, guardian_email: str) -> Guardianship:
    """A teen signs up: their account waits for the guardian, who is asked by email."""
    guardianship = Guardianship.objects.create(
        teen=teen, guardian_email=guardian_email, language=language_of(teen)
    )
    guardian_request_send(guardianship=guardianship)
    return guardianship


def check_eligible(*, guardian_request: GuardianRequest, guardian: User) -> None:
    """Only an adult whose verified email is the invited address may answer."""
    from allauth.account.models import EmailAddress

    if guardian.pk == guardian_request.guardianship.teen_id:
        raise NotEligible(gettext("A teen cannot answer their own request."))
    age = guardian.age()
    if age is None or age < GUARDIAN_MIN_AGE:
        raise NotEligible(
            gettext("A guardian must be %(age)s or older.") % {"age": GUARDIAN_MIN_AGE}
        )
    if not EmailAddress.objects.filter(
        user=guardian, email__iexact=guardian_request.email, verified=True
    ).exists():
        raise NotEligible(
            gettext(
                "This request was sent to another email address. Log in with the account "
                "that uses the address the request went to, with that address verified."
            )
        )


def _lock_open(guardian_request: GuardianRequest) -> GuardianRequest:
    """The request, locked for this transaction, if it can still be answered.

    The teen's row is locked first, as their erasure and the schedule lock it: an answer
    and an erasure of the same teen take turns instead of deadlocking on each other's rows.
    """
    if not user_lock(user_id=guardian_request.guardianship.teen_id):
        raise LinkError("used")
    locked = (
        GuardianRequest.objects.select_for_update(of=("self", "guardianship"))
        .select_related("guardianship__teen")
        .filter(pk=guardian_request.pk)
        .first()
    )
    if locked is None or not locked.is_open:
        raise LinkError("used")
    return locked


@transaction.atomic
def guardian_request_approve(
    *, request: HttpRequest, guardian_request: GuardianRequest, guardian: User
) -> Guardianship:
    guardian_request = _lock_open(guardian_request)
    check_eligible(guardian_request=guardian_request, guardian=guardian)
    guardianship = Guardianship.objects.select_for_update().get(pk=guardian_request.guardianship_id)
    now = timezone.now()
    GuardianRequest.objects.filter(pk=guardian_request.pk).update(
        status=GuardianRequest.Status.APPROVED, guardian=guardian, answered_at=now
    )
    guardianship.status = Guardianship.Status.ACTIVE
    guardianship.guardian = guardian
    guardianship.approved_at = now
    guardianship.allow_optional_fields = False
    guardianship.allow_personalisation = False
    guardianship.collection_stopped = False
    guardianship.save()
    record_guardian_decision(request, guardianship.teen, {GuardianDecision.ACCOUNT: True})
    teen = guardianship.teen
    # The guardian's consent covers the policy in effect (and any update awaiting agreement).
    for version in {PolicyVersion.objects.current(), PolicyVersion.objects.requiring_agreement()}:
        if version is not None and not PolicyAcceptance.objects.covers(user=teen, version=version):
            PolicyAcceptance.objects.record(
                user=teen, version=version, source=PolicyAcceptance.Source.GUARDIAN
            )
    mail_send(
        "guardians/email/approved",
        [teen.email],
        {"teen": teen},
        about=teen,
        language=language_of(teen),
    )
    return guardianship


@transaction.atomic
def guardian_request_decline(
    *, request: HttpRequest, guardian_request: GuardianRequest, guardian: User
) -> ErasureReceipt | None:
    """The guardian says no: the teen's personal data is erased at once; the teen is told."""
    guardian_request = _lock_open(guardian_request)
    check_eligible(guardian_request=guardian_request, guardian=guardian)
    teen = guardian_request.guardianship.teen
    record_guardian_decision(request, teen, {GuardianDecision.ACCOUNT: False})
    return user_erase(
        user_id=teen.pk,
        reason=ErasureReceipt.Reason.GUARDIAN_DECLINE,
        actor=guardian,
        notify=[teen.email],
    )


@transaction.atomic
def guardianship_set_switches(
    *,
    request: HttpRequest,
    guardianship: Guardianship,
    allow_optional_fields: bool,
    allow_personalisation: bool,
) -> None:
    changes: dict[GuardianDecision, bool] = {}
    if allow_optional_fields != guardianship.allow_optional_fields:
        changes[GuardianDecision.OPTIONAL_PROFILE_FIELDS] = allow_optional_fields
    if allow_personalisation != guardianship.allow_personalisation:
        changes[GuardianDecision.PERSONALISATION] = allow_personalisation
    guardianship.allow_optional_fields = allow_optional_fields
    guardianship.allow_personalisation = allow_personalisation
    guardianship.save(update_fields=["allow_optional_fields", "allow_personalisation"])
    record_guardian_decision(request, guardianship.teen, changes)


@transaction.atomic
def guardianship_set_collection(
    *, request: HttpRequest, guardianship: Guardianship, stopped: bool
) -> None:
    """Stop (or resume) further collection: the profile freezes, optional cookies go off."""
    if guardianship.collection_stopped == stopped:
        return
    guardianship.collection_stopped = stopped
    guardianship.save(update_fields=["collection_stopped"])
    record_guardian_decision(
        request, guardianship.teen, {GuardianDecision.FURTHER_COLLECTION: not stopped}
    )


@transaction.atomic
def ward_erase(*, request: HttpRequest, guardianship: Guardianship) -> ErasureReceipt | None:
    """The guardian has the teen's data deleted; both get the receipt. Nothing happens if
    the teen was erased meanwhile (they deleted their account, say)."""
    teen = guardianship.teen
    if not user_lock(user_id=teen.pk):
        return None
    guardian = guardianship.guardian
    record_guardian_decision(request, teen, {GuardianDecision.KEEP_DATA: False})
    return user_erase(
        user_id=teen.pk,
        reason=ErasureReceipt.Reason.GUARDIAN_DELETION,
        actor=guardian,
        notify=[guardian.email if guardian else "", teen.email],
    )


@dataclass
class ScheduleReport:
    requests_expired: int = 0
    teens_erased: int = 0
    links_ended: int = 0


def guardians_run_schedule(*, now: datetime.datetime | None = None) -> ScheduleReport:
    """Expire unanswered requests, erase teens not approved in time, end links at 16.

    Each step is its own transaction (each erasure its own) and safe to run again. The
    steps find and change their rows as sets: the queries grow only with the teens
    erased, each a person's erasure (``user_erase``, a fixed number per person).
    """
    now = now or timezone.now()
    report = ScheduleReport()
    report.requests_expired = GuardianRequest.objects.overdue(now).update(
        status=GuardianRequest.Status.EXPIRED
    )
    deadline = now - APPROVAL_DEADLINE
    late = Guardianship.objects.unapproved_since(deadline).values_list("teen_id", flat=True)
    for teen_id in late:
        if _erase_if_unapproved(teen_id=teen_id, deadline=deadline):
            report.teens_erased += 1
    report.links_ended = guardianships_end_at_16(today=timezone.localdate(now))
    return report


@transaction.atomic
def _erase_if_unapproved(*, teen_id: int, deadline: datetime.datetime) -> ErasureReceipt | None:
    """Erase a teen not approved since ``deadline`` if, under the locks a guardian's answer
    takes (the teen's row, then the guardianship's), that is still so: a guardian who
    approved after the schedule's first read wins."""
    if not user_lock(user_id=teen_id):
        return None
    guardianship = (
        Guardianship.objects.unapproved_since(deadline)
        .select_for_update(of=("self",))
        .select_related("teen")
        .filter(teen_id=teen_id)
        .first()
    )
    if guardianship is None:
        return None
    return user_erase(
        user_id=teen_id, reason=ErasureReceipt.Reason.EXPIRY, notify=[guardianship.teen.email]
    )


@transaction.atomic
def guardianships_end_at_16(*, today: datetime.date) -> int:
    """At 16 the link ends: the accounts become ordinary members'; each teen and guardian
    is told. One statement ends every link due; the emails are one task each."""
    born_by = years_before(today, CONSENT_AGE)
    due = Guardianship.objects.filter(teen__date_of_birth__lte=born_by)
    # Locked, so that a run beside this one neither ends nor announces them again.
    ending = [
        guardianship
        for guardianship in due.select_for_update(of=("self",)).select_related("teen", "guardian")
        if guardianship.teen.date_of_birth is not None
        and age_on(guardianship.teen.date_of_birth, today) >= CONSENT_AGE
    ]
    if not ending:
        return 0
    Guardianship.objects.filter(pk__in=[guardianship.pk for guardianship in ending]).delete()
    for guardianship in ending:
        teen, guardian = guardianship.teen, guardianship.guardian
        for address, language in [
            (teen.email, language_of(teen)),
            (guardian.email if guardian else "", guardianship.guardian_language),
        ]:
            mail_send(
                "guardians/email/ended", [address], {"teen": teen}, about=teen, language=language
            )
    return len(ending)
