"""A quarter's figures, counted from the registers that outlive the people in them.

What each figure counts (the page says it in words too):

- disclosures by legal basis: entries of the disclosure register disclosed in the quarter
  (``disclosed_at``), as they stand after corrections: an entry that a later one corrects
  is counted once, under the correction's basis (the correction's own date decides the
  quarter only when it is the one counted);
- people concerned: distinct people (keyed hashes) named by those disclosures;
- data-access requests fulfilled: downloads of everything held about a person, by the
  person (``/me/data.json``) or by their guardian, counted per day without who
  (``DataAccessCount``);
- erasure requests fulfilled: erasures someone asked for: a member deleting their account,
  a guardian deleting their child's data, a privacy officer erasing on request. A
  guardian's decline and the schedule's erasure of an account not approved in time are
  counted under the guardian figures instead;
- guardian approvals and declines: guardians' decisions on a teen's account (consent
  records on the ``account`` topic, source ``guardian``);
- guardian expiries: teen accounts erased because no guardian approved them in time;
- cookie acceptance: among the anonymous visitors who chose about an optional cookie
  group in the quarter (banner, settings or Global Privacy Control), those whose latest
  choice in the quarter accepted it.
"""

from __future__ import annotations

from typing import TypedDict

from cookie_consent.models import CookieGroup
from django.db.models import Count

from accounts.models import ErasureReceipt
from consent.models import (
    ConsentAction,
    ConsentRecord,
    ConsentSource,
    Disclosure,
    DisclosureSubject,
    LegalBasis,
)
from guardians.models import GuardianDecision
from transparency.models import DataAccessCount, Quarter

#: Erasures that fulfil someone's request.
ERASURE_REQUESTS = (
    ErasureReceipt.Reason.ACCOUNT_DELETION,
    ErasureReceipt.Reason.GUARDIAN_DELETION,
    ErasureReceipt.Reason.STAFF_ERASURE,
)


class CookieFigures(TypedDict):
    varname: str
    name: str
    accepted: int
    chose: int


class Figures(TypedDict):
    disclosures: dict[str, int]
    people_concerned: int
    access_requests: int
    erasure_requests: int
    guardian_approvals: int
    guardian_declines: int
    guardian_expiries: int
    cookies: list[CookieFigures]


def figures_for(quarter: Quarter) -> Figures:
    """Count the quarter's figures (raw: publication suppresses the small ones)."""
    start, end = quarter.start, quarter.end
    disclosures = Disclosure.objects.filter(
        disclosed_at__gte=start, disclosed_at__lt=end, corrections__isnull=True
    )
    by_basis = dict(
        disclosures.order_by().values_list("legal_basis").annotate(Count("pk", distinct=True))
    )
    people = (
        DisclosureSubject.objects.filter(disclosure__in=disclosures.values("pk"))
        .values("subject")
        .distinct()
        .count()
    )
    erasures = ErasureReceipt.objects.filter(erased_at__gte=start, erased_at__lt=end)
    decisions = dict(
        ConsentRecord.objects.filter(
            created_at__gte=start,
            created_at__lt=end,
            source=ConsentSource.GUARDIAN,
            group=GuardianDecision.ACCOUNT,
        )
        .order_by()
        .values_list("action")
        .annotate(Count("pk"))
    )
    return {
        "disclosures": {basis.value: by_basis.get(basis.value, 0) for basis in LegalBasis},
        "people_concerned": people,
        "access_requests": DataAccessCount.objects.between(quarter.first_day, quarter.last_day),
        "erasure_requests": erasures.filter(reason__in=ERASURE_REQUESTS).count(),
        "guardian_approvals": decisions.get(ConsentAction.ACCEPT, 0),
        "guardian_declines": decisions.get(ConsentAction.DECLINE, 0),
        "guardian_expiries": erasures.filter(reason=ErasureReceipt.Reason.EXPIRY).count(),
        "cookies": cookie_figures(quarter),
    }


def cookie_figures(quarter: Quarter) -> list[CookieFigures]:
    """For each optional group, the visitors who chose in the quarter and those whose
    latest choice accepted."""
    groups = list(CookieGroup.objects.filter(is_required=False).order_by("ordering", "pk"))
    latest: dict[tuple[str, str], str] = {}
    records = (
        ConsentRecord.objects.anonymous()
        .filter(
            created_at__gte=quarter.start,
            created_at__lt=quarter.end,
            group__in=[group.varname for group in groups],
        )
        .order_by("created_at", "pk")
        .values_list("group", "subject", "action")
    )
    for group, subject, action in records.iterator(chunk_size=5000):
        latest[group, subject] = action
    figures: list[CookieFigures] = []
    for group in groups:
        actions = [action for (varname, _), action in latest.items() if varname == group.varname]
        figures.append(
            {
                "varname": group.varname,
                "name": group.name,
                "accepted": actions.count(ConsentAction.ACCEPT),
                "chose": len(actions),
            }
        )
    return figures
