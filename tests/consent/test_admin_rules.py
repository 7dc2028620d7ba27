"""Staff permissions in the admin, and what no one may do there."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.models import ErasureReceipt, User
from consent.admin import csv_cell
from consent.models import PageView, PolicyVersion, SharingPermission
from consent.services import DisclosureRefused, disclosure_check, sharing_permission_set
from guardians.models import GuardianRequest
from tests.factories import (
    GuardianshipFactory,
    PolicyVersionFactory,
    RecipientFactory,
    StaffFactory,
    UserFactory,
    staff_in,
)
from tests.staff import open_with_reason


@pytest.mark.django_db
def test_support_cannot_expire_or_resend_guardian_requests(client):
    ward = GuardianshipFactory()
    client.force_login(staff_in("Support"))
    client.post(
        reverse("admin:guardians_guardianrequest_changelist"),
        {"action": "expire", "_selected_action": [ward.requests.get().pk]},
    )
    assert ward.requests.get().status == GuardianRequest.Status.PENDING


@pytest.mark.django_db
def test_a_privacy_officer_can_expire_guardian_requests(client):
    ward = GuardianshipFactory()
    client.force_login(staff_in("Privacy officer"))
    client.post(
        reverse("admin:guardians_guardianrequest_changelist"),
        {"action": "expire", "_selected_action": [ward.requests.get().pk]},
    )
    assert ward.requests.get().status == GuardianRequest.Status.EXPIRED


@pytest.mark.django_db
def test_support_cannot_delete_a_draft_policy(client):
    draft = PolicyVersionFactory(version="2.0", published_at=None)
    client.force_login(staff_in("Support"))
    client.post(reverse("admin:consent_policyversion_delete", args=[draft.pk]), {"post": "yes"})
    assert PolicyVersion.objects.filter(pk=draft.pk).exists()


@pytest.mark.django_db
def test_people_are_erased_never_deleted_in_the_admin(client, member):
    client.force_login(StaffFactory(is_superuser=True))
    response = client.post(reverse("admin:accounts_user_delete", args=[member.pk]), {"post": "yes"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert User.objects.filter(pk=member.pk).exists()


@pytest.mark.django_db
def test_the_erase_action_asks_first_and_spares_superusers(client, member):
    officer = staff_in("Privacy officer")
    root = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(officer)
    changelist = reverse("admin:accounts_user_changelist")
    selected = {"action": "erase", "_selected_action": [member.pk, root.pk, officer.pk]}
    page = client.post(changelist, selected).content.decode()
    assert "Erase these people" in page
    assert User.objects.filter(pk=member.pk).exists()
    client.post(changelist, {**selected, "confirmed": "yes"})
    assert not User.objects.filter(pk=member.pk).exists()
    assert User.objects.filter(pk__in=[root.pk, officer.pk]).count() == 2
    assert ErasureReceipt.objects.get().reason == "staff_erasure"


@pytest.mark.parametrize(
    ("value", "cell"),
    [("=HYPERLINK(1)", "'=HYPERLINK(1)"), ("+1", "'+1"), ("@x", "'@x"), ("Firefox", "Firefox")],
)
def test_csv_cells_never_run_as_formulas(value, cell):
    assert csv_cell(value) == cell


@pytest.mark.django_db
def test_a_deactivated_recipient_can_be_withdrawn_but_not_granted_or_disclosed_to(
    client, member, rf
):
    partner = RecipientFactory(name="Old Partner")
    request = rf.post("/")
    request.user = member
    sharing_permission_set(request=request, person=member, recipient=partner, grant=True)
    partner.is_active = False
    partner.save()
    with pytest.raises(DisclosureRefused, match="no longer"):
        disclosure_check(
            legal_basis="interaction", reference="", listed_recipient=partner, people=[member]
        )
    client.force_login(member)
    assert "Old Partner" in client.get(reverse("accounts:sharing")).content.decode()
    response = client.post(
        reverse("accounts:sharing"), {"recipient": partner.pk, "action": "withdraw"}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert not SharingPermission.objects.current().exists()
    response = client.post(
        reverse("accounts:sharing"), {"recipient": partner.pk, "action": "grant"}
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST


@pytest.mark.django_db
def test_opening_a_guardian_request_is_logged(client):
    from accounts.models import StaffAccess

    ward = GuardianshipFactory()
    support = staff_in("Support")
    client.force_login(support)
    url = reverse("admin:guardians_guardianrequest_change", args=[ward.requests.get().pk])
    assert open_with_reason(client, url, "guardian").status_code == HTTPStatus.OK
    access = StaffAccess.objects.get()
    assert (access.staff, access.user, access.reason) == (support, ward.teen, "guardian")
    assert access.what == "guardians.guardianrequest"


@pytest.mark.django_db
def test_page_views_are_never_added_or_changed_in_the_admin(client):
    view = PageView.objects.create(visitor="a" * 32, route="home")
    client.force_login(StaffFactory(is_superuser=True))
    assert client.get(reverse("admin:consent_pageview_add")).status_code == HTTPStatus.FORBIDDEN
    response = client.post(
        reverse("admin:consent_pageview_change", args=[view.pk]),
        {"visitor": "b" * 32, "route": "policy"},
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    view.refresh_from_db()
    assert (view.visitor, view.route) == ("a" * 32, "home")


@pytest.mark.django_db
def test_page_views_are_counts_a_superuser_may_delete_but_support_may_not(client):
    view = PageView.objects.create(visitor="a" * 32, route="home")
    delete_url = reverse("admin:consent_pageview_delete", args=[view.pk])
    client.force_login(staff_in("Support"))
    assert client.post(delete_url, {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN
    assert PageView.objects.filter(pk=view.pk).exists()
    client.force_login(StaffFactory(is_superuser=True))
    client.post(delete_url, {"post": "yes"})
    assert not PageView.objects.filter(pk=view.pk).exists()
