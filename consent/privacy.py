"""How models declare the personal data they hold.

Every model of the project declares, beside its definition, a ``PersonalData``
(or ``NO_PERSONAL_DATA``) in its ``personal_data`` class attribute; models of
other packages are declared in ``accounts.personal_data``. One routine there
reads every declaration to build the data export and to erase a person, and a
test fails for any installed model without one.

This module is the ground floor: it imports nothing of the project but the type names
of ``consent.types``.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes
from django.utils.functional import Promise

from consent.types import AuthUser

#: An exported field: a model field's name, or a label and the function of the row giving
#: the value.
type ExportedField[M: models.Model] = str | tuple[str | Promise, Callable[[M], object]]


class Erasure(enum.Enum):
    """What erasing a person does to a model's rows about them."""

    #: Nothing to do: the model holds no personal data.
    NONE = "none"
    #: The person's rows are deleted.
    DELETE = "delete"
    #: The rows outlive the person (consent and disclosure records): the link to
    #: the user is cut and only the keyed hash of the old user id remains.
    PSEUDONYMISE = "pseudonymise"
    #: The model's own ``erase_personal_data(user)`` does it (the user row itself,
    #: sessions, admin log entries about the user).
    CUSTOM = "custom"
    #: Pseudonymous rows about visitors, never linked to an account (the web beacon's
    #: page views): nothing to erase for a member; they go when their retention ends.
    RETENTION = "retention"


@dataclass(frozen=True)
class PersonalData[M: models.Model]:
    """A model's declaration of the personal data it holds and how it is erased.

    ``M`` is the model declared: the functions of ``fields`` take its rows. A declaration
    made for any model (``NO_PERSONAL_DATA``) fits every model.
    """

    title: str | Promise
    #: The path from the model to the user it is about ("" for the user model itself).
    owner: str
    erasure: Erasure
    #: Exported fields: model field names, or (label, function of the row) pairs.
    fields: Sequence[ExportedField[M]] = ()
    #: Ordering of the exported rows.
    ordering: Sequence[str] = ()
    #: A function of the user that erases their rows, for ``Erasure.CUSTOM``.
    eraser: Callable[[AuthUser], int] | None = None
    #: Shown instead of rows when the data is described by another section.
    note: str | Promise = ""
    #: Whether the rows are listed in the export (sessions' raw data is not: it holds keys).
    exported: bool = True
    #: Select related objects in the export query, to keep its query count fixed.
    select_related: Sequence[str] = field(default_factory=tuple)
    #: For ``Erasure.PSEUDONYMISE``: other fields blanked when the link is cut.
    scrub: Sequence[str] = ()
    #: Rows about the user when ``owner`` is not enough (a model that names a person
    #: in two roles): a function of the user giving the filter.
    lookup: Callable[[AuthUser], models.Q] | None = None
    #: Erase this model's rows before any other (it refers to rows the others remove).
    erase_first: bool = False
    #: For ``Erasure.PSEUDONYMISE``: other links to the person, in another role, also cut
    #: (the staff member who opened a record); the row keeps that role's keyed hash.
    also_cut: Sequence[str] = ()

    @property
    def holds_personal_data(self) -> bool:
        return self.erasure is not Erasure.NONE


NO_PERSONAL_DATA: PersonalData[models.Model] = PersonalData(
    title="", owner="", erasure=Erasure.NONE
)


def subject_hash(user_id: int) -> str:
    """The keyed hash that stands for a user in records that outlive them."""
    return salted_hmac("tomato.subject", str(user_id), algorithm="sha256").hexdigest()


def subject_hasher() -> Callable[[int], str]:
    """``subject_hash`` for many ids in a row (a check over every account): the same
    hashes, with the key derived once instead of for each id."""
    key = hashlib.sha256(b"tomato.subject" + force_bytes(settings.SECRET_KEY)).digest()
    return lambda user_id: hmac.digest(key, str(user_id).encode(), "sha256").hex()
