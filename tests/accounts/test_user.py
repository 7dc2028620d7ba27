import datetime
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import identify_hasher
from django.core.management import call_command
from django.db import IntegrityError

from accounts.models import User, age_on
from tests.factories import UserFactory


def test_the_user_model_is_ours():
    assert get_user_model() is User


def test_the_profile_holds_only_date_of_birth_gender_and_hobbies():
    personal = {
        field.name
        for field in User._meta.concrete_fields
        if field.name
        # The language is how the site speaks to the person, not something about them.
        not in {"id", "password", "last_login", "is_superuser", "is_staff", "is_active", "language"}
    }
    assert personal == {"username", "email", "date_of_birth", "gender", "hobbies", "date_joined"}


@pytest.mark.parametrize(
    ("born", "day", "age"),
    [
        (datetime.date(2010, 6, 15), datetime.date(2026, 6, 14), 15),
        (datetime.date(2010, 6, 15), datetime.date(2026, 6, 15), 16),
        (datetime.date(2008, 2, 29), datetime.date(2026, 2, 28), 17),
        (datetime.date(2008, 2, 29), datetime.date(2026, 3, 1), 18),
        (datetime.date(2000, 1, 1), datetime.date(2000, 1, 1), 0),
    ],
)
def test_age_counts_whole_years(born, day, age):
    assert age_on(born, day) == age


def test_age_is_none_without_a_date_of_birth():
    assert User(username="x").age() is None
    assert (
        User(username="x", date_of_birth=datetime.date(2000, 1, 1)).age(
            on=datetime.date(2026, 11, 25)
        )
        == 26
    )


@pytest.mark.django_db
def test_create_user_normalises_email_and_hashes_the_password():
    user = User.objects.create_user("ana", "Ana@EXAMPLE.com", "a-long-password-1")
    assert user.email == "Ana@example.com"
    assert user.check_password("a-long-password-1")
    assert not user.is_staff
    assert not user.is_superuser


@pytest.mark.django_db
def test_create_superuser_is_staff_and_superuser():
    user = User.objects.create_superuser("root", "root@example.com", "a-long-password-1")
    assert user.is_staff
    assert user.is_superuser


@pytest.mark.django_db
@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_create_superuser_refuses_a_superuser_who_is_not_staff_and_superuser(flag):
    with pytest.raises(ValueError, match=f"Superuser must have {flag}=True."):
        User.objects.create_superuser(
            "root", "root@example.com", "a-long-password-1", **{flag: False}
        )
    assert not User.objects.exists()


@pytest.mark.django_db
def test_createsuperuser_makes_a_staff_superuser_with_a_hashed_password(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-password-1")
    call_command(
        "createsuperuser",
        interactive=False,
        username="root",
        email="Root@EXAMPLE.com",
        stdout=StringIO(),
    )
    user = User.objects.get(username="root")
    assert user.is_staff
    assert user.is_superuser
    assert user.email == "Root@example.com"
    assert user.check_password("a-long-password-1")


@pytest.mark.django_db
def test_usernames_are_unique_whatever_their_case():
    UserFactory(username="Tomato")
    with pytest.raises(IntegrityError):
        UserFactory(username="tomato")


@pytest.mark.django_db
def test_emails_are_unique_whatever_their_case_but_may_be_blank():
    UserFactory(email="", verified_email=False)
    UserFactory(email="", verified_email=False)
    UserFactory(email="same@example.com")
    with pytest.raises(IntegrityError):
        UserFactory(email="SAME@example.com", verified_email=False)


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2(settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    user = User.objects.create_user("ana", "ana@example.com", "a-long-password-1")
    assert identify_hasher(user.password).algorithm == "argon2"


def test_argon2_comes_first_in_the_project_settings():
    from tomato import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
