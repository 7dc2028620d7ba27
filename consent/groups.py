"""Cookie groups, read from the cache (never queried per request)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cookie_consent.cache import all_cookie_groups
from cookie_consent.models import Cookie, CookieGroup
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

ALL_GROUPS_KEY = "tomato:cookie-groups:all"
ALL_GROUPS_TIMEOUT = 60 * 60


def optional_groups() -> Mapping[str, CookieGroup]:
    """The groups a person can accept or decline, by varname (django-cookie-consent's cache)."""
    return all_cookie_groups()


def all_groups() -> list[CookieGroup]:
    """Every group with its cookies, required ones included, for the settings page."""
    groups: list[CookieGroup] | None = cache.get(ALL_GROUPS_KEY)
    if groups is None:
        groups = list(CookieGroup.objects.prefetch_related("cookie_set").order_by("ordering", "pk"))
        cache.set(ALL_GROUPS_KEY, groups, ALL_GROUPS_TIMEOUT)
    return groups


def group_version(varname: str) -> str:
    group = optional_groups().get(varname)
    return group.get_version() if group else ""


@receiver([post_save, post_delete], sender=CookieGroup)
@receiver([post_save, post_delete], sender=Cookie)
def _forget_cached_groups(**kwargs: Any) -> None:
    cache.delete(ALL_GROUPS_KEY)
