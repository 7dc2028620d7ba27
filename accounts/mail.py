"""Every email the site sends, ours and allauth's: rendered in the request, sent by a task.

``mail_send`` renders a template pair (``<prefix>_subject.txt`` / ``<prefix>_message.txt``)
at once, with the data as it is and in the recipient's language; ``AccountAdapter.send_mail``
renders allauth's the same way. ``message_queue`` then hands each recipient's copy, a
finished message, to ``accounts.tasks.email_deliver`` once the transaction commits: with a
worker backend (``TASKS_BACKEND=django_tasks_db.DatabaseBackend``) the request never waits
for the mail server, and a failed send is kept and tried again.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from accounts.models import User
from accounts.tasks import MessageData, email_deliver
from consent.privacy import subject_hash


def mail_send(
    prefix: str,
    to: list[str],
    context: Mapping[str, object],
    *,
    about: User | None,
    language: str,
) -> None:
    """Render a template pair now, in the recipients' ``language``; each recipient's copy
    is queued when the transaction commits. ``about``: the person the email is about,
    whose erasure removes it."""
    recipients = [address for address in to if address]
    if not recipients:
        return
    context = {"site_url": settings.SITE_URL, **context}
    with translation.override(language):
        subject = " ".join(render_to_string(f"{prefix}_subject.txt", context).split())
        body = render_to_string(f"{prefix}_message.txt", context)
    message_queue(EmailMessage(subject=subject, body=body, to=recipients), about=about)


def message_queue(message: EmailMessage, *, about: User | None) -> None:
    """Hand a rendered message to the delivery task, one task per recipient (nobody sees
    another's address, and each delivery succeeds or is retried on its own), once the
    transaction commits: a rolled-back change sends nothing."""
    alternatives = (
        [[str(content), mimetype] for content, mimetype in message.alternatives]
        if isinstance(message, EmailMultiAlternatives)
        else []
    )
    data: MessageData = {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": str(message.from_email or settings.DEFAULT_FROM_EMAIL),
        "reply_to": [str(address) for address in message.reply_to],
        "headers": {str(name): str(value) for name, value in message.extra_headers.items()},
        "alternatives": alternatives,
    }
    about_hash = subject_hash(about.pk) if about is not None and about.pk else ""
    for address in [*message.to, *message.cc, *message.bcc]:
        enqueue = partial(email_deliver.enqueue, to=str(address), message=data, about=about_hash)
        transaction.on_commit(enqueue, robust=True)
