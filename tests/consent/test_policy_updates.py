"""SPEC section 7: a material update makes every member agree before going on."""

import datetime
import html
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from consent.models import ConsentRecord, PolicyAcceptance, PolicyVersion
from tests.factories import PolicyVersionFactory, approved_guardianship, staff_in

AGREE = "/privacy/agree/"


@pytest.fixture
def update(db):
    return PolicyVersionFactory(
        version="2.0", is_material=True, change_summary="We now keep disclosures in a register."
    )


@pytest.mark.django_db
class TestInterstitial:
    def test_members_meet_the_update_before_anything_else(self, client, member, update):
        client.force_login(member)
        response = client.get("/me/")
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"] == f"{AGREE}?next=%2Fme%2F"
        page = html.unescape(client.get(response["Location"]).content.decode())
        assert "We've updated our Privacy Policy" in page
        assert "We now keep disclosures in a register." in page
        assert 'href="/privacy/2.0/"' in page
        assert 'href="/privacy/1.0/"' in page
        assert ">I agree</button>" in page

    @pytest.mark.parametrize("path", ["/privacy/", "/privacy/2.0/", "/me/data.json"])
    def test_the_policy_and_the_data_download_stay_open(self, client, member, update, path):
        client.force_login(member)
        assert client.get(path).status_code == HTTPStatus.OK

    def test_deletion_and_logout_stay_open(self, client, member, update):
        client.force_login(member)
        assert client.get("/me/delete/")["Location"].startswith("/accounts/reauthenticate/")
        client.post(reverse("account_logout"))
        assert "_auth_user_id" not in client.session

    def test_cookies_can_still_be_declined(self, client, member, update):
        client.force_login(member)
        response = client.post(
            reverse("consent:decline"), {"cookie_groups": "analytics", "next": AGREE}
        )
        assert response["Location"] == AGREE
        assert ConsentRecord.objects.filter(
            user=member, group="analytics", action="decline"
        ).exists()

    def test_i_agree_records_the_acceptance_and_returns(self, client, member, update):
        client.force_login(member)
        response = client.post(AGREE, {"next": "/me/data/"})
        assert response["Location"] == "/me/data/"
        acceptance = PolicyAcceptance.objects.get(user=member, policy_version=update)
        assert acceptance.source == "update"
        assert client.get("/me/").status_code == HTTPStatus.OK

    def test_a_non_material_version_asks_nothing(self, client, member):
        PolicyVersionFactory(version="1.1", is_material=False)
        client.force_login(member)
        assert client.get("/me/").status_code == HTTPStatus.OK

    def test_a_version_not_yet_in_effect_asks_nothing(self, client, member):
        PolicyVersionFactory(
            version="3.0",
            is_material=True,
            effective_date=timezone.localdate() + datetime.timedelta(days=3),
        )
        client.force_login(member)
        assert client.get("/me/").status_code == HTTPStatus.OK

    def test_visitors_are_not_asked(self, client, update):
        assert client.get("/").status_code == HTTPStatus.OK

    def test_next_cannot_leave_the_site(self, client, member, update):
        client.force_login(member)
        response = client.post(AGREE, {"next": "https://evil.example/"})
        assert response["Location"] == "/"

    def test_the_agreement_costs_one_query_once_per_session(
        self, client, member, update, django_assert_max_num_queries
    ):
        client.force_login(member)
        client.post(AGREE, {"next": "/me/"})
        client.get("/me/")
        with django_assert_max_num_queries(8):
            client.get("/me/")


@pytest.mark.django_db
class TestGuardians:
    def test_a_guardians_agreement_covers_their_wards(self, client, update):
        ward = approved_guardianship()
        client.force_login(ward.guardian)
        client.post(AGREE, {"next": "/"})
        teen_acceptance = PolicyAcceptance.objects.get(user=ward.teen, policy_version=update)
        assert teen_acceptance.source == "guardian"
        record = ConsentRecord.objects.get(user=ward.teen, group="policy")
        assert (record.action, record.source) == ("accept", "guardian")

    def test_a_teen_waits_for_the_guardian(self, client, update):
        ward = approved_guardianship()
        client.force_login(ward.teen)
        page = client.get(AGREE).content.decode()
        assert "Your guardian needs to agree" in page
        assert ">I agree</button>" not in page
        assert client.post(AGREE).status_code == HTTPStatus.FORBIDDEN
        assert client.get("/me/").status_code == HTTPStatus.FOUND
        PolicyAcceptance.objects.record(user=ward.teen, version=update, source="guardian")
        assert client.get("/me/").status_code == HTTPStatus.OK


@pytest.mark.django_db
class TestPublishing:
    def test_a_privacy_officer_publishes_a_draft(self, client):
        draft = PolicyVersionFactory(version="2.0", is_material=True, published_at=None)
        client.force_login(staff_in("Privacy officer"))
        response = client.post(
            reverse("admin:consent_policyversion_changelist"),
            {"action": "publish", "_selected_action": [draft.pk]},
        )
        assert response.status_code == HTTPStatus.FOUND
        draft.refresh_from_db()
        assert draft.is_published
        assert PolicyVersion.objects.requiring_agreement() == draft

    def test_support_cannot_publish(self, client):
        draft = PolicyVersionFactory(version="2.0", published_at=None)
        client.force_login(staff_in("Support"))
        response = client.post(
            reverse("admin:consent_policyversion_changelist"),
            {"action": "publish", "_selected_action": [draft.pk]},
        )
        assert response.status_code == HTTPStatus.FORBIDDEN
        draft.refresh_from_db()
        assert not draft.is_published

    def test_history_shows_what_changed_in_the_text(self, client):
        old = PolicyVersion.objects.get(version="1.0")
        PolicyVersionFactory(version="2.0", body=old.body.replace("hobbies, etc.", "hobbies."))
        page = client.get(reverse("policy_history")).content.decode()
        assert "What changed in the text" in page
        assert "<del>When we need information" in page
        assert "hobbies.</ins>" in page
