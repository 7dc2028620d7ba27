"""Cookie groups, read from the cache (never queried per request)."""

from __future__ import annotations

from cookie_consent.models import CookieGroup
from django.core.cache import cache
from django_stubs_ext import StrOrPromise

ALL_GROUPS_KEY = "tomato:cookie-groups:all"

#: What consent records are about besides the cookie groups and data-sharing permissions,
#: by name with its label: a higher app adds its own in ``AppConfig.ready`` (the
#: guardians' decisions), for the consent records' admin filter.
RECORDED_TOPICS: dict[str, StrOrPromise] = {}
ALL_GROUPS_TIMEOUT = 60 * 60


def all_groups() -> list[CookieGroup]:
    """Every group with its cookies, required ones included, for the settings page."""
    groups: list[CookieGroup] | None = cache.get(ALL_GROUPS_KEY)
    if groups is None:
        groups = list(CookieGroup.objects.prefetch_related("cookie_set").order_by("ordering", "pk"))
        cache.set(ALL_GROUPS_KEY, groups, ALL_GROUPS_TIMEOUT)
    return groups


def forget_cached_groups(**kwargs: object) -> None:
    """Receiver (connected in ``ConsentConfig.ready``): a group or cookie changed."""
    cache.delete(ALL_GROUPS_KEY)
