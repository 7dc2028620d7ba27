"""The guardians layer answers the consent layer's hooks."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User
from consent.models import PolicyAcceptance, PolicyVersion
from guardians.models import GuardianDecision, Guardianship
from guardians.services import record_guardian_decision


def agree_for_wards(
    sender: type[PolicyAcceptance],
    user: User,
    version: PolicyVersion,
    request: HttpRequest,
    **kwargs: object,
) -> None:
    """A guardian's agreement to an updated policy is also their consent for each ward."""
    for guardianship in Guardianship.objects.for_guardian(user):
        PolicyAcceptance.objects.record(
            user=guardianship.teen, version=version, source=PolicyAcceptance.Source.GUARDIAN
        )
        record_guardian_decision(request, guardianship.teen, {GuardianDecision.POLICY: True})
