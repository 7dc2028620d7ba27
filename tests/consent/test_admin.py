from http import HTTPStatus

import pytest
from django.contrib.admin.sites import site as admin_site
from django.urls import reverse

from consent.models import PolicyVersion
from tests.factories import PolicyVersionFactory, StaffFactory


@pytest.fixture
def superuser(db):
    return StaffFactory(is_superuser=True)


def test_a_published_version_cannot_be_edited_in_the_admin(superuser, rf):
    model_admin = admin_site._registry[PolicyVersion]
    published = PolicyVersion.objects.get(version="1.0")
    draft = PolicyVersionFactory(version="2.0", published_at=None)
    request = rf.get("/")
    assert set(model_admin.get_readonly_fields(request, published)) >= {"body", "version"}
    assert "body" not in model_admin.get_readonly_fields(request, draft)


def test_staff_can_list_policy_versions_and_users(client, superuser):
    client.force_login(superuser)
    response = client.get(reverse("admin:consent_policyversion_changelist"))
    assert response.status_code == HTTPStatus.OK
    assert "1.0" in response.content.decode()
    response = client.get(reverse("admin:accounts_user_changelist"), {"q": superuser.username})
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert superuser.username in page
    assert superuser.email not in page  # lists show emails partly masked
    assert f"{superuser.email[0]}•••@example.com" in page


def test_staff_can_add_a_user_in_the_admin(client, superuser):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "support1",
            "email": "support1@example.com",
            "usable_password": "true",
            "password1": "a-long-support-password",
            "password2": "a-long-support-password",
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    from accounts.models import User

    assert User.objects.get(username="support1").email == "support1@example.com"
