"""Background work of the guardians layer (Django's tasks framework)."""

from __future__ import annotations

from django.conf import settings
from django.tasks import task
from django.urls import reverse

from accounts.mail import send_templated_mail
from accounts.models import User
from guardians.models import GuardianRequest
from guardians.tokens import make_token


@task
def send_guardian_request(request_id: int) -> None:
    """Email the guardian the signed link, if the request is still open."""
    found = (
        GuardianRequest.objects.select_related("guardianship__teen").filter(pk=request_id).first()
    )
    if found is None or not found.is_open:
        return
    link = settings.SITE_URL + reverse("guardians:consent", kwargs={"token": make_token(found)})
    send_templated_mail(
        "guardians/email/guardian_request",
        [found.email],
        {"teen": found.guardianship.teen, "link": link, "request": found},
    )


@task
def send_approval_notice(teen_id: int) -> None:
    teen = User.objects.filter(pk=teen_id).first()
    if teen is not None:
        send_templated_mail("guardians/email/approved", [teen.email], {"teen": teen})


@task
def send_link_ended(username: str, recipients: list[str]) -> None:
    send_templated_mail("guardians/email/ended", recipients, {"teen": {"username": username}})
