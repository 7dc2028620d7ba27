"""The request of a logged-in member, for views behind ``@login_required``."""

from __future__ import annotations

from accounts.models import User
from consent.http import Request


class AuthenticatedRequest(Request):
    user: User
