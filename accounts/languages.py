"""The site's languages (``settings.LANGUAGES``) and whose language an email is written in.

A member's language is kept on the account (``User.language``): set at sign-up to the
language they signed up in, changed with the footer's switcher, and applied on every page
they see while logged in, on any device. An email goes out in its recipient's language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import translation

if TYPE_CHECKING:
    from accounts.models import User


def site_language(code: str | None) -> str:
    """``code`` as one of the site's languages (``zh-Hans``, ``zh-cn`` → ``zh-hans``), or
    ``""`` when the site has no such language."""
    if not code:
        return ""
    try:
        found = translation.get_supported_language_variant(code)
    except LookupError:
        return ""
    return found if found in dict(settings.LANGUAGES) else ""


def active_language() -> str:
    """The language of the request being answered (the site's default outside one)."""
    return site_language(translation.get_language()) or settings.LANGUAGE_CODE


def language_of(member: User | None) -> str:
    """The language to write to a member in: the account's, else the request's."""
    return (member.language if member is not None else "") or active_language()
