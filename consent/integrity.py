"""Invariants the consent layer's data keeps, and the means every app uses to state its own.

An invariant is a rule the models and services rely on but the database cannot enforce
with a constraint (a keyed hash, a state across two tables, a scheduled run). Each app
lists its own in ``INVARIANTS`` in its ``integrity.py``; ``manage.py check_integrity``
runs them all (``tomato.integrity``). An invariant finds its violations with a few
set-based queries, whatever the size of the tables, and reports how many rows break it
and the ids of the first few.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import batched

from django.db import models
from django.db.models import Exists, Max, Min, OuterRef

from consent.ledger import verify_ledgers
from consent.models import ConsentRecord, Disclosure, DisclosureSubject, PolicyAcceptance
from consent.privacy import subject_hasher

#: How many ids of offending rows a finding lists.
EXAMPLES = 10
#: Rows read at a time where a check reads a column into Python (ids to hash).
CHUNK = 5_000


@dataclass(frozen=True)
class Finding:
    """What an invariant found: how many rows break it, and the ids of the first few."""

    count: int = 0
    examples: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.count > 0


@dataclass(frozen=True)
class Invariant:
    """One rule: its name (``<app>.<rule>``), what it says, and how to find its violations.

    ``find`` takes the number of example ids wanted and returns a ``Finding``.
    """

    name: str
    description: str
    find: Callable[[int], Finding]


def invariant(
    registry: list[Invariant], name: str, description: str
) -> Callable[[Callable[[int], Finding]], Callable[[int], Finding]]:
    """Add the decorated ``find`` function to an app's ``INVARIANTS`` under this name."""

    def add(find: Callable[[int], Finding]) -> Callable[[int], Finding]:
        registry.append(Invariant(name, description, find))
        return find

    return add


def rows_found(queryset: models.QuerySet[models.Model], limit: int) -> Finding:
    """The rows of ``queryset`` (each a violation): one query when there are none."""
    examples = [str(pk) for pk in queryset.order_by("pk").values_list("pk", flat=True)[:limit]]
    count = len(examples) if len(examples) < limit else queryset.count()
    return Finding(count, examples)


def ids_found(ids: Iterable[object], limit: int) -> Finding:
    """Offending ids gathered in Python (from an aggregate, never from a whole table)."""
    found = sorted(ids, key=str)
    return Finding(len(found), [str(pk) for pk in found[:limit]])


@dataclass(frozen=True)
class PseudonymLink:
    """A row that names a person twice: by a link to their account while it exists
    (``user``), and by the keyed hash of their id that outlives it (``subject``)."""

    model: type[models.Model]
    user: str
    subject: str
    #: Only the rows this filter selects name the person (visitors' records do not).
    only: models.Q = field(default_factory=models.Q)

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.user}"


def hash_mismatches(link: PseudonymLink) -> Iterator[int]:
    """The users whose linked rows carry another keyed hash than theirs: one grouped
    query (a row per person linked), the hashes computed from the ids it returns."""
    groups = (
        link.model._default_manager.filter(link.only, **{f"{link.user}__isnull": False})
        .order_by()
        .values_list(link.user)
        .annotate(low=Min(link.subject), high=Max(link.subject))
    )
    subject_hash = subject_hasher()
    # Read whole (a row per person): a server-side cursor leads PostgreSQL to a slower plan.
    for user_id, low, high in groups:
        if low != high or low != subject_hash(user_id):
            yield user_id


def subject_hashes(ids: Iterable[int]) -> Iterator[dict[str, int]]:
    """The keyed hash of each id, a chunk at a time (hash → id)."""
    subject_hash = subject_hasher()
    for chunk in batched(ids, CHUNK):
        yield {subject_hash(pk): pk for pk in chunk}


#: The consent layer's rows that name a person by account and by keyed hash.
LINKS = [
    PseudonymLink(
        ConsentRecord, "user", "subject", models.Q(subject_type=ConsentRecord.SubjectType.MEMBER)
    ),
    PseudonymLink(PolicyAcceptance, "user", "subject"),
    PseudonymLink(DisclosureSubject, "user", "subject"),
]

INVARIANTS: list[Invariant] = []


@invariant(
    INVARIANTS,
    "consent.keyed_hash",
    "A record linked to a person carries the keyed hash of that person's id.",
)
def keyed_hash(limit: int) -> Finding:
    return ids_found(links_with_wrong_hash(LINKS), limit)


def links_with_wrong_hash(links: Iterable[PseudonymLink]) -> list[str]:
    """``<model>.<link>:<user id>`` for each person whose rows carry a wrong keyed hash."""
    return [f"{link.label}:{user_id}" for link in links for user_id in hash_mismatches(link)]


@invariant(
    INVARIANTS,
    "consent.visitor_records_unlinked",
    "An anonymous visitor's consent record is linked to no account.",
)
def visitor_records_unlinked(limit: int) -> Finding:
    return rows_found(
        ConsentRecord.objects.anonymous().filter(user__isnull=False),
        limit,
    )


@invariant(
    INVARIANTS,
    "consent.erased_records_scrubbed",
    "A member's consent record kept after their erasure has no IP network or user agent.",
)
def erased_records_scrubbed(limit: int) -> Finding:
    return rows_found(
        ConsentRecord.objects.filter(
            subject_type=ConsentRecord.SubjectType.MEMBER, user__isnull=True
        ).exclude(ip_network="", user_agent=""),
        limit,
    )


@invariant(
    INVARIANTS,
    "consent.acceptances_of_published_versions",
    "A policy acceptance is of a published version.",
)
def acceptances_of_published_versions(limit: int) -> Finding:
    return rows_found(
        PolicyAcceptance.objects.filter(policy_version__published_at__isnull=True), limit
    )


@invariant(
    INVARIANTS,
    "consent.disclosures_name_people",
    "A disclosure names at least one person concerned.",
)
def disclosures_name_people(limit: int) -> Finding:
    people = DisclosureSubject.objects.filter(disclosure=OuterRef("pk"))
    return rows_found(Disclosure.objects.filter(~Exists(people)), limit)


@invariant(
    INVARIANTS,
    "consent.ledgers_verify",
    "Every hash-chained ledger verifies, as manage.py verify_ledger checks it.",
)
def ledgers_verify(limit: int) -> Finding:
    breaks = verify_ledgers()
    return Finding(len(breaks), [str(found) for found in breaks[:limit]])
