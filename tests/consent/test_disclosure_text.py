"""The register outlives the people in it: its free text must not name them."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from consent.models import Disclosure
from consent.services import DisclosureRefused
from tests.factories import UserFactory, court_disclosure, staff_in

FIELDS = ("recipient", "purpose", "reference", "data_categories")


def record(person, **overrides):
    return court_disclosure(people=[person], **overrides)


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize(
    "mention",
    ["Zebracorn", "ZEBRACORN@example.org", "old-zebra@example.net"],
    ids=["username", "email", "second address"],
)
@pytest.mark.django_db
def test_text_naming_a_person_concerned_is_refused(field, mention):
    person = UserFactory(username="zebracorn", email="zebracorn@example.org")
    EmailAddress.objects.create(user=person, email="old-zebra@example.net")
    with pytest.raises(DisclosureRefused) as refusal:
        record(person, **{field: f"About {mention}, as asked"})
    assert field in refusal.value.error_dict
    assert "must not identify" in str(refusal.value)
    assert mention in str(refusal.value)
    assert not Disclosure.objects.exists()


@pytest.mark.django_db
def test_a_username_inside_another_word_is_not_a_mention():
    person = UserFactory(username="ord", email="ord@example.org")
    disclosure = record(person, purpose="A court order, ordered on Monday")
    assert disclosure.purpose == "A court order, ordered on Monday"


@pytest.mark.django_db
def test_the_admin_form_says_which_field_names_the_person(client):
    person = UserFactory(username="zebracorn")
    client.force_login(staff_in("Privacy officer"))
    response = client.post(
        reverse("admin:consent_disclosure_add"),
        {
            "recipient": "District Court",
            "purpose": "Order about zebracorn",
            "legal_basis": "legal",
            "reference": "ORDER-12",
            "data_categories": "username",
            "disclosed_at_0": "2026-11-20",
            "disclosed_at_1": "10:00:00",
            "people": person.username,
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors.keys() == {"purpose"}
    assert not Disclosure.objects.exists()
