"""Signals the consent layer sends for higher layers to act on."""

from django.dispatch import Signal

#: Sent after a member agrees to an updated policy (``user``, ``version``, ``request``);
#: the guardians layer records the agreement for the member's wards.
policy_agreed = Signal()
