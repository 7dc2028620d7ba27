"""Every invariant ``manage.py check_integrity`` checks, gathered from the apps.

Each app states its own in ``<app>/integrity.py`` (``consent.integrity`` says how); this
list joins them, in the order of the layers. A check of another kind joins it as an
``Invariant`` whose ``find`` returns a ``Finding`` (the verification of every ledger is one,
``consent.ledgers_verify``).
"""

from __future__ import annotations

from accounts.integrity import INVARIANTS as ACCOUNTS
from consent.integrity import INVARIANTS as CONSENT
from consent.integrity import Invariant
from guardians.integrity import INVARIANTS as GUARDIANS

#: The extension point: every check that ``check_integrity`` runs.
INVARIANTS: list[Invariant] = [*CONSENT, *ACCOUNTS, *GUARDIANS]
