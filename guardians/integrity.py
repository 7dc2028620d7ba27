"""Invariants of the guardians layer (see ``consent.integrity``): a teen's account is
under a guardianship in a state the workflow can reach, and the schedule has run."""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import CONSENT_AGE, User, years_before
from consent.integrity import Finding, Invariant, invariant, rows_found
from guardians.models import APPROVAL_DEADLINE, GuardianRequest, Guardianship

#: How late the daily ``guardian_schedule`` may be before what it should have done
#: counts as a violation: a day between runs, and a day for a run that is slow or retried.
SCHEDULE_GRACE = datetime.timedelta(days=2)

INVARIANTS: list[Invariant] = []


@invariant(
    INVARIANTS,
    "guardians.one_pending_request",
    "A guardianship has at most one request waiting for an answer (a new one replaces it).",
)
def one_pending_request(limit: int) -> Finding:
    pending = Q(requests__status=GuardianRequest.Status.PENDING)
    return rows_found(
        Guardianship.objects.annotate(pending=Count("requests", filter=pending)).filter(
            pending__gt=1
        ),
        limit,
    )


@invariant(
    INVARIANTS,
    "guardians.every_guardianship_asked",
    "Every guardianship has sent its guardian at least one request.",
)
def every_guardianship_asked(limit: int) -> Finding:
    asked = GuardianRequest.objects.filter(guardianship=OuterRef("pk"))
    return rows_found(Guardianship.objects.filter(~Exists(asked)), limit)


@invariant(
    INVARIANTS,
    "guardians.active_approved_by_guardian",
    "An active guardianship has its approval time and a request its guardian approved, "
    "and no request still waiting.",
)
def active_approved_by_guardian(limit: int) -> Finding:
    approved = GuardianRequest.objects.filter(
        guardianship=OuterRef("pk"),
        status=GuardianRequest.Status.APPROVED,
        guardian=OuterRef("guardian"),
    )
    pending = GuardianRequest.objects.pending().filter(guardianship=OuterRef("pk"))
    return rows_found(
        Guardianship.objects.active().filter(
            Q(approved_at__isnull=True) | ~Exists(approved) | Exists(pending)
        ),
        limit,
    )


@invariant(
    INVARIANTS,
    "guardians.under_16_under_guardianship",
    "Every account under 16 is a teen's, under a guardianship.",
)
def under_16_under_guardianship(limit: int) -> Finding:
    born_after = years_before(timezone.localdate(), CONSENT_AGE)
    guardianship = Guardianship.objects.filter(teen=OuterRef("pk"))
    return rows_found(
        User.objects.filter(date_of_birth__gt=born_after).filter(~Exists(guardianship)),
        limit,
    )


@invariant(
    INVARIANTS,
    "guardians.links_end_at_16",
    "No guardianship outlives the daily run after the teen turned 16.",
)
def links_end_at_16(limit: int) -> Finding:
    born_by = years_before(timezone.localdate() - SCHEDULE_GRACE, CONSENT_AGE)
    return rows_found(Guardianship.objects.filter(teen__date_of_birth__lte=born_by), limit)


@invariant(
    INVARIANTS,
    "guardians.unapproved_teens_erased",
    "No teen waits past the approval deadline and the daily run after it.",
)
def unapproved_teens_erased(limit: int) -> Finding:
    deadline = timezone.now() - APPROVAL_DEADLINE - SCHEDULE_GRACE
    return rows_found(Guardianship.objects.unapproved_since(deadline), limit)


@invariant(
    INVARIANTS,
    "guardians.overdue_requests_expired",
    "No request is still waiting past its expiry and the daily run after it.",
)
def overdue_requests_expired(limit: int) -> Finding:
    return rows_found(GuardianRequest.objects.overdue(timezone.now() - SCHEDULE_GRACE), limit)
