"""Staff are accountable: every admin page showing personal data records its opening, and
who looked at whom, who changed what and who erased whom survive the staff member's erasure."""

from http import HTTPStatus

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.usersessions.models import UserSession
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from accounts.accountability import StaffAccountability
from accounts.admin_site import AdminSite
from accounts.models import (
    AdminAction,
    AgeScreenChange,
    ErasureReceipt,
    StaffAccess,
    User,
    without_names,
)
from accounts.services import user_erase
from consent.models import ConsentRecord, PageView, Recipient, SharingPermission
from consent.privacy import subject_hash
from consent.services import disclosure_record
from tests.factories import (
    PASSWORD,
    RecipientFactory,
    StaffFactory,
    UserFactory,
    approved_guardianship,
    staff_in,
)
from tests.scan import rows_mentioning
from tests.staff import open_with_reason

#: What the issue names, at least: these admins show personal data.
SHOWING_PERSONAL_DATA = {
    "accounts.user",
    "accounts.staffaccess",
    "accounts.adminaction",
    "accounts.erasurereceipt",
    "account.emailaddress",
    "mfa.authenticator",
    "usersessions.usersession",
    "consent.consentrecord",
    "consent.sharingpermission",
    "consent.disclosure",
    "consent.pageview",
    "guardians.guardianship",
    "guardians.guardianrequest",
}


#: The world's first row of these is about its member.
ABOUT_THE_MEMBER = {
    "accounts.user",
    "account.emailaddress",
    "mfa.authenticator",
    "usersessions.usersession",
    "consent.consentrecord",
    "consent.sharingpermission",
    "consent.disclosure",
}


def admin_url(obj, view):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[obj.pk])


@pytest.fixture
def world(db, rf):
    """A row in every model whose admin shows personal data."""
    member = UserFactory(username="zebracorn", email="zebracorn@example.org")
    Client().post(reverse("account_login"), {"login": member.username, "password": PASSWORD})
    assert UserSession.objects.filter(user=member).exists()
    TOTP.activate(member, generate_totp_secret())
    ConsentRecord.objects.create(
        user=member, subject_type="member", subject=subject_hash(member.pk),
        group="analytics", action="accept", source="banner",
    )  # fmt: skip
    partner = RecipientFactory()
    SharingPermission.given_to(user=member, recipient=partner, granted_by=member).save()
    disclosure_record(
        recipient="District Court", listed_recipient=None, purpose="Court order",
        legal_basis="legal", reference="ORDER-1", data_categories="email",
        people=[member], recorded_by=None,
    )  # fmt: skip
    PageView.objects.create(visitor="a" * 32, route="home")
    gone = UserFactory()
    user_erase(user_id=gone.pk, reason=ErasureReceipt.Reason.STAFF_ERASURE, actor=StaffFactory())
    approved_guardianship()
    officer = staff_in("Privacy officer")
    common = {"staff": officer, "staff_subject": subject_hash(officer.pk), "staff_role": "staff"}
    StaffAccess.objects.create(
        user=member, subject=subject_hash(member.pk), what="accounts.user", view="change",
        **common,
    )  # fmt: skip
    AdminAction.objects.create(
        person=member, subject=subject_hash(member.pk), action_flag=2, object_id=str(member.pk),
        content_type=ContentType.objects.get_for_model(User), **common,
    )  # fmt: skip
    return member


@pytest.fixture
def superuser(db):
    return StaffFactory(is_superuser=True)


def test_every_admin_of_the_site_keeps_staff_accountable():
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, StaffAccountability), model._meta.label


def test_an_admin_registered_later_is_accountable_too():
    site = AdminSite(name="another")
    site.register(AgeScreenChange, admin.ModelAdmin)
    assert isinstance(site._registry[AgeScreenChange], StaffAccountability)


def accountable_admins():
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, StaffAccountability), model._meta.label
        yield model, model_admin


def test_the_admins_that_show_personal_data_include_every_one_the_policy_names():
    showing = {
        model._meta.label_lower
        for model, model_admin in accountable_admins()
        if model_admin.shows_personal_data()
    }
    assert showing >= SHOWING_PERSONAL_DATA
    assert "consent.policyversion" not in showing


@pytest.mark.parametrize("view", ["change", "history"])
@pytest.mark.django_db
def test_opening_any_record_with_personal_data_is_recorded(client, world, superuser, view):
    client.force_login(superuser)
    for model, model_admin in accountable_admins():
        if not model_admin.shows_personal_data():
            continue
        label = model._meta.label_lower
        row = model._default_manager.order_by("pk").first()
        assert row is not None, f"the world fixture has no {label} row to open"
        before = StaffAccess.objects.count()
        url = admin_url(row, view)
        asked = client.get(url)
        # A reason first, superusers too: the page is the form, and nothing is opened.
        assert asked.status_code == HTTPStatus.OK, label
        assert 'name="_access_reason"' in asked.content.decode(), label
        assert "original" not in asked.context, label
        assert StaffAccess.objects.count() == before, label
        response = open_with_reason(client, url, "security")
        assert response.status_code == HTTPStatus.OK, label
        assert 'name="_access_reason"' not in response.content.decode(), label
        opened = StaffAccess.objects.order_by("pk")[before:]
        assert opened, f"opening the {view} page of {label} was not recorded"
        assert {(a.staff, a.staff_role, a.what, a.view, a.reason) for a in opened} == {
            (superuser, "superuser", label, view, "security")
        }
        people = set(model_admin.people_shown(row))
        assert {a.user for a in opened if a.user} == people, label
        if label in ABOUT_THE_MEMBER:
            assert people == {world}, label


@pytest.mark.django_db
def test_a_search_by_email_records_whose_records_it_found(client, world, superuser):
    client.force_login(superuser)
    response = client.get(reverse("admin:accounts_user_changelist"), {"q": world.email})
    assert response.status_code == HTTPStatus.OK
    access = StaffAccess.objects.get(view="search")
    assert (access.user, access.what) == (world, "accounts.user")
    assert world.email not in str(vars(access))


@pytest.mark.django_db
def test_the_person_sees_who_opened_their_data_by_role(client, world):
    officer = staff_in("Privacy officer")
    staff_client = Client()
    staff_client.force_login(officer)
    open_with_reason(staff_client, admin_url(world, "change"))
    client.force_login(world)
    page = client.get(reverse("accounts:data")).content.decode()
    section = page[page.index("Staff who opened your data") :]
    assert "Privacy officer" in section
    assert officer.username not in page


@pytest.mark.django_db
def test_a_change_in_the_admin_is_kept_with_the_staff_members_role(client):
    officer = staff_in("Privacy officer", username="olive")
    partner = RecipientFactory(name="Tomato Boxes")
    client.force_login(officer)
    response = client.post(
        admin_url(partner, "change"),
        {
            "name": "Tomato Boxes",
            "purpose": "Deliver boxes on time.",
            "data_categories": "username",
            "basis": "interaction",
            "is_active": "on",
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    action = AdminAction.objects.get()
    assert (action.staff, action.staff_role, action.action_flag) == (officer, "privacy_officer", 2)
    assert "Purpose" in action.get_change_message()
    page = client.get(admin_url(partner, "history")).content.decode()
    assert "olive (Privacy officer)" in page


@pytest.mark.django_db
def test_the_trail_of_an_erased_privacy_officer_still_says_who_looked_and_who_erased(
    client, superuser
):
    officer = staff_in("Privacy officer", username="olive", email="olive@example.org")
    member = UserFactory()
    requester = UserFactory()
    partner = RecipientFactory()
    client.force_login(officer)
    # The officer opens a member's record, changes a recipient and erases someone.
    assert open_with_reason(client, admin_url(member, "change")).status_code == HTTPStatus.OK
    client.post(
        admin_url(partner, "change"),
        {"name": partner.name, "purpose": "New purpose.", "data_categories": "email",
         "basis": "interaction", "is_active": "on"},
    )  # fmt: skip
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "erase", "_selected_action": [requester.pk], "confirmed": "yes"},
    )
    assert response.status_code == HTTPStatus.FOUND
    officer_id, officer_hash = officer.pk, subject_hash(officer.pk)

    user_erase(user_id=officer_id, reason=ErasureReceipt.Reason.STAFF_ERASURE, actor=superuser)

    assert not User.objects.filter(pk=officer_id).exists()
    # Who looked at whom.
    access = StaffAccess.objects.get(user=member)
    assert (access.staff, access.staff_subject, access.staff_role) == (
        None,
        officer_hash,
        "privacy_officer",
    )
    # Who erased whom.
    receipt = ErasureReceipt.objects.get(subject=subject_hash(requester.pk))
    assert (receipt.actor, receipt.actor_subject, receipt.actor_role) == (
        None,
        officer_hash,
        "privacy_officer",
    )
    assert receipt.caused_by == f"erased account {officer_hash[:12]} (Privacy officer)"
    # Who changed what.
    action = AdminAction.objects.get(content_type__model="recipient")
    assert (action.staff, action.staff_subject, action.staff_role) == (
        None,
        officer_hash,
        "privacy_officer",
    )
    client.force_login(superuser)
    history = client.get(admin_url(Recipient.objects.get(), "history")).content.decode()
    assert f"erased account {officer_hash[:12]} (Privacy officer)" in history
    # And the officer's own erasure says who caused it; nothing names the officer any more.
    own = ErasureReceipt.objects.get(subject=officer_hash)
    assert (own.actor, own.actor_role) == (superuser, "superuser")
    assert rows_mentioning("olive") == []


@pytest.mark.django_db
def test_each_erasure_says_who_caused_it(rf):
    guardianship = approved_guardianship()
    member = UserFactory()
    own = user_erase(user_id=member.pk, reason="account_deletion", actor=member)
    assert (own.actor, own.actor_subject, own.caused_by) == (
        None,
        subject_hash(member.pk),
        "the person themselves",
    )
    guardian = guardianship.guardian
    guardian.is_staff = True  # a guardian who works at Tomato acts as a guardian here
    guardian.save()
    by_guardian = user_erase(
        user_id=guardianship.teen_id, reason="guardian_deletion", actor=guardian
    )
    assert (by_guardian.actor, by_guardian.actor_role) == (guardian, "")
    assert by_guardian.caused_by == f"their guardian, {guardian.username}"
    expired = user_erase(user_id=UserFactory().pk, reason="expiry")
    assert (expired.actor_subject, expired.caused_by) == ("", "the schedule")


@pytest.mark.parametrize(
    ("reason", "shown"),
    [
        ("staff_erasure", "not recorded (staff member)"),
        ("guardian_decline", "their guardian, not recorded"),
    ],
)
def test_receipts_from_before_actors_were_kept_say_so(reason, shown):
    assert ErasureReceipt(reason=reason, actor_subject="").caused_by == shown


def test_the_kept_change_history_does_not_quote_the_rows_it_names():
    logged = (
        '[{"added": {"name": "email address", "object": "ana@example.org"}},'
        ' {"changed": {"name": "guardian request", "object": "teen7", "fields": ["Status"]}},'
        ' {"changed": {"fields": ["Email address"]}}]'
    )
    kept = AdminAction(change_message=without_names(logged))
    message = kept.get_change_message()
    assert "ana@example.org" not in message
    assert "teen7" not in message
    assert "Added email address" in message
    assert "Changed Email address." in message
    assert without_names("Changed the email of ana@example.org") == ""


@pytest.mark.django_db
def test_browsing_a_list_of_email_addresses_records_everyone_on_the_page(client, superuser):
    people = [UserFactory(), UserFactory()]
    client.force_login(superuser)
    response = client.get(reverse("admin:account_emailaddress_changelist"))
    assert response.status_code == HTTPStatus.OK
    opened = StaffAccess.objects.filter(view="list", what="account.emailaddress")
    assert {access.user for access in opened} >= set(people)


@pytest.mark.django_db
def test_the_erasure_confirmation_that_lists_people_is_an_opening(client):
    officer = staff_in("Privacy officer")
    member = UserFactory()
    client.force_login(officer)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "erase", "_selected_action": [member.pk]},
    )
    assert member.username in response.content.decode()
    access = StaffAccess.objects.get(user=member)
    assert (access.staff, access.view) == (officer, "list")
    assert User.objects.filter(pk=member.pk).exists()
