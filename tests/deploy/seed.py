"""The people of the several-servers test, made in the servers' own database.

Run as ``python -m tests.deploy.seed COUNT`` with the servers' environment, so that the
password hash and the encrypted two-factor secret are the ones production settings read
(the test run hashes with MD5, which the servers do not accept). Prints, as JSON, the
members' usernames and emails and a superuser's username and authenticator secret.
"""

import json
import sys

import django


def main(count: int) -> None:
    django.setup()
    import factory
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth.hashers import make_password

    from tests.factories import PASSWORD, StaffFactory, UserFactory

    # One hash for everyone: each Argon2 hash takes a tenth of a second.
    password = factory.Transformer.Force(make_password(PASSWORD))
    members = UserFactory.create_batch(count, password=password)
    staff = StaffFactory(is_superuser=True, password=password, totp=False)
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)
    people = {
        "members": [{"username": member.username, "email": member.email} for member in members],
        "staff": {"username": staff.username, "totp_secret": secret},
    }
    sys.stdout.write(json.dumps(people))


if __name__ == "__main__":
    main(int(sys.argv[1]))
