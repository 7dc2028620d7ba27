"""Tamper-evident ledgers: the records that must outlive people are hash-chained.

Consent records, policy acceptances, disclosures and the people they concerned, staff
accesses and erasure receipts are ledgers. Each row stores ``prev_hash``, the hash of the
row before it in its chain, and ``row_hash``, the SHA-256 (hex) of a canonical encoding of
the chain's name, ``prev_hash`` and the row's chained fields::

    sha256(json.dumps({"chain": name, "prev": prev_hash, "row": {field: value, …}},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode())

with every value as JSON holds it: text as is, ids as numbers, times in ISO 8601 in UTC,
UUIDs as text, JSON values with their keys sorted. The encoding is frozen: every stored
hash depends on it (the migrations that chained the rows already there carry a copy).
A field chained after rows were written (a ledger's ``added`` fields) is encoded only
when it holds a value: the rows written before it, which hold none, keep their hashes.
A chain is the rows of one ledger in id order; a model may split its rows into several
chains by the value of one field (consent records: members' and anonymous visitors').

**Erasure never breaks a chain**, because the chained content is, from the start, what
erasure leaves: the keyed hash of a person (``subject``, ``staff_subject``,
``actor_subject``), never the link to their account (the foreign keys that erasure cuts),
and never the fields it blanks (a consent record's ``ip_network`` and ``user_agent``).
Each model's ``ledger`` declaration lists its chained fields beside its definition.

**Appending.** Every writer appends through the ledger's QuerySet: ``create()`` and
``bulk_create()`` are the append (factories, services and the benchmark's bulk seeding
alike); ``save()`` refuses a row that did not come that way, and refuses to write a row
again. An append locks the chain's head (``LedgerHead``, one row per chain, read by its
primary key with ``SELECT … FOR UPDATE``) in the appending transaction, hashes the new
rows in order in Python, inserts them and moves the head: one indexed read and one update
of the head per append, whatever the number of rows. On PostgreSQL the lock makes
appenders to one chain take turns until their transactions end (on SQLite writes are
serialised anyway); appenders to different chains do not wait for each other. A head stays
locked until the appending transaction ends, so the services append near their end; one
``bulk_create`` locks its chains' heads in the order of their names.

**The head** keeps the chain's last row (its id and hash), so that rows deleted at the
end of a chain are found too, and its anchor: the hash the chain's first row must name
as its previous one (empty for a chain that never lost a row).

**Pruning by re-anchoring.** Anonymous visitors' consent records are deleted after their
retention (``prune_consent_records``). They are a chain of their own, so the prune can
delete a *prefix* of it: the rows, in chain order, up to the first one still within its
retention. With each batch it deletes, it moves the chain's anchor to the hash of the
last row it deleted, in the same transaction: the rows left still verify, from the new
anchor. (A row written with an older time than the one before it stays until that one
goes.)

**Verifying.** ``verify_ledgers()`` walks every chain (``verify_chain`` one) in id order,
streaming rows, and returns the first broken link of each broken chain; ``manage.py
verify_ledger`` prints them and exits non-zero. This finds rows changed, deleted or added
by anything but the append (an ``UPDATE`` or ``DELETE`` in SQL, a restore of an old
backup over part of a table). Someone able to rewrite a whole chain and its head could
rewrite the hashes too: the heads' hashes that ``verify_ledger`` prints, kept elsewhere
(the cron job's log), show such a rewrite.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from django.apps import apps
from django.db import connections, models, transaction
from django.utils.translation import gettext_lazy as _

from consent.privacy import NO_PERSONAL_DATA, PersonalData

#: The previous hash of a chain's first row, until rows are pruned from it.
GENESIS = ""
#: Rows read at a time while verifying.
VERIFY_CHUNK = 2_000


class LedgerError(Exception):
    """A ledger row written other than by appending it."""


def canonical(value: object) -> object:
    """A chained value as JSON holds it (see the module's docstring)."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return str(value)  # choices' members are ``str`` subclasses
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(key): canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(item) for item in value]
    if isinstance(value, float):
        return value
    raise TypeError(f"No canonical form for {type(value).__name__}")


def row_hash(chain: str, prev_hash: str, row: dict[str, object]) -> str:
    """The hash of a row: its chain, the previous row's hash and its chained values."""
    encoded = json.dumps(
        {"chain": chain, "prev": prev_hash, "row": {k: canonical(v) for k, v in row.items()}},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(encoded.encode()).hexdigest()


@dataclass(frozen=True)
class Ledger:
    """A model's declaration of its chained fields (and of its chains)."""

    #: The fields whose values each row's hash covers: only what erasure never changes.
    fields: Sequence[str]
    #: A field whose value picks the row's chain, one chain per value of its choices; no
    #: field: one chain for the model.
    split_by: str = ""
    #: Fields chained after rows were written: encoded only when not empty (``None`` or
    #: ``""``), so that the rows written before them keep their hashes.
    added: Sequence[str] = ()

    @property
    def chained(self) -> list[str]:
        """Every chained field: ``fields``, then ``added``."""
        return [*self.fields, *self.added]

    def encoded(self, content: dict[str, object]) -> dict[str, object]:
        """The chained values that a row's hash covers: ``added`` ones only when set."""
        return {
            name: value
            for name, value in content.items()
            if name not in self.added or value not in (None, "")
        }

    def chain_names(self, model: type[models.Model]) -> list[str]:
        if not self.split_by:
            return [model._meta.label_lower]
        field = model._meta.get_field(self.split_by)
        assert isinstance(field, models.Field)
        return [self.chain_named(model, value) for value, _label in field.choices or ()]

    def chain_named(self, model: type[models.Model], value: str) -> str:
        """The chain of the model's rows whose ``split_by`` field holds ``value``."""
        return f"{model._meta.label_lower}:{value}"

    def chain_of(self, row: models.Model) -> str:
        if not self.split_by:
            return row._meta.label_lower
        return f"{row._meta.label_lower}:{getattr(row, self.split_by)}"

    def rows_of(self, model: type[LedgerRow], chain: str) -> models.QuerySet[LedgerRow]:
        rows = model._default_manager.all()
        if self.split_by:
            rows = rows.filter(**{self.split_by: chain.partition(":")[2]})
        return rows

    def attnames(self, model: type[models.Model]) -> list[str]:
        return [model._meta.get_field(name).attname for name in self.chained]  # type: ignore[union-attr]

    def content_of(self, row: models.Model) -> dict[str, object]:
        """The row's chained values that its hash covers, each as its field reads it from
        the database."""
        content = {}
        for name in self.chained:
            field = row._meta.get_field(name)
            assert isinstance(field, models.Field)
            content[name] = field.to_python(getattr(row, field.attname))
        return self.encoded(content)


class LedgerHead(models.Model):
    """The head of one chain: its last row and its anchor; locked by every append."""

    name = models.CharField(_("chain"), max_length=100, primary_key=True)
    last_id = models.BigIntegerField(_("last row"), null=True, blank=True)
    last_hash = models.CharField(_("last row's hash"), max_length=64, blank=True, default=GENESIS)
    anchor_id = models.BigIntegerField(
        _("last pruned row"),
        default=0,
        help_text=_("Rows up to this id were deleted when their retention ended."),
    )
    anchor_hash = models.CharField(
        _("anchor hash"),
        max_length=64,
        blank=True,
        default=GENESIS,
        help_text=_("The previous hash that the chain's first row names."),
    )

    personal_data: ClassVar[PersonalData[LedgerHead]] = NO_PERSONAL_DATA

    class Meta:
        app_label = "consent"
        verbose_name = _("ledger head")
        verbose_name_plural = _("ledger heads")

    def __str__(self) -> str:
        return self.name


def _locked_heads(names: Iterable[str], using: str) -> dict[str, LedgerHead]:
    """The heads of these chains, locked until the transaction ends (made if missing)."""
    wanted = sorted(set(names))
    heads = LedgerHead.objects.using(using).select_for_update().filter(name__in=wanted)
    found = {head.name: head for head in heads.order_by("name")}
    if len(found) < len(wanted):
        LedgerHead.objects.using(using).bulk_create(
            [LedgerHead(name=name) for name in wanted if name not in found],
            ignore_conflicts=True,
        )
        found = {head.name: head for head in heads.order_by("name")}
    return found


class LedgerQuerySet[M: LedgerRow](models.QuerySet[M]):
    """A ledger's rows: ``create()`` and ``bulk_create()`` append to its chains."""

    def bulk_create(self, objs: Iterable[M], *args: Any, **kwargs: Any) -> list[M]:
        """Append the rows, in order: hashed under the lock of their chains' heads."""
        rows = list(objs)
        if not rows:
            return rows
        if kwargs.get("ignore_conflicts") or kwargs.get("update_conflicts"):
            raise LedgerError("A ledger only appends: no conflicts to ignore or update.")
        if any(row.row_hash or row.pk is not None for row in rows):
            raise LedgerError("A row already in its chain is never appended again.")
        ledger = self.model.ledger
        with transaction.atomic(using=self.db, savepoint=False):
            chains = [ledger.chain_of(row) for row in rows]
            heads = _locked_heads(chains, self.db)
            for row, chain in zip(rows, chains, strict=True):
                head = heads[chain]
                row.prev_hash = head.last_hash
                row.row_hash = head.last_hash = row_hash(
                    chain, row.prev_hash, ledger.content_of(row)
                )
            created = super().bulk_create(rows, *args, **kwargs)
            for row, chain in zip(created, chains, strict=True):
                if row.pk is None:
                    raise LedgerError("The database did not return the new rows' ids.")
                heads[chain].last_id = row.pk
            for head in heads.values():
                LedgerHead.objects.using(self.db).filter(pk=head.pk).update(
                    last_id=head.last_id, last_hash=head.last_hash
                )
        return created

    def create(self, **kwargs: Any) -> M:
        """Append one row."""
        (row,) = self.bulk_create([self.model(**kwargs)])
        return row


class LedgerRow(models.Model):
    """A row of a ledger: its hash and the previous row's, set by the append."""

    prev_hash = models.CharField(_("previous row's hash"), max_length=64, editable=False)
    row_hash = models.CharField(_("row hash"), max_length=64, editable=False)

    ledger: ClassVar[Ledger]

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        raise LedgerError(
            f"{type(self).__name__} is a ledger: append rows with objects.create() or "
            "bulk_create(); a row is never saved again (erasure updates its unchained "
            "fields with QuerySet.update())."
        )


# --- Verification -------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    """The first broken link of a chain: the row where it breaks, and what differs."""

    chain: str
    row_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"row {self.row_id}" if self.row_id is not None else "its head"
        return f"{self.chain}: {where}: {self.problem}"


def ledger_models() -> list[type[LedgerRow]]:
    """Every installed ledger model."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, LedgerRow) and isinstance(getattr(model, "ledger", None), Ledger)
    ]


def chains() -> dict[str, type[LedgerRow]]:
    """Every chain's name, with its model."""
    return {name: model for model in ledger_models() for name in model.ledger.chain_names(model)}


def ledger_names() -> list[str]:
    """What ``verify_ledger --ledger`` accepts: each ledger (its model) and each chain."""
    return sorted({model._meta.label_lower for model in ledger_models()} | set(chains()))


def _walk(chain: str, model: type[LedgerRow], head: LedgerHead) -> Break | None:
    ledger = model.ledger
    names = ledger.chained
    fields = [model._meta.get_field(name) for name in names]
    rows = (
        ledger.rows_of(model, chain)
        .order_by("pk")
        .values_list("pk", "prev_hash", "row_hash", *ledger.attnames(model))
    )
    previous_id: int | None = None
    previous_hash = head.anchor_hash
    for pk, prev_hash, stored_hash, *values in rows.iterator(chunk_size=VERIFY_CHUNK):
        if pk <= head.anchor_id:
            return Break(chain, pk, f"it comes before the chain's anchor (row {head.anchor_id})")
        if prev_hash != previous_hash:
            if previous_id is None:
                return Break(
                    chain,
                    pk,
                    "previous hash does not match the chain's anchor "
                    "(rows before it were deleted, or it was changed)",
                )
            return Break(
                chain,
                pk,
                f"previous hash does not match row {previous_id} "
                "(a row between them was deleted, or one of them was changed)",
            )
        content = ledger.encoded(
            {
                name: field.to_python(value)  # type: ignore[union-attr]
                for name, field, value in zip(names, fields, values, strict=True)
            }
        )
        if row_hash(chain, prev_hash, content) != stored_hash:
            return Break(chain, pk, "row hash does not match its content")
        previous_id, previous_hash = pk, stored_hash
    # The head names the last row (none when every row was pruned, or none was written).
    last_id = head.last_id if head.last_id and head.last_id > head.anchor_id else None
    if previous_id == last_id and previous_hash == head.last_hash:
        return None
    if previous_id == last_id:
        return Break(chain, previous_id, "row hash does not match the one its chain's head keeps")
    if last_id is not None and (previous_id is None or previous_id < last_id):
        ends = f"ends at row {previous_id}" if previous_id is not None else "is empty"
        return Break(
            chain,
            previous_id,
            f"the chain {ends} but its head names row {last_id}: rows at its end were deleted",
        )
    return Break(
        chain,
        previous_id,
        f"the chain ends at row {previous_id} but its head names "
        f"{f'row {last_id}' if last_id is not None else 'no row'}: "
        "rows were added without appending them",
    )


def verify_chain(chain: str) -> Break | None:
    """The first broken link of one chain, or ``None`` when it holds."""
    model = chains()[chain]
    db = model._default_manager.db
    connection = connections[db]
    own_transaction = not connection.in_atomic_block
    with transaction.atomic(using=db):
        if connection.vendor == "postgresql" and own_transaction:
            # A transaction of its own: one snapshot for the head and the rows, taken
            # before appends and prunes that commit while it reads.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        head = LedgerHead.objects.using(db).filter(name=chain).first() or LedgerHead(name=chain)
        return _walk(chain, model, head)


def verify_ledgers(names: Iterable[str] | None = None) -> list[Break]:
    """The first broken link of every broken chain; an empty list when all hold.

    ``names`` picks ledgers (model labels, like ``consent.consentrecord``) or chains
    (like ``consent.consentrecord:visitor``); every chain by default.
    """
    every = chains()
    wanted = list(every) if names is None else _chains_named(names, every)
    return [found for chain in wanted if (found := verify_chain(chain)) is not None]


def _chains_named(names: Iterable[str], every: dict[str, type[LedgerRow]]) -> list[str]:
    picked = []
    for name in names:
        matching = [c for c, model in every.items() if name in (c, model._meta.label_lower)]
        if not matching:
            raise LookupError(f"No ledger or chain named {name!r}")
        picked += [chain for chain in matching if chain not in picked]
    return picked


def chain_head(chain: str) -> LedgerHead:
    """The chain's head as it stands (its last row and hash), for reports."""
    return LedgerHead.objects.filter(name=chain).first() or LedgerHead(name=chain)


# --- Pruning ----------------------------------------------------------------------------


def prunable(chain: str, expired: models.Q) -> models.QuerySet[LedgerRow]:
    """The rows at the start of the chain, in chain order, that are all ``expired``: up to
    the first one that is not."""
    model = chains()[chain]
    rows = model.ledger.rows_of(model, chain)
    first_kept = rows.exclude(expired).order_by("pk").values_list("pk", flat=True).first()
    return rows if first_kept is None else rows.filter(pk__lt=first_kept)


def prune_prefix(chain: str, expired: models.Q, *, batch_size: int) -> int:
    """Delete the ``prunable`` rows of the chain, ``batch_size`` at a time in chain order,
    each batch in a transaction of its own that moves the chain's anchor past it (pruning
    by re-anchoring). Returns how many rows went."""
    prefix = prunable(chain, expired)
    db = prefix.db
    deleted = 0
    while True:
        with transaction.atomic(using=db):
            head = _locked_heads([chain], db)[chain]
            ordered = prefix.filter(pk__gt=head.anchor_id).order_by("pk")
            end = list(ordered.values_list("pk", "row_hash")[batch_size - 1 : batch_size])
            last = end or list(ordered.reverse().values_list("pk", "row_hash")[:1])
            if not last:
                return deleted
            end_id, end_hash = last[0]
            count, _by_model = ordered.filter(pk__lte=end_id).delete()
            LedgerHead.objects.using(db).filter(pk=chain).update(
                anchor_id=end_id, anchor_hash=end_hash
            )
        deleted += count
        if not end:
            return deleted
