"""Background work of the accounts layer (Django's tasks framework)."""

from __future__ import annotations

from django.tasks import task

from accounts.mail import send_templated_mail
from accounts.models import ErasureReceipt


@task
def send_erasure_receipt(receipt_id: int, recipients: list[str]) -> None:
    receipt = ErasureReceipt.objects.filter(pk=receipt_id).first()
    if receipt is not None:
        send_templated_mail("accounts/email/erasure_receipt", recipients, {"receipt": receipt})
