"""Writes that touch several models or send email."""

from __future__ import annotations

import uuid

from allauth.account.models import EmailAddress
from allauth.core.internal import ratelimit
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sites.models import Site
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts.languages import language_of
from accounts.mail import mail_send
from accounts.models import ErasureReceipt, User, staff_role
from accounts.personal_data import erase_rows, erasure_plan
from consent.models import PolicyAcceptance, PolicyVersion
from consent.privacy import subject_hash


def signup_policy_accept(*, user: User) -> PolicyAcceptance | None:
    """Record that a new account agreed to the current policy when signing up (the box
    ticked on the sign-up form); nothing while no policy version is published."""
    version = PolicyVersion.objects.current()
    if version is None:
        return None
    return PolicyAcceptance.objects.record(
        user=user, version=version, source=PolicyAcceptance.Source.SIGNUP
    )


def member_language_set(*, user: User, language: str) -> None:
    """Keep a member's choice of language (one of ``settings.LANGUAGES``) on the account."""
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"Not a language of the site: {language!r}")
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def user_lock(*, user_id: int) -> bool:
    """Lock a person's row until the transaction ends; ``False`` if they are gone (erased).

    Their erasure takes this lock first (``user_erase``), and so does every change about
    them that must not cross it (a guardian's answer, the schedule's expiry, a cookie
    choice): whoever comes second waits, then sees what the first left.
    """
    return get_user_model()._default_manager.select_for_update().filter(pk=user_id).exists()


@transaction.atomic
def user_erase(
    *, user_id: int, reason: str, actor: User | None = None, notify: list[str] | None = None
) -> ErasureReceipt | None:
    """Erase everything held about a user, in one transaction; safe to run twice.

    Records that must outlive the person keep only the keyed hash of their id.
    ``actor`` is who caused it (the person, their guardian or a staff member; none for
    the schedule), kept on the receipt. Returns the receipt, or ``None`` when there was
    nobody left to erase. The receipt is emailed to ``notify``, in the erased person's
    language, once the transaction has committed.
    """
    user_model = get_user_model()
    user = user_model._default_manager.select_for_update().filter(pk=user_id).first()
    if user is None:
        return None
    rate_limit_keys = _rate_limit_keys(user)
    language = language_of(user)
    summary: dict[str, int] = {}
    for model, declaration in erasure_plan():
        affected = erase_rows(model, declaration, user)
        if affected:
            summary[str(declaration.title)] = summary.get(str(declaration.title), 0) + affected
    other = actor if actor is not None and actor.pk != user_id else None
    receipt = ErasureReceipt.objects.create(
        reference=uuid.uuid4(),
        subject=subject_hash(user_id),
        reason=reason,
        erased_at=timezone.now(),
        summary=summary,
        actor=other,
        actor_subject=subject_hash(actor.pk) if actor is not None else "",
        actor_role=staff_role(other)
        if other is not None and reason == ErasureReceipt.Reason.STAFF_ERASURE
        else "",
    )
    # allauth's rate limits keyed by the person's addresses go too: someone who leaves can
    # sign up again at once, and the cache keeps nothing derived from their email.
    transaction.on_commit(lambda: cache.delete_many(rate_limit_keys), robust=True)
    # Sent to the address the person had: the receipt is about nobody the site still knows.
    mail_send(
        "accounts/email/erasure_receipt",
        notify or [],
        {"receipt": receipt},
        about=None,
        language=language,
    )
    return receipt


#: allauth's rate limits counted per email address.
_EMAIL_KEYED_ACTIONS = ("confirm_email", "reset_password", "request_login_code")


def _rate_limit_keys(user: User) -> list[str]:
    """The cache keys of allauth's rate limits that are keyed by this person.

    allauth keys them by the email address (lower case), by ``<site domain>:<login>``
    for failed logins, and by the user id for failed two-factor codes; a seam with the
    pinned allauth version, checked by a test.
    """
    emails = {user.email.lower()} | {
        email.lower()
        for email in EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    }
    emails.discard("")
    domain = Site.objects.get_current().domain
    keyed = dict.fromkeys(_EMAIL_KEYED_ACTIONS, emails)
    keyed["login_failed"] = {f"{domain}:{login}" for login in emails | {user.username.lower()}}
    keyed["login_failed"].add(f"mfa-auth-user-{user.pk}")
    return [
        ratelimit.get_cache_key(None, app="allauth.account", action=action, rate=rate, key=key)
        for action, keys in keyed.items()
        for rate in ratelimit.get_rates(app="allauth.account", action=action)
        if rate.per == "key"
        for key in keys
    ]
