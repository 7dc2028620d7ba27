"""Invariants of the accounts layer (see ``consent.integrity``): above all, that an erased
person has nothing left that names them."""

from __future__ import annotations

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import models
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from accounts.models import AdminAction, ErasureReceipt, StaffAccess, User
from accounts.tasks import email_deliver
from consent.integrity import (
    CHUNK,
    Finding,
    Invariant,
    PseudonymLink,
    ids_found,
    invariant,
    links_with_wrong_hash,
    rows_found,
    subject_hashes,
)

#: The accounts layer's rows that name a person by account and by keyed hash.
LINKS = [
    PseudonymLink(StaffAccess, "user", "subject"),
    PseudonymLink(StaffAccess, "staff", "staff_subject"),
    PseudonymLink(AdminAction, "person", "subject"),
    PseudonymLink(AdminAction, "staff", "staff_subject"),
    PseudonymLink(ErasureReceipt, "actor", "actor_subject"),
]

INVARIANTS: list[Invariant] = []


@invariant(
    INVARIANTS,
    "accounts.keyed_hash",
    "A staff access, admin action or erasure receipt linked to a person carries the keyed "
    "hash of that person's id.",
)
def keyed_hash(limit: int) -> Finding:
    return ids_found(links_with_wrong_hash(LINKS), limit)


@invariant(
    INVARIANTS,
    "accounts.erased_people_gone",
    "Nobody with an erasure receipt still has an account.",
)
def erased_people_gone(limit: int) -> Finding:
    """The ids are hashed a chunk at a time and looked up in the receipts' index."""
    ids = User.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=CHUNK)
    found = []
    for hashes in subject_hashes(ids):
        erased = ErasureReceipt.objects.filter(subject__in=hashes).values_list("subject", flat=True)
        found += [hashes[subject] for subject in erased]
    return ids_found(found, limit)


@invariant(
    INVARIANTS,
    "accounts.erased_admin_actions_scrubbed",
    "An admin action kept after its person's erasure no longer says what changed.",
)
def erased_admin_actions_scrubbed(limit: int) -> Finding:
    return rows_found(
        AdminAction.objects.filter(person__isnull=True)
        .exclude(subject="")
        .exclude(change_message=""),
        limit,
    )


@invariant(
    INVARIANTS,
    "accounts.no_sessions_of_erased_people",
    "No session in the database is logged in as an account that no longer exists.",
)
def no_sessions_of_erased_people(limit: int) -> Finding:
    """Sessions allauth lists (``UserSession``) belong to existing accounts by their
    foreign key; the others (visitors', and any that erasure missed) are decoded, the
    unexpired ones only (``clearsessions`` removes the rest)."""
    store: type[SessionBase] = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    if not issubclass(store, DatabaseSessionStore):
        return Finding()  # sessions that live only in a cache expire there
    unlisted = (
        store.get_model_class()
        ._default_manager.filter(expire_date__gt=timezone.now())
        .exclude(session_key__in=UserSession.objects.values("session_key"))
        .values_list("session_key", "session_data")
    )
    logged_in: dict[str, str] = {}
    decoder = store()
    for key, data in unlisted.iterator(chunk_size=CHUNK):
        if user_id := decoder.decode(data).get(SESSION_KEY):
            logged_in[key] = str(user_id)
    existing = {
        str(pk)
        for pk in User.objects.filter(
            pk__in={int(pk) for pk in logged_in.values() if pk.isdigit()}
        ).values_list("pk", flat=True)
    }
    return ids_found([key[:8] for key, pk in logged_in.items() if pk not in existing], limit)


@invariant(
    INVARIANTS,
    "accounts.no_emails_about_erased_people",
    "No email task (queued, sent or failed) is about a person who has been erased.",
)
def no_emails_about_erased_people(limit: int) -> Finding:
    about = KT("args_kwargs__kwargs__about")
    return rows_found(
        DBTaskResult.objects.annotate(about=about).filter(
            models.Q(task_path=email_deliver.module_path),
            about__in=ErasureReceipt.objects.values("subject"),
        ),
        limit,
    )
