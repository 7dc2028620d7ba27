"""Background work of the accounts layer (Django's tasks framework): email delivery."""

from __future__ import annotations

import datetime
import smtplib
from typing import TypedDict

from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.utils import timezone

#: After a failed send, the next try waits this long (and there are no more after the last).
RETRY_DELAYS = (
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=12),
)


class MessageData(TypedDict):
    """A rendered email, as a task's JSON arguments hold it."""

    subject: str
    body: str
    from_email: str
    reply_to: list[str]
    headers: dict[str, str]
    alternatives: list[list[str]]


@task
def email_deliver(*, to: str, message: MessageData, about: str = "", attempt: int = 1) -> None:
    """Send one finished message to one address.

    ``about`` is the keyed hash of the person the email is about ("" when none is known);
    erasure finds the tasks holding a person's data by it and by ``to``. When the mail
    server fails, the send is tried again later (``RETRY_DELAYS``), on backends that can
    run a task later; this task still ends failed, with the error, for the record.
    """
    email = EmailMultiAlternatives(
        subject=message["subject"],
        body=message["body"],
        from_email=message["from_email"],
        to=[to],
        reply_to=message["reply_to"],
        headers=message["headers"],
    )
    for content, mimetype in message["alternatives"]:
        email.attach_alternative(content, mimetype)
    try:
        email.send()
    except (smtplib.SMTPException, OSError):
        if attempt <= len(RETRY_DELAYS) and email_deliver.get_backend().supports_defer:
            later = timezone.now() + RETRY_DELAYS[attempt - 1]
            email_deliver.using(run_after=later).enqueue(
                to=to, message=message, about=about, attempt=attempt + 1
            )
        raise
