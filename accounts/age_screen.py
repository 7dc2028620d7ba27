"""Step 1 of sign-up: the date of birth, asked once per session and then locked.

The answer lives in the session: going back cannot change it, and the visitor is
asked again only in a new session. That session ends after an hour unless the sign-up
is finished, so an unfinished sign-up keeps no date of birth. A signed, long-lived,
strictly necessary cookie remembers the age band this browser answered last; a new
session that answers in the other band is recorded as an ``AgeScreenChange`` (bands
only, nothing that identifies anyone).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts.models import CONSENT_AGE, AgeBand, AgeScreenChange, age_on

SESSION_KEY = "signup_date_of_birth"
#: An unfinished sign-up's session, which holds the answer, ends after an hour (and
#: ``clearsessions`` removes it): a date of birth is not kept for someone who left.
ANSWER_VALIDITY = 60 * 60
COOKIE_NAME = "tomato_agegate"
COOKIE_SALT = "tomato.age-screen"
COOKIE_MAX_AGE = 60 * 60 * 24 * 90


def answer(request: HttpRequest) -> datetime.date | None:
    raw = request.session.get(SESSION_KEY)
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except (TypeError, ValueError):
        return None


def take_answer(request: HttpRequest) -> datetime.date | None:
    """The answer, for the account being created; the session forgets it and ends as usual."""
    found = answer(request)
    request.session.pop(SESSION_KEY, None)
    request.session.set_expiry(None)
    return found


def give_back(request: HttpRequest, date_of_birth: datetime.date) -> None:
    """The answer ``take_answer`` took, back in the session for a sign-up that failed."""
    request.session[SESSION_KEY] = date_of_birth.isoformat()
    request.session.set_expiry(ANSWER_VALIDITY)


def band_of(date_of_birth: datetime.date, today: datetime.date | None = None) -> AgeBand:
    age = age_on(date_of_birth, today or timezone.localdate())
    return AgeBand.ADULT if age >= CONSENT_AGE else AgeBand.UNDER_16


def band(request: HttpRequest) -> AgeBand | None:
    date_of_birth = answer(request)
    return None if date_of_birth is None else band_of(date_of_birth)


def record_answer(
    request: HttpRequest, response: HttpResponse, date_of_birth: datetime.date
) -> None:
    """Lock the answer for this session, and note a different band from an earlier session."""
    give_back(request, date_of_birth)
    new_band = band_of(date_of_birth)
    previous = request.get_signed_cookie(
        COOKIE_NAME, default=None, salt=COOKIE_SALT, max_age=COOKIE_MAX_AGE
    )
    if previous in AgeBand.values and previous != new_band:
        AgeScreenChange.objects.create(previous_band=previous, new_band=new_band)
    response.set_signed_cookie(
        COOKIE_NAME,
        new_band.value,
        salt=COOKIE_SALT,
        max_age=COOKIE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
