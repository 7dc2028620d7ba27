"""Whose language an email is written in (the site's languages: ``consent.languages``).

A member's language is kept on the account (``User.language``): set at sign-up to the
language they signed up in, changed with the footer's switcher, and applied on every page
they see while logged in, on any device. An email goes out in its recipient's language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from consent.languages import active_language

if TYPE_CHECKING:
    from accounts.models import User


def language_of(member: User | None) -> str:
    """The language to write to a member in: the account's, else the request's."""
    return (member.language if member is not None else "") or active_language()
