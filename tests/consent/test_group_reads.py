"""The cookie groups come from the shared cache once per request, however many parts of
the request need them (they were read, and unpickled, twice on every page)."""

import pytest
from cookie_consent import cache as groups_cache
from django.urls import reverse


@pytest.fixture
def group_reads(monkeypatch):
    reads = []
    real = groups_cache._get_cache

    class Counting:
        def __init__(self, cache):
            self.cache = cache

        def get_or_set(self, key, *args, **kwargs):
            reads.append(key)
            return self.cache.get_or_set(key, *args, **kwargs)

        def __getattr__(self, name):
            return getattr(self.cache, name)

    monkeypatch.setattr(groups_cache, "_get_cache", lambda: Counting(real()))
    return reads


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["home", "policy", "consent:cookie_settings"])
def test_a_page_reads_the_cookie_groups_once(client, group_reads, name):
    client.get(reverse(name))  # the first visit sets the consent cookie
    group_reads.clear()
    client.get(reverse(name))
    assert group_reads == [groups_cache.CACHE_KEY]


@pytest.mark.django_db
def test_a_decline_reads_them_once_too(client, group_reads):
    client.post(reverse("consent:decline"), {"all_groups": "on", "next": "/"})
    # Once for the form's choices, once for the request's consent state.
    assert group_reads == [groups_cache.CACHE_KEY] * 2
