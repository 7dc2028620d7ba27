"""A sharing permission stays bound to the terms the person was shown when they gave it."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from consent.models import ConsentRecord, SharingPermission
from consent.services import DisclosureRefused, disclosure_record, sharing_permission_set
from tests.factories import RecipientFactory, staff_in


def grant(rf, person, recipient):
    request = rf.post("/")
    request.user = person
    return sharing_permission_set(request=request, person=person, recipient=recipient, grant=True)


def disclose(person, recipient):
    return disclosure_record(
        recipient="",
        listed_recipient=recipient,
        purpose="Deliver the box",
        legal_basis="interaction",
        reference="",
        data_categories="username",
        people=[person],
        recorded_by=None,
    )


@pytest.mark.django_db
def test_a_permission_keeps_the_terms_that_were_shown(member, rf):
    partner = RecipientFactory(name="Tomato Boxes", purpose="Deliver boxes.")
    permission = grant(rf, member, partner)
    assert (permission.recipient_name, permission.purpose, permission.basis) == (
        "Tomato Boxes",
        "Deliver boxes.",
        "interaction",
    )
    assert permission.data_categories == partner.data_categories


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Tomato Boxes and Friends"),
        ("purpose", "Deliver boxes and sell the list of customers."),
        ("data_categories", "username, email, date of birth"),
    ],
)
@pytest.mark.django_db
def test_editing_a_recipient_after_a_grant_refuses_disclosures_under_the_new_terms(
    member, rf, field, value
):
    partner = RecipientFactory()
    grant(rf, member, partner)
    disclose(member, partner)
    setattr(partner, field, value)
    partner.save()
    with pytest.raises(DisclosureRefused, match=member.username):
        disclose(member, partner)


@pytest.mark.django_db
def test_after_a_change_of_terms_the_person_is_asked_again(client, member):
    partner = RecipientFactory(name="Tomato Boxes")
    client.force_login(member)
    client.post(reverse("accounts:sharing"), {"recipient": partner.pk, "action": "grant"})
    partner.purpose = "Something else entirely."
    partner.save()
    page = client.get(reverse("accounts:sharing")).content.decode()
    assert ">Allow sharing</button>" in page
    client.post(reverse("accounts:sharing"), {"recipient": partner.pk, "action": "grant"})
    permissions = SharingPermission.objects.filter(user=member).order_by("granted_at", "pk")
    assert [(p.purpose, p.withdrawn_at is None) for p in permissions] == [
        ("Deliver tomato boxes.", False),
        ("Something else entirely.", True),
    ]
    records = ConsentRecord.objects.filter(user=member).order_by("pk")
    assert list(records.values_list("action", flat=True)) == ["accept", "decline", "accept"]
    disclose(member, partner)


@pytest.mark.django_db
def test_the_terms_of_a_recipient_with_permissions_are_read_only_in_the_admin(client, member, rf):
    partner = RecipientFactory(name="Tomato Boxes")
    officer = staff_in("Privacy officer", is_superuser=True)
    client.force_login(officer)
    change = reverse("admin:consent_recipient_change", args=[partner.pk])
    page = client.get(change).content.decode()
    assert 'name="purpose"' in page
    grant(rf, member, partner)
    page = client.get(change).content.decode()
    for field in ("name", "purpose", "basis", "data_categories"):
        assert f'name="{field}"' not in page
    assert "Create a new recipient" in page
    response = client.post(change, {"name": "Renamed", "purpose": "Other", "is_active": "on"})
    assert response.status_code == HTTPStatus.FOUND
    partner.refresh_from_db()
    assert (partner.name, partner.purpose) == ("Tomato Boxes", "Deliver tomato boxes.")
