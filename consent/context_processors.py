from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from consent.cookies import theme


def consent(request: HttpRequest) -> dict[str, Any]:
    state = getattr(request, "consent", None)
    if state is None:
        return {}
    return {"consent": state, "theme": theme(request)}
