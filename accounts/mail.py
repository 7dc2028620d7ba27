"""Plain-text emails from templates named ``<prefix>_subject.txt`` / ``<prefix>_message.txt``."""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string


def send_templated_mail(prefix: str, to: list[str], context: Mapping[str, object]) -> None:
    recipients = [address for address in to if address]
    if not recipients:
        return
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"{prefix}_subject.txt", context).split())
    body = render_to_string(f"{prefix}_message.txt", context)
    EmailMessage(subject=subject, body=body, to=recipients).send()
