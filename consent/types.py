"""Names for types the apps share: the user model as the consent layer sees it, and JSON.

This app is the ground floor, so it cannot import the user model (``accounts.User``).
``AuthUser`` is the model of ``settings.AUTH_USER_MODEL`` for the type checker, as
django-stubs' plugin resolves it: the same type it gives the foreign keys to that setting
and ``request.user``. It names no class of ours, so the import rule holds; only the type
checker reads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # django-stubs' placeholder for the configured user model (it has no run-time twin);
    # its plugin refines it to the model ``AUTH_USER_MODEL`` names.
    from django.contrib.auth.models import _User

type AuthUser = _User

#: A value as JSON holds it (a signed cookie's payload, a JSON field, the data export).
type JSON = str | int | float | bool | None | list[JSON] | dict[str, JSON]
