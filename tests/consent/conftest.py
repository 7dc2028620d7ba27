import pytest
from django.urls import reverse


@pytest.fixture
def choose(client):
    """Post a choice as the banner or the settings page would."""

    def _choose(action, groups="all", source="banner", next_url="/", **meta):
        """``meta``: request environ such as ``REMOTE_ADDR`` or ``HTTP_SEC_GPC``."""
        data = {"source": source, "next": next_url}
        if groups == "all":
            data["all_groups"] = "on"
        else:
            data["cookie_groups"] = groups
        return client.post(reverse(f"consent:{action}"), data, **meta)

    return _choose
