"""Writes that touch several models or send email."""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts.models import ErasureReceipt
from accounts.personal_data import erase_rows, erasure_plan
from accounts.tasks import send_erasure_receipt
from consent.privacy import subject_hash


@transaction.atomic
def user_erase(
    *, user_id: int, reason: str, notify: list[str] | None = None
) -> ErasureReceipt | None:
    """Erase everything held about a user, in one transaction; safe to run twice.

    Records that must outlive the person keep only the keyed hash of their id.
    Returns the receipt, or ``None`` when there was nobody left to erase. The
    receipt is emailed to ``notify`` once the transaction has committed.
    """
    user_model = get_user_model()
    user = user_model._default_manager.select_for_update().filter(pk=user_id).first()
    if user is None:
        return None
    summary: dict[str, int] = {}
    for model, declaration in erasure_plan():
        affected = erase_rows(model, declaration, user)
        if affected:
            summary[str(declaration.title)] = summary.get(str(declaration.title), 0) + affected
    receipt = ErasureReceipt.objects.create(
        reference=uuid.uuid4(),
        subject=subject_hash(user_id),
        reason=reason,
        erased_at=timezone.now(),
        summary=summary,
    )
    recipients = [address for address in (notify or []) if address]
    if recipients:
        transaction.on_commit(
            lambda: send_erasure_receipt.enqueue(receipt.pk, recipients), robust=True
        )
    return receipt
