"""Who may open what: every URL pattern of the site (ours, allauth's, every admin page and
admin action) against every role, with the answer each must get.

The rows are checked against the URL configuration: a pattern without a row fails
``test_every_url_pattern_has_a_row`` (naming it), and so does a row whose pattern is
gone. A row that changes something says whose request changes it; everyone else's must
change nothing. Someone else's ward, passkey or record answers 404.

Each role asks every row in one test, and the test lists every wrong cell at once.
The machinery (the roles, the world of records, the runner) is in ``authorization.py``.
"""

from __future__ import annotations

import logging
from importlib import import_module
from types import ModuleType
from typing import Any

import pytest
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.options import ActionLocation
from django.contrib.contenttypes.models import ContentType
from django.test import override_settings
from django.urls import path, resolve, reverse

from accounts.models import Gender, User
from consent.models import PolicyVersion, SharingPermission
from consent.receipts import receipts_of
from guardians.models import Guardianship
from tests.tomato.authorization import (
    ADMIN_LOGIN,
    FORBIDDEN,
    LOGIN,
    NO_CONTENT,
    NOT_FOUND,
    OK,
    ROLES,
    STAFF_ROLES,
    WAITING,
    Expect,
    Probe,
    Row,
    World,
    ask,
    build_world,
    email_key,
    guardian_link,
    log_in,
    reset_kwargs,
    to,
    url_patterns,
    waiting_requests,
)

#: Logged in and past the cabin: everyone but the anonymous visitor and the waiting teen.
ACTIVE = frozenset(ROLES) - {"anonymous", "teen_waiting"}


# --- Compact rows -------------------------------------------------------------------------


def row(key: str, *expected: Expect, **options: Any) -> Row:
    """A row with one answer per role, in the order of ``ROLES``."""
    assert len(expected) == len(ROLES), key
    return Row(key, dict(zip(ROLES, expected, strict=True)), **options)


def rule(key: str, default: Expect, /, **given: Any) -> Row:
    """``default`` for every role but those ``given`` by name; the other keywords are the
    row's options (method, kwargs, data, probe, ...)."""
    expected = {role: given.pop(role, default) for role in ROLES}
    return Row(key, expected, **given)


def same(key: str, expect: Expect, /, **given: Any) -> Row:
    """The same answer for everyone, the waiting teen included (a view open in the cabin)."""
    return rule(key, expect, **given)


def public(key: str, expect: Expect = OK, /, **given: Any) -> Row:
    """A page for everyone but the waiting teen, who is kept in the cabin."""
    return rule(key, expect, **{"teen_waiting": WAITING, **given})


def members(key: str, expect: Expect = OK, /, **given: Any) -> Row:
    """A page for anyone logged in: the anonymous visitor is sent to log in, the waiting
    teen to the cabin."""
    return rule(key, expect, **{"anonymous": LOGIN, "teen_waiting": WAITING, **given})


def only(*roles: str) -> frozenset[str]:
    return frozenset(roles)


# --- What the rows send and what they look at ----------------------------------------------


def ward_pk(world: World) -> dict[str, object]:
    """``guardian``'s ward: theirs, and nobody else's."""
    return {"pk": world.ward.pk}


def member_receipt(world: World) -> dict[str, object]:
    """The member's receipt of their consent record."""
    return {"receipt_id": receipts_of(world.member)[0].receipt_id}


def ward_receipt(world: World) -> dict[str, object]:
    """A receipt of ``guardian``'s ward (a guardian's decision about them)."""
    return {**ward_pk(world), "receipt_id": receipts_of(world.ward.teen)[0].receipt_id}


def ward_state(world: World) -> tuple[bool, bool, bool]:
    ward = Guardianship.objects.get(pk=world.ward.pk)
    return (ward.allow_optional_fields, ward.allow_personalisation, ward.collection_stopped)


def stop_collection(world: World) -> None:
    Guardianship.objects.filter(pk=world.ward.pk).update(collection_stopped=True)


def grant(world: World) -> dict[str, object]:
    """Allow sharing with the recipient nobody has allowed yet."""
    return {"recipient": world.new_recipient.pk, "action": "grant"}


def permissions(world: World) -> int:
    return SharingPermission.objects.filter(withdrawn_at=None).count()


def ward_permissions(world: World) -> int:
    return SharingPermission.objects.filter(user_id=world.ward.teen_id, withdrawn_at=None).count()


def profiles(world: World) -> list[tuple[object, ...]]:
    return list(User.objects.order_by("pk").values_list("pk", "gender", "hobbies"))


def verified(world: World) -> bool:
    return bool(type(world.spare_email).objects.get(pk=world.spare_email.pk).verified)


def people(world: World) -> int:
    return User.objects.count()


def passkey_kept(world: World) -> bool:
    return bool(type(world.passkey).objects.filter(pk=world.passkey.pk).exists())


def passkey(world: World) -> dict[str, object]:
    return {"pk": world.passkey.pk}


def ward_kept(world: World) -> bool:
    return User.objects.filter(pk=world.ward.teen_id).exists()


def requests_of_the_waiting_teen(world: World) -> int:
    return world.waiting.requests.count()


def confirm(world: World) -> dict[str, object]:
    return {"confirm": "on"}


def all_groups(world: World) -> dict[str, object]:
    return {"all_groups": "on", "source": "settings"}


STAFF_OK = dict.fromkeys(STAFF_ROLES, OK)
STAFF_HAVE_TOTP = dict.fromkeys(STAFF_ROLES, to("mfa_deactivate_totp"))

# --- The site --------------------------------------------------------------------------------

#: Columns of ``row()``: anonymous, member, teen_waiting, teen, guardian, other_guardian,
#: support, officer, superuser.
SITE_ROWS = [
    # Site pages, the policy, cookie choices.
    public("home"),
    same("healthz", OK),
    same("set_language", to("home"), method="post", data=lambda w: {"language": "en", "next": "/"}),
    # Nobody has allowed Analytics: the beacon answers and records nothing (or keeps the
    # waiting teen in the cabin).
    public("beacon", NO_CONTENT, data=lambda w: {"route": "home"}),
    same("policy", OK),
    same("policy_history", OK),
    same("policy_version", OK, kwargs=lambda w: {"version": w.policy.version}),
    same("receipt_key", OK),
    # No update waits for agreement: back to where they came from.
    row("policy_agree", LOGIN, *[to("home")] * 8),
    same("consent:cookie_settings", OK),
    # The transparency report: public, from the cabin and past the policy gate too.
    same("transparency:report", OK),
    same("transparency:report_csv", OK),
    same("transparency:report_json", OK),
    same("consent:accept", to("home"), method="post", data=all_groups),
    same("consent:decline", to("home"), method="post", data=all_groups),
    # A theme needs Personalisation cookies, which nobody has allowed.
    same("consent:theme", FORBIDDEN, method="post", data=lambda w: {"theme": "dark"}),
    # Signing up and in: allauth, behind our age screen.
    public("account_signup", to("accounts:me"), anonymous=OK),
    public("account_login", to("accounts:me"), anonymous=OK),
    same("account_logout", OK, anonymous=to("home")),
    public("account_inactive"),
    members("account_reauthenticate"),
    members("account_email"),
    # Removing the member's second address: theirs to remove, nobody else's (allauth
    # answers everyone alike, and removes nothing of someone else's).
    members(
        "account_email",
        to("account_email"),
        method="post",
        data=lambda w: {"email": w.spare_email.email, "action_remove": ""},
        probe=lambda w: type(w.spare_email).objects.filter(pk=w.spare_email.pk).exists(),
        changes=only("member"),
    ),
    public("account_email_verification_sent"),
    members("account_change_password"),
    members("account_set_password", to("account_change_password")),
    public("account_reset_password"),
    # Steps of a login under way: nothing to do for someone who has not started one.
    public("account_confirm_login_code", to("accounts:me"), anonymous=LOGIN),
    # Links sent by email: the key in the URL is what lets one in.
    public("account_confirm_email", kwargs=lambda w: {"key": email_key(w)}),
    # Whoever holds the key confirms the address; only its owner stays logged in.
    public(
        "account_confirm_email",
        to("account_login"),
        member=to("accounts:me"),
        method="post",
        kwargs=lambda w: {"key": email_key(w)},
        probe=verified,
        changes=frozenset(ROLES) - {"teen_waiting"},
    ),
    public("account_reset_password_from_key_done"),
    public(
        "account_reset_password_from_key",
        to("account_reset_password_from_key"),
        kwargs=reset_kwargs,
    ),
    public("account_reset_password_done"),
    # Two-factor and sessions. Staff have an authenticator app (TOTP), the member a
    # passkey, the others nothing.
    members("mfa_index"),
    public("mfa_authenticate", to("accounts:me"), anonymous=LOGIN),
    members("mfa_reauthenticate", to("account_reauthenticate"), **STAFF_OK),
    # allauth asks every address to be verified first, and the member's second one is not.
    members("mfa_activate_totp", member=to("mfa_index"), **STAFF_HAVE_TOTP),
    members("mfa_deactivate_totp", NOT_FOUND, **STAFF_OK),
    members("mfa_view_recovery_codes", NOT_FOUND),
    members("mfa_generate_recovery_codes"),
    members("mfa_download_recovery_codes", NOT_FOUND),
    members("mfa_list_webauthn"),
    members("mfa_add_webauthn", member=to("mfa_index")),
    members("mfa_reauthenticate_webauthn", to("account_reauthenticate"), member=OK),
    # The member's passkey: theirs to rename and remove, nobody else's.
    members("mfa_edit_webauthn", NOT_FOUND, member=OK, kwargs=passkey),
    members("mfa_remove_webauthn", NOT_FOUND, member=OK, kwargs=passkey),
    members(
        "mfa_remove_webauthn",
        NOT_FOUND,
        member=to("mfa_list_webauthn"),
        method="post",
        kwargs=passkey,
        probe=passkey_kept,
        changes=only("member"),
    ),
    # Logging in with a passkey is a POST of the browser's answer; a GET has nothing to do.
    public("mfa_login_webauthn", to("accounts:me"), anonymous=LOGIN),
    members("usersessions_list"),
    # Ending one's other sessions ends one's own: the member's other session, nobody else's.
    members(
        "usersessions_list",
        to("usersessions_list"),
        method="post",
        probe=lambda w: UserSession.objects.filter(session_key="matrix-session").exists(),
        changes=only("member"),
    ),
    # My account: one's own data, whoever one is.
    members("accounts:me"),
    members("accounts:profile"),
    # A teen's optional fields wait for the guardian's switch.
    members(
        "accounts:profile",
        to("accounts:profile"),
        teen=FORBIDDEN,
        method="post",
        data=lambda w: {"gender": Gender.FEMALE, "hobbies": "chess"},
        probe=profiles,
        changes=ACTIVE - {"teen"},
    ),
    members("accounts:data"),
    members("accounts:data_json"),
    # Only one's own receipt: the member's record, asked for by everyone.
    members("accounts:receipt", NOT_FOUND, member=OK, kwargs=member_receipt),
    members("accounts:receipts_zip"),
    members("accounts:sharing"),
    # A teen's guardian decides about sharing.
    members(
        "accounts:sharing",
        to("accounts:sharing"),
        teen=FORBIDDEN,
        method="post",
        data=grant,
        probe=permissions,
        changes=ACTIVE - {"teen"},
    ),
    members("accounts:delete"),
    members(
        "accounts:delete",
        to("home"),
        method="post",
        data=confirm,
        probe=people,
        changes=ACTIVE,
    ),
    # The teen in the cabin, and what the waiting page offers.
    members("guardians:waiting", to("accounts:me"), teen_waiting=OK),
    members(
        "guardians:resend",
        NOT_FOUND,
        teen_waiting=to("guardians:waiting"),
        method="post",
        probe=requests_of_the_waiting_teen,
        changes=only("teen_waiting"),
    ),
    members(
        "guardians:change_email",
        NOT_FOUND,
        teen_waiting=to("guardians:waiting"),
        method="post",
        data=lambda w: {"guardian_email": "new-parent@example.net"},
        probe=requests_of_the_waiting_teen,
        changes=only("teen_waiting"),
    ),
    # The guardian's link (it asks ``guardian``): the invited guardian answers, nobody else.
    public(
        "guardians:consent",
        FORBIDDEN,
        anonymous=OK,
        guardian=OK,
        kwargs=lambda w: {"token": guardian_link(w)},
    ),
    public(
        "guardians:consent",
        FORBIDDEN,
        anonymous=OK,
        guardian=to("guardians:portal"),
        method="post",
        kwargs=lambda w: {"token": guardian_link(w)},
        data=lambda w: {"decision": "decline"},
        probe=waiting_requests,
        changes=only("guardian"),
    ),
    # The guardian's portal: ``guardian``'s ward, a 404 for everyone else.
    members("guardians:portal"),
    members("guardians:ward", NOT_FOUND, guardian=OK, kwargs=ward_pk),
    members("guardians:ward_download", NOT_FOUND, guardian=OK, kwargs=ward_pk),
    members("guardians:ward_receipt", NOT_FOUND, guardian=OK, kwargs=ward_receipt),
    # The ward's page, asking for another person's receipt (the member's): not found.
    members(
        "guardians:ward_receipt",
        NOT_FOUND,
        label="another person's receipt",
        kwargs=lambda w: {**ward_pk(w), "receipt_id": member_receipt(w)["receipt_id"]},
    ),
    members("guardians:ward_receipts_zip", NOT_FOUND, guardian=OK, kwargs=ward_pk),
    members("guardians:ward_delete", NOT_FOUND, guardian=OK, kwargs=ward_pk),
    members(
        "guardians:ward_switches",
        NOT_FOUND,
        guardian=to("guardians:ward"),
        method="post",
        kwargs=ward_pk,
        data=lambda w: {"allow_optional_fields": "on"},
        probe=ward_state,
        changes=only("guardian"),
    ),
    members(
        "guardians:ward_stop",
        NOT_FOUND,
        guardian=to("guardians:ward"),
        method="post",
        kwargs=ward_pk,
        probe=ward_state,
        changes=only("guardian"),
    ),
    members(
        "guardians:ward_resume",
        NOT_FOUND,
        guardian=to("guardians:ward"),
        method="post",
        kwargs=ward_pk,
        prepare=stop_collection,
        probe=ward_state,
        changes=only("guardian"),
    ),
    members(
        "guardians:ward_sharing",
        NOT_FOUND,
        guardian=to("guardians:ward"),
        method="post",
        kwargs=ward_pk,
        data=grant,
        probe=ward_permissions,
        changes=only("guardian"),
    ),
    members(
        "guardians:ward_delete",
        NOT_FOUND,
        guardian=to("guardians:portal"),
        method="post",
        kwargs=ward_pk,
        data=confirm,
        probe=ward_kept,
        changes=only("guardian"),
    ),
]

#: Patterns that no request reaches, each with the reason.
NOT_EXPOSED = {
    "account_signup (allauth.account.views)": (
        "allauth's own sign-up, at the same path as ours (accounts.views.signup), which "
        "comes first and hands over to it after the age screen"
    ),
}


# --- The admin ---------------------------------------------------------------------------------

#: What each staff role may do in each model's admin with the world's record of that
#: model (``World.objects``): v(iew), a(dd), c(hange), d(elete). Everyone else is sent
#: to the admin's login, the waiting teen to the cabin.
ADMIN_MODELS: dict[str, tuple[str, str, str]] = {
    #                               support officer superuser
    "auth.group":                   ("",    "",     "vacd"),
    "sites.site":                   ("",    "",     "vacd"),
    "account.emailaddress":         ("",    "",     "vacd"),
    "mfa.authenticator":            ("",    "",     "vacd"),
    "usersessions.usersession":     ("",    "",     "vacd"),
    "cookie_consent.cookie":        ("",    "vac",  "vacd"),
    "cookie_consent.cookiegroup":   ("",    "vc",   "vacd"),
    "consent.policyversion":        ("",    "vac",  "vacd"),  # a draft: deletable
    "consent.consentrecord":        ("",    "v",    "v"),     # evidence: read-only
    "consent.pageview":             ("",    "v",    "vd"),    # counts, pruned: deletable
    "consent.recipient":            ("",    "vac",  "vacd"),  # nobody has given permission
    "consent.sharingpermission":    ("",    "v",    "v"),
    "consent.disclosure":           ("",    "va",   "va"),    # never changed once recorded
    "accounts.user":                ("v",   "v",    "vac"),   # erased, never deleted
    "accounts.staffaccess":         ("",    "v",    "v"),
    "accounts.adminaction":         ("",    "v",    "v"),
    "accounts.erasurereceipt":      ("",    "v",    "v"),
    "accounts.agescreenchange":     ("",    "v",    "v"),
    "guardians.guardianship":       ("v",   "v",    "vacd"),
    "guardians.guardianrequest":    ("v",   "vc",   "vcd"),   # changed by its actions only
}  # fmt: skip

#: An empty change form is valid where every field is read-only: it is saved, unless the
#: record holds a person's data, whose page asks the staff member's reason first (the
#: matrix gives none): then the reason form shows instead, and nothing is saved.
EMPTY_CHANGE_SAVED: dict[str, Expect] = {}

NO = FORBIDDEN
CL = to("admin:changelist")  # placeholder: the model's list, after an action (or a refusal)
LIST = OK  # the role has no action on the model at all: the POST shows the list again


type ActionRow = tuple[tuple[Expect, Expect, Expect], frozenset[str]]


def act(support: Expect, officer: Expect, superuser: Expect, *runs_for: str) -> ActionRow:
    return (support, officer, superuser), frozenset(runs_for)


def published(world: World) -> bool:
    return PolicyVersion.objects.get(pk=world.draft.pk).published_at is not None


#: Every admin action, run on the world's record of its model: what Support, a privacy
#: officer and a superuser get, and whose POST runs it.
ADMIN_ACTIONS = {
    ("auth.group", "delete_selected"):                act(NO,   NO,   CL,   "superuser"),
    ("sites.site", "delete_selected"):                act(NO,   NO,   CL,   "superuser"),
    ("account.emailaddress", "delete_selected"):      act(NO,   NO,   CL,   "superuser"),
    ("account.emailaddress", "make_verified"):        act(NO,   NO,   CL,   "superuser"),
    ("mfa.authenticator", "delete_selected"):         act(NO,   NO,   CL,   "superuser"),
    ("usersessions.usersession", "delete_selected"):  act(NO,   NO,   CL,   "superuser"),
    ("cookie_consent.cookie", "delete_selected"):     act(NO,   LIST, CL,   "superuser"),
    ("cookie_consent.cookiegroup", "delete_selected"): act(NO,  LIST, CL,   "superuser"),
    ("consent.policyversion", "delete_selected"):     act(NO,   CL,   CL,   "superuser"),
    ("consent.policyversion", "publish"):             act(NO,   CL,   CL,   "officer", "superuser"),
    ("consent.consentrecord", "delete_selected"):     act(NO,   CL,   CL),
    ("consent.consentrecord", "export_csv"):          act(NO,   OK,   OK),
    ("consent.pageview", "delete_selected"):          act(NO,   LIST, CL,   "superuser"),
    ("consent.recipient", "delete_selected"):         act(NO,   LIST, CL,   "superuser"),
    ("consent.sharingpermission", "delete_selected"): act(NO,   LIST, LIST),
    ("consent.disclosure", "delete_selected"):        act(NO,   LIST, LIST),
    ("accounts.user", "delete_selected"):             act(LIST, CL,   CL),
    ("accounts.user", "erase"):                       act(LIST, CL,   CL,   "officer", "superuser"),
    ("accounts.staffaccess", "delete_selected"):      act(NO,   LIST, LIST),
    ("accounts.adminaction", "delete_selected"):      act(NO,   LIST, LIST),
    ("accounts.erasurereceipt", "delete_selected"):   act(NO,   LIST, LIST),
    ("accounts.agescreenchange", "delete_selected"):  act(NO,   LIST, LIST),
    ("guardians.guardianship", "delete_selected"):    act(LIST, LIST, CL,   "superuser"),
    ("guardians.guardianrequest", "delete_selected"): act(LIST, CL,   CL,   "superuser"),
    ("guardians.guardianrequest", "resend"):          act(LIST, CL,   CL,   "officer", "superuser"),
    ("guardians.guardianrequest", "expire"):          act(LIST, CL,   CL,   "officer", "superuser"),
}  # fmt: skip
#: What shows that an action ran, besides ``delete_selected`` (the record is gone).
ACTION_PROBES: dict[str, Probe] = {
    "make_verified": verified,
    "publish": published,
    "export_csv": lambda w: None,  # a download: nothing changes
    "erase": people,
    "resend": waiting_requests,
    "expire": waiting_requests,
}


def staff_only(key: str, staff: tuple[Expect, ...], /, **given: Any) -> Row:
    """An admin page: the admin's login for everyone who is not staff, the cabin for the
    waiting teen, and ``staff`` for Support, a privacy officer and a superuser."""
    expected = dict.fromkeys(ROLES, ADMIN_LOGIN) | {"teen_waiting": WAITING}
    expected |= dict(zip(STAFF_ROLES, staff, strict=True))
    expected |= {role: given.pop(role) for role in ROLES if role in given}
    return Row(key, expected, **given)


def admin_name(label: str, view: str) -> str:
    return f"admin:{label.replace('.', '_')}_{view}"


def may(letter: str, label: str, yes: Expect | tuple[Expect, ...]) -> tuple[Expect, ...]:
    """Per staff role: ``yes`` (one for all, or one each) where the role's letters for
    the model hold ``letter``, else 403."""
    each = yes if isinstance(yes, tuple) and isinstance(yes[0], Expect) else (yes,) * 3
    letters = ADMIN_MODELS[label]
    return tuple(e if letter in m else FORBIDDEN for e, m in zip(each, letters, strict=True))


def after_delete(label: str) -> tuple[Expect, ...]:
    """Where a deletion leads (Django's ``response_delete``): the list for whoever may
    change the model's records, else the admin's index."""
    return tuple(
        to(admin_name(label, "changelist")) if "c" in m else to("admin:index")
        for m in ADMIN_MODELS[label]
    )


def gone(label: str) -> Probe:
    """Whether the world's record of ``label`` is still there."""

    def probe(world: World) -> bool:
        obj = world.objects[label]
        return bool(type(obj)._default_manager.filter(pk=obj.pk).exists())

    return probe


def admin_model_rows(label: str) -> list[Row]:
    app_label, model = label.split(".")

    def record(world: World) -> dict[str, object]:
        return {"object_id": world.pk(label)}

    deleters = frozenset(
        r for r, m in zip(STAFF_ROLES, ADMIN_MODELS[label], strict=True) if "d" in m
    )
    return [
        staff_only(admin_name(label, "changelist"), may("v", label, OK)),
        staff_only(admin_name(label, "add"), may("a", label, OK)),
        # An empty form: refused before it is read, or shown again with its errors.
        staff_only(
            admin_name(label, "add"), may("a", label, OK), method="post", probe=count(label)
        ),
        staff_only(admin_name(label, "change"), may("v", label, OK), kwargs=record),
        staff_only(
            admin_name(label, "change"),
            may("c", label, EMPTY_CHANGE_SAVED.get(label, OK)),
            method="post",
            kwargs=record,
            probe=count(label),
        ),
        staff_only(admin_name(label, "history"), may("v", label, OK), kwargs=record),
        staff_only(admin_name(label, "delete"), may("d", label, OK), kwargs=record),
        staff_only(
            admin_name(label, "delete"),
            may("d", label, after_delete(label)),
            method="post",
            kwargs=record,
            data=lambda w: {"post": "yes"},
            probe=gone(label),
            changes=deleters,
        ),
        # The record's bare URL forwards staff to its change page.
        staff_only(
            f"admin/{app_label}/{model}/<path:object_id>/",
            (to(admin_name(label, "change")),) * 3,
            url=lambda w: f"/admin/{app_label}/{model}/{w.pk(label)}/",
        ),
    ]


def count(label: str) -> Probe:
    def probe(world: World) -> int:
        return int(type(world.objects[label])._default_manager.count())

    return probe


def admin_action_row(label: str, action: str) -> Row:
    staff, runs_for = ADMIN_ACTIONS[label, action]
    return staff_only(
        admin_name(label, "changelist"),
        tuple(to(admin_name(label, "changelist")) if e is CL else e for e in staff),
        method="post",
        label=f"action={action}",
        data=lambda w: {
            "action": action,
            "_selected_action": [w.pk(label)],
            "post": "yes",  # Django's confirmation of a deletion
            "confirmed": "yes",  # ours, of an erasure
        },
        probe=ACTION_PROBES.get(action) or gone(label),
        changes=runs_for,
    )


def app_index_row(app_label: str) -> Row:
    """An app's index: there for a staff member who may see one of its models."""
    models = [m for label, m in ADMIN_MODELS.items() if label.startswith(f"{app_label}.")]
    staff = tuple(OK if any(m[i] for m in models) else NOT_FOUND for i in range(3))
    return staff_only(
        "admin:app_list", staff, label=app_label, kwargs=lambda w: {"app_label": app_label}
    )


ALL_STAFF = (OK, OK, OK)
NOT_STAFF_TO_INDEX = dict.fromkeys(
    ("anonymous", "member", "teen", "guardian", "other_guardian"), to("admin:index")
)

ADMIN_ROWS = [
    staff_only("admin:index", ALL_STAFF),
    # allauth's login comes first; logged in but not staff is a 403.
    public(
        "admin:login",
        FORBIDDEN,
        anonymous=to("account_login"),
        **dict.fromkeys(STAFF_ROLES, to("admin:index")),
    ),
    staff_only("admin:logout", ALL_STAFF, method="post", **NOT_STAFF_TO_INDEX),
    staff_only("admin:password_change", ALL_STAFF),
    staff_only("admin:password_change_done", ALL_STAFF),
    # Asked without saying which field: refused.
    staff_only("admin:autocomplete", (FORBIDDEN,) * 3),
    staff_only("admin:jsi18n", ALL_STAFF),
    staff_only(
        "admin:view_on_site",
        (to("policy_version"),) * 3,
        kwargs=lambda w: {
            "content_type_id": ContentType.objects.get_for_model(PolicyVersion).pk,
            "object_id": w.policy.pk,
        },
    ),
    staff_only(
        "admin:auth_user_password_change",
        may("c", "accounts.user", OK),
        kwargs=lambda w: {"id": w.member.pk},
    ),
    staff_only("admin/(?P<url>.*)$", (NOT_FOUND,) * 3, url=lambda w: "/admin/no-such-page/"),
    *[app_index_row(app) for app in sorted({label.split(".")[0] for label in ADMIN_MODELS})],
    *[r for label in ADMIN_MODELS for r in admin_model_rows(label)],
    *[admin_action_row(label, action) for label, action in ADMIN_ACTIONS],
]

ROWS = SITE_ROWS + ADMIN_ROWS


# --- The tests ---------------------------------------------------------------------------------


def admin_actions(location: ActionLocation) -> set[tuple[str, str]]:
    """Every action of every model admin offered at ``location``, the site-wide ones too."""
    return {
        (model._meta.label_lower, action.name)
        for model, model_admin in admin.site._registry.items()
        for action in model_admin._get_base_actions(location)  # type: ignore[attr-defined]
    }


def rowless() -> tuple[list[str], list[str]]:
    """The URL patterns without a row, and the rows (or reasons) whose pattern is gone."""
    patterns = {key for key, _pattern in url_patterns()}
    covered = {r.key for r in ROWS} | set(NOT_EXPOSED)
    return sorted(patterns - covered), sorted(covered - patterns)


def test_every_url_pattern_has_a_row():
    missing, gone = rowless()
    assert missing == [], "URL patterns without a row"
    assert gone == [], "rows for URL patterns that are gone"


def test_a_new_url_pattern_without_a_row_is_named():
    site = import_module(settings.ROOT_URLCONF)
    new = path("new/<int:pk>/", site.views.home, name="new_page")
    without_policy = [p for p in site.urlpatterns if getattr(p, "name", "") != "policy"]
    changed = ModuleType("changed_urls")
    changed.urlpatterns = [*without_policy, new]  # type: ignore[attr-defined]
    with override_settings(ROOT_URLCONF=changed):
        assert rowless() == (["new_page"], ["policy"])


def test_every_admin_model_and_action_has_a_row():
    models = {model._meta.label_lower for model in admin.site._registry}
    assert sorted(models ^ set(ADMIN_MODELS)) == [], "admin models missing, or gone"
    actions = admin_actions(ActionLocation.CHANGE_LIST)
    assert sorted(actions ^ set(ADMIN_ACTIONS)) == [], "admin actions missing, or gone"
    # An action offered on a change form would need rows of its own: there are none.
    assert admin_actions(ActionLocation.CHANGE_FORM) == set()


def test_the_sign_up_of_allauth_that_ours_shadows_is_never_reached():
    assert resolve(reverse("account_signup")).func.__module__ == "accounts.views"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_each_url_answers_each_role_as_the_matrix_says(client, caplog, role):
    # Hundreds of refusals are expected: Django's warning (and traceback) for each one
    # would take a good part of the time. Errors are still logged.
    caplog.set_level(logging.ERROR, logger="django.request")
    world = build_world()
    log_in(client, role, world)
    wrong = [problem for r in ROWS for problem in ask(client, r, role, world)]
    if wrong:
        pytest.fail(f"{len(wrong)} wrong cells:\n" + "\n".join(wrong), pytrace=False)
