"""The site's languages (``settings.LANGUAGES``): a language code as one of them, and the
language of the request being answered. On the ground floor, so that every app (the
policy's texts here, the accounts' and the emails' above) reads languages the same way."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


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
