"""The code an authenticator app shows, for tests that log staff in with two-factor."""

import time


def totp_code(secret: str) -> str:
    """The current code of an authenticator app holding this secret.

    allauth accepts the current period's code only (``MFA_TOTP_TOLERANCE`` is 0): near the
    end of a period, wait for the next one, so that the code is still current when it is
    sent."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    if 30 - time.time() % 30 < 5:
        time.sleep(30 - time.time() % 30 + 0.1)
    return str(format_hotp_value(hotp_value(secret, int(time.time()) // 30)))
