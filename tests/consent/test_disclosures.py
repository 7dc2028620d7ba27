"""SPEC section 8: the disclosure register and data-sharing permissions."""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import StaffAccess
from accounts.services import user_erase
from consent.models import ConsentRecord, Disclosure, DisclosureSubject, SharingPermission
from consent.privacy import subject_hash
from consent.services import DisclosureRefused, sharing_permission_set
from tests.factories import (
    RecipientFactory,
    UserFactory,
    approved_guardianship,
    court_disclosure,
    staff_in,
)
from tests.staff import open_with_reason

record = court_disclosure


@pytest.mark.django_db
class TestRules:
    def test_a_legal_disclosure_is_recorded_with_its_people(self, member):
        officer = staff_in("Privacy officer")
        disclosure = record(people=[member], recorded_by=officer)
        subject = DisclosureSubject.objects.get(disclosure=disclosure)
        assert (subject.user, subject.subject) == (member, subject_hash(member.pk))
        assert disclosure.recorded_by == officer

    @pytest.mark.parametrize("basis", ["legal", "emergency"])
    def test_legal_and_emergency_need_a_reference(self, member, basis):
        with pytest.raises(DisclosureRefused, match="needs a reference"):
            record(people=[member], legal_basis=basis, reference="  ")
        assert not Disclosure.objects.exists()

    def test_interaction_is_refused_naming_who_lacks_permission(self, member, rf):
        other = UserFactory(username="zoe")
        partner = RecipientFactory(name="Tomato Boxes")
        sharing_permission_set(
            request=_request(rf, member), person=member, recipient=partner, grant=True
        )
        with pytest.raises(DisclosureRefused) as refusal:
            record(
                people=[member, other],
                legal_basis="interaction",
                listed_recipient=partner,
                reference="",
            )
        assert "Tomato Boxes" in str(refusal.value)
        assert "zoe" in str(refusal.value)
        assert member.username not in str(refusal.value)
        assert not Disclosure.objects.exists()

    def test_interaction_is_accepted_once_everyone_gave_permission(self, member, rf):
        partner = RecipientFactory()
        sharing_permission_set(
            request=_request(rf, member), person=member, recipient=partner, grant=True
        )
        disclosure = record(
            people=[member], legal_basis="interaction", listed_recipient=partner, recipient=""
        )
        assert disclosure.recipient == partner.name

    def test_a_withdrawn_permission_no_longer_counts(self, member, rf):
        partner = RecipientFactory()
        request = _request(rf, member)
        sharing_permission_set(request=request, person=member, recipient=partner, grant=True)
        sharing_permission_set(request=request, person=member, recipient=partner, grant=False)
        with pytest.raises(DisclosureRefused):
            record(people=[member], legal_basis="interaction", listed_recipient=partner)

    def test_agreement_needs_a_recipient_asking_for_that_kind_of_permission(self, member, rf):
        partner = RecipientFactory(basis="interaction")
        sharing_permission_set(
            request=_request(rf, member), person=member, recipient=partner, grant=True
        )
        with pytest.raises(DisclosureRefused, match="another kind"):
            record(people=[member], legal_basis="agreement", listed_recipient=partner)

    def test_a_teens_permission_is_the_guardians(self, rf):
        ward = approved_guardianship()
        partner = RecipientFactory()
        sharing_permission_set(
            request=_request(rf, ward.guardian), person=ward.teen, recipient=partner,
            grant=True, granted_by=ward.guardian,
        )  # fmt: skip
        record(people=[ward.teen], legal_basis="interaction", listed_recipient=partner)
        assert SharingPermission.objects.get(user=ward.teen).granted_by == ward.guardian
        assert ConsentRecord.objects.get(user=ward.teen).source == "guardian"

    def test_a_correction_points_to_the_old_entry(self, member):
        first = record(people=[member])
        correction = record(people=[member], reference="ORDER-12a", corrects=first)
        assert list(first.corrections.all()) == [correction]

    def test_people_see_disclosures_of_their_data(self, client, member):
        record(people=[member], purpose="Court order in case 12")
        client.force_login(member)
        page = client.get(reverse("accounts:data")).content.decode()
        assert ">Who we shared your data with</h2>" in page
        assert "District Court" in page
        assert "ORDER-12" in page
        data = client.get(reverse("accounts:data_json")).json()["data"]
        assert data["consent.disclosuresubject"]["items"][0]["Recipient"] == "District Court"

    def test_guardians_see_their_wards_disclosures(self, client):
        ward = approved_guardianship()
        record(people=[ward.teen])
        client.force_login(ward.guardian)
        page = client.get(reverse("guardians:ward", kwargs={"pk": ward.pk})).content.decode()
        assert "District Court" in page

    def test_erasure_keeps_the_disclosure_without_the_person(self, member):
        disclosure = record(people=[member])
        user_erase(user_id=member.pk, reason="account_deletion")
        subject = DisclosureSubject.objects.get(disclosure=disclosure)
        assert (subject.user, subject.subject) == (None, subject_hash(member.pk))


def _request(rf, user):
    request = rf.post("/")
    request.user = user
    return request


@pytest.mark.django_db
class TestSharingPage:
    def test_a_member_grants_and_withdraws_with_records(self, client, member):
        partner = RecipientFactory(name="Tomato Boxes")
        client.force_login(member)
        page = client.get(reverse("accounts:sharing")).content.decode()
        assert "Tomato Boxes" in page
        assert ">Allow sharing</button>" in page
        client.post(reverse("accounts:sharing"), {"recipient": partner.pk, "action": "grant"})
        assert SharingPermission.objects.current().filter(user=member, recipient=partner).exists()
        assert (
            ">Withdraw permission</button>"
            in client.get(reverse("accounts:sharing")).content.decode()
        )
        client.post(reverse("accounts:sharing"), {"recipient": partner.pk, "action": "withdraw"})
        assert not SharingPermission.objects.current().filter(user=member).exists()
        actions = list(
            ConsentRecord.objects.order_by("pk").values_list("group", "action", "source")
        )
        assert actions == [
            (f"sharing:{partner.pk}", "accept", "account"),
            (f"sharing:{partner.pk}", "decline", "account"),
        ]

    @pytest.mark.parametrize(
        "data", [{"recipient": "999", "action": "grant"}, {"recipient": "", "action": "grant"}]
    )
    def test_unknown_recipients_are_refused(self, client, member, data):
        client.force_login(member)
        response = client.post(reverse("accounts:sharing"), data)
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert not SharingPermission.objects.exists()

    def test_an_unknown_action_is_refused(self, client, member):
        partner = RecipientFactory()
        client.force_login(member)
        response = client.post(
            reverse("accounts:sharing"), {"recipient": partner.pk, "action": "sell"}
        )
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert not SharingPermission.objects.exists()

    def test_teens_cannot_grant(self, client):
        ward = approved_guardianship()
        partner = RecipientFactory()
        client.force_login(ward.teen)
        assert "Your guardian decides" in client.get(reverse("accounts:sharing")).content.decode()
        response = client.post(
            reverse("accounts:sharing"), {"recipient": partner.pk, "action": "grant"}
        )
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert not SharingPermission.objects.exists()

    def test_the_guardian_grants_for_the_ward(self, client):
        ward = approved_guardianship()
        partner = RecipientFactory()
        client.force_login(ward.guardian)
        client.post(
            reverse("guardians:ward_sharing", kwargs={"pk": ward.pk}),
            {"recipient": partner.pk, "action": "grant"},
        )
        permission = SharingPermission.objects.get()
        assert (permission.user, permission.granted_by) == (ward.teen, ward.guardian)


@pytest.mark.django_db
class TestAdmin:
    def test_staff_groups_have_exactly_their_permissions(self):
        support = {p.codename for p in Group.objects.get(name="Support").permissions.all()}
        assert support == {"view_user", "view_guardianship", "view_guardianrequest"}
        officer = {p.codename for p in Group.objects.get(name="Privacy officer").permissions.all()}
        assert {
            "add_disclosure",
            "export_consentrecord",
            "publish_policyversion",
            "erase_user",
        } <= officer
        assert not {"change_disclosure", "delete_disclosure", "change_consentrecord"} & officer

    def test_a_privacy_officer_records_a_legal_disclosure_in_the_admin(self, client, member):
        officer = staff_in("Privacy officer")
        client.force_login(officer)
        response = client.post(
            reverse("admin:consent_disclosure_add"),
            {
                "recipient": "District Court", "purpose": "Order", "legal_basis": "legal",
                "reference": "ORDER-7", "data_categories": "email",
                "disclosed_at_0": "2026-11-25", "disclosed_at_1": "09:00:00",
                "people": member.username,
            },
        )  # fmt: skip
        assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:3000]
        disclosure = Disclosure.objects.get()
        assert disclosure.recorded_by == officer
        assert list(disclosure.subjects.values_list("user", flat=True)) == [member.pk]
        change = reverse("admin:consent_disclosure_change", args=[disclosure.pk])
        response = client.post(change, {"recipient": "Changed"})
        assert response.status_code == HTTPStatus.FORBIDDEN
        disclosure.refresh_from_db()
        assert disclosure.recipient == "District Court"

    def test_the_admin_refuses_an_interaction_without_permission_naming_the_person(self, client):
        officer = staff_in("Privacy officer")
        partner = RecipientFactory(name="Tomato Boxes")
        UserFactory(username="zoe")
        client.force_login(officer)
        response = client.post(
            reverse("admin:consent_disclosure_add"),
            {
                "recipient": "", "listed_recipient": partner.pk, "purpose": "Boxes",
                "legal_basis": "interaction", "reference": "", "data_categories": "email",
                "disclosed_at_0": "2026-11-25", "disclosed_at_1": "09:00:00", "people": "zoe",
            },
        )  # fmt: skip
        assert response.status_code == HTTPStatus.OK
        assert (
            "no permission to share with Tomato Boxes is on record for: zoe"
            in response.content.decode()
        )
        assert not Disclosure.objects.exists()

    def test_support_cannot_record_disclosures_or_export(self, client):
        client.force_login(staff_in("Support"))
        assert (
            client.get(reverse("admin:consent_disclosure_add")).status_code == HTTPStatus.FORBIDDEN
        )
        assert (
            client.get(reverse("admin:consent_consentrecord_changelist")).status_code
            == HTTPStatus.FORBIDDEN
        )

    def test_opening_a_persons_record_is_logged_and_listed_for_privacy_officers(
        self, client, member
    ):
        support = staff_in("Support")
        client.force_login(support)
        url = reverse("admin:accounts_user_change", args=[member.pk])
        assert open_with_reason(client, url).status_code == 200
        access = StaffAccess.objects.get()
        assert (access.staff, access.user, access.what) == (support, member, "accounts.user")
        assert access.reason == "support"
        assert client.get(reverse("admin:accounts_staffaccess_changelist")).status_code == 403
        client.force_login(staff_in("Privacy officer"))
        page = client.get(reverse("admin:accounts_staffaccess_changelist")).content.decode()
        assert support.username in page
