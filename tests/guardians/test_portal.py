"""The guardian portal: only one's own wards; review, restrict, download, delete."""

import html
import json
from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.models import User
from consent.models import ConsentRecord
from guardians.models import Guardianship
from tests.factories import (
    PASSWORD,
    GuardianFactory,
    UserFactory,
    approved_guardianship,
)


@pytest.fixture
def ward(db):
    return approved_guardianship()


@pytest.fixture
def as_guardian(client, ward):
    client.force_login(ward.guardian)
    return client


def url(name, ward):
    return reverse(f"guardians:{name}", kwargs={"pk": ward.pk})


@pytest.mark.django_db
class TestAccess:
    def test_the_portal_lists_the_guardians_wards(self, as_guardian, ward):
        second = approved_guardianship(guardian=ward.guardian)
        page = as_guardian.get(reverse("guardians:portal")).content.decode()
        assert ward.teen.username in page
        assert second.teen.username in page

    @pytest.mark.parametrize("name", ["ward", "ward_download", "ward_delete"])
    def test_another_guardian_gets_404(self, client, ward, name):
        client.force_login(GuardianFactory())
        assert client.get(url(name, ward)).status_code == HTTPStatus.NOT_FOUND

    @pytest.mark.parametrize("name", ["ward_stop", "ward_resume", "ward_switches"])
    def test_another_guardian_cannot_act(self, client, ward, name):
        client.force_login(GuardianFactory())
        assert client.post(url(name, ward)).status_code == HTTPStatus.NOT_FOUND
        ward.refresh_from_db()
        assert not ward.collection_stopped

    def test_the_teen_and_members_get_404(self, client, ward):
        for user in (ward.teen, UserFactory()):
            client.force_login(user)
            assert client.get(url("ward", ward)).status_code == HTTPStatus.NOT_FOUND

    def test_an_unknown_ward_is_404(self, as_guardian):
        assert as_guardian.get("/guardian/ward/999999/").status_code == HTTPStatus.NOT_FOUND

    def test_the_portal_needs_a_login(self, client):
        assert client.get(reverse("guardians:portal"))["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
class TestWardPage:
    def test_shows_everything_the_teen_would_see_on_your_data(self, as_guardian, ward):
        page = html.unescape(as_guardian.get(url("ward", ward)).content.decode())
        for text in [ward.teen.username, ward.teen.email, "Account and profile", "Guardian link"]:
            assert text in page
        for action in ["Stop further collection", "Download data", "Delete my child's data"]:
            assert action in page
        assert "Allow optional profile fields" in page
        assert "Allow personalisation" in page

    def test_keeps_a_fixed_query_budget(self, as_guardian, ward, django_assert_max_num_queries):
        as_guardian.get(url("ward", ward))
        with django_assert_max_num_queries(29):  # 3 of them for the ward's consent receipts
            assert as_guardian.get(url("ward", ward)).status_code == HTTPStatus.OK

    def test_switches_are_saved_and_recorded(self, as_guardian, ward):
        response = as_guardian.post(url("ward_switches", ward), {"allow_optional_fields": "on"})
        assert response.status_code == HTTPStatus.FOUND
        ward.refresh_from_db()
        assert (ward.allow_optional_fields, ward.allow_personalisation) == (True, False)
        record = ConsentRecord.objects.get()
        assert (record.group, record.action, record.source) == (
            "optional_profile_fields", "accept", "guardian",
        )  # fmt: skip

    def test_download_gives_the_teens_data(self, as_guardian, ward):
        response = as_guardian.get(url("ward_download", ward))
        assert response["Content-Disposition"] == 'attachment; filename="tomato-child-data.json"'
        data = json.loads(response.content)["data"]
        assert data["accounts.user"]["items"][0]["Username"] == ward.teen.username


@pytest.mark.django_db
class TestRestrictions:
    def test_without_permission_the_teen_cannot_fill_optional_fields(self, client, ward):
        client.force_login(ward.teen)
        page = client.get(reverse("accounts:profile")).content.decode()
        assert "has not allowed the optional profile fields" in page
        response = client.post(reverse("accounts:profile"), {"hobbies": "chess"})
        assert response.status_code == HTTPStatus.FORBIDDEN
        ward.teen.refresh_from_db()
        assert ward.teen.hobbies == ""

    def test_with_permission_the_teen_can(self, client, ward):
        ward.allow_optional_fields = True
        ward.save()
        client.force_login(ward.teen)
        client.post(reverse("accounts:profile"), {"hobbies": "chess", "gender": ""})
        ward.teen.refresh_from_db()
        assert ward.teen.hobbies == "chess"

    def test_personalisation_only_if_allowed(self, client, ward):
        client.force_login(ward.teen)
        client.post(reverse("consent:accept"), {"cookie_groups": "preferences"})
        assert not ConsentRecord.objects.filter(group="preferences").exists()
        ward.allow_personalisation = True
        ward.save()
        client.post(reverse("consent:accept"), {"cookie_groups": "preferences"})
        assert ConsentRecord.objects.filter(group="preferences", action="accept").exists()

    def test_stopping_collection_freezes_the_profile_and_turns_cookies_off(
        self, as_guardian, client, ward
    ):
        ward.allow_optional_fields = ward.allow_personalisation = True
        ward.save()
        as_guardian.post(url("ward_stop", ward))
        ward.refresh_from_db()
        assert ward.collection_stopped
        assert ConsentRecord.objects.filter(group="further_collection", action="decline").exists()

        teen_client = type(client)()
        teen_client.force_login(ward.teen)
        response = teen_client.post(reverse("accounts:profile"), {"hobbies": "new"})
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert "stopped further collection" in response.content.decode()
        teen_client.post(reverse("consent:accept"), {"all_groups": "on"})
        assert not ConsentRecord.objects.filter(user=ward.teen, source="banner").exists()
        assert teen_client.get("/cookies/").content.decode().count("Off for your account") == 2

        as_guardian.post(url("ward_resume", ward))
        ward.refresh_from_db()
        assert not ward.collection_stopped
        teen_client.post(reverse("accounts:profile"), {"hobbies": "new", "gender": ""})
        ward.teen.refresh_from_db()
        assert ward.teen.hobbies == "new"


@pytest.mark.django_db
class TestDeleteWard:
    def test_deleting_needs_reauthentication(self, as_guardian, ward):
        response = as_guardian.get(url("ward_delete", ward))
        assert response["Location"].startswith(reverse("account_reauthenticate"))

    def test_delete_erases_the_teen_and_emails_both(
        self, client, ward, mailoutbox, django_capture_on_commit_callbacks
    ):
        guardian, teen = ward.guardian, ward.teen
        client.post(reverse("account_login"), {"login": guardian.username, "password": PASSWORD})
        client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
        response = client.post(url("ward_delete", ward), {})
        assert "Tick the box" in response.content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url("ward_delete", ward), {"confirm": "on"})
        assert response["Location"] == reverse("guardians:portal")
        assert not User.objects.filter(pk=teen.pk).exists()
        assert not Guardianship.objects.exists()
        # One copy each: neither sees the other's address.
        assert sorted(m.to for m in mailoutbox[-2:]) == sorted([[guardian.email], [teen.email]])
        other = type(client)()
        login = other.post(reverse("account_login"), {"login": teen.username, "password": PASSWORD})
        assert login.status_code == HTTPStatus.OK
        assert "_auth_user_id" not in other.session


@pytest.mark.django_db
def test_erasing_a_guardian_leaves_the_ward_waiting_for_a_new_guardian(ward):
    from accounts.services import user_erase

    guardian_email = ward.guardian.email
    user_erase(user_id=ward.guardian.pk, reason="account_deletion")
    ward.refresh_from_db()
    assert (ward.status, ward.guardian, ward.guardian_email) == ("awaiting", None, "")
    assert not ward.requests.filter(email=guardian_email).exists()
