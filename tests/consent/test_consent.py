"""SPEC section 5: the banner, no tracking before consent, records, GPC, re-asking."""

import datetime
import re
import uuid
from http import HTTPStatus

import pytest
from cookie_consent.models import Cookie, CookieGroup
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consent.cookies import PREFS_COOKIE, VISITOR_COOKIE
from consent.models import AccountCookieChoice, ConsentRecord, PageView
from consent.privacy import subject_hash
from tests.factories import PASSWORD, UserFactory

BANNER = 'aria-label="Cookie consent"'
BEACON = "data-beacon"


def html(response):
    return response.content.decode()


def banner_groups(page):
    section = page[page.index(BANNER) : page.index("</section>", page.index(BANNER))]
    return sorted(set(re.findall(r'name="cookie_groups" value="(\w+)"', section)))


@pytest.mark.django_db
class TestBanner:
    @pytest.mark.parametrize("path", ["/", "/privacy/", "/privacy/history/", "/accounts/login/"])
    def test_every_page_shows_the_banner_until_a_choice(self, client, path):
        page = html(client.get(path))
        assert BANNER in page
        assert '<button type="submit" class="cookie-banner__button">Accept all</button>' in page
        assert '<button type="submit" class="cookie-banner__button">Reject all</button>' in page
        assert 'href="/cookies/">Cookie settings</a>' in page
        assert page.count('name="csrfmiddlewaretoken"') >= 2

    def test_the_banner_works_as_plain_forms(self, client):
        page = html(client.get("/privacy/"))
        forms = re.findall(r'<form method="post" action="(/cookies/(?:accept|decline)/)"', page)
        assert forms == ["/cookies/accept/", "/cookies/decline/"]
        assert '<input type="hidden" name="next" value="/privacy/">' in page

    def test_accept_all_returns_to_the_page_and_hides_the_banner(self, client, choose):
        response = choose("accept", next_url="/privacy/")
        assert response.status_code == HTTPStatus.FOUND
        # At the main content, which takes the focus: the keyboard carries on from the page.
        assert response["Location"] == "/privacy/#main"
        page = html(client.get("/privacy/"))
        assert BANNER not in page
        assert BEACON in page

    def test_reject_all_hides_the_banner_and_keeps_the_beacon_out(self, client, choose):
        choose("decline")
        page = html(client.get("/"))
        assert BANNER not in page
        assert BEACON not in page

    def test_a_new_cookie_in_a_group_asks_again_for_that_group_only(self, client, choose):
        choose("accept")
        group = CookieGroup.objects.get(varname="analytics")
        Cookie.objects.create(cookiegroup=group, name="tomato_ab", description="A/B test")
        page = html(client.get("/"))
        assert BANNER in page
        assert banner_groups(page) == ["analytics"]
        assert BEACON not in page
        cookies = html(client.get("/cookies/"))
        assert cookies.count("<strong>Accepted</strong>") == 1
        assert cookies.count("<strong>Not decided</strong>") == 1


@pytest.mark.django_db
class TestNoTrackingWithoutConsent:
    def test_before_a_choice_nothing_optional_is_set(self, client):
        response = client.get("/")
        assert PREFS_COOKIE not in response.cookies
        assert VISITOR_COOKIE not in response.cookies
        assert BEACON not in html(response)
        assert client.get(reverse("beacon"), {"route": "home"}).status_code == HTTPStatus.NO_CONTENT
        assert not PageView.objects.exists()
        assert VISITOR_COOKIE not in client.cookies

    def test_after_reject_all_the_beacon_records_nothing(self, client, choose):
        response = choose("decline")
        assert (
            VISITOR_COOKIE not in response.cookies
            or response.cookies[VISITOR_COOKIE]["max-age"] == 0
        )
        client.get(reverse("beacon"), {"route": "home"})
        assert not PageView.objects.exists()

    def test_after_accept_all_page_views_are_recorded(self, client, choose):
        choose("accept")
        response = client.get(reverse("beacon"), {"route": "policy"})
        assert response.status_code == HTTPStatus.NO_CONTENT
        visitor = response.cookies[VISITOR_COOKIE].value
        assert re.fullmatch(r"[0-9a-f]{32}", visitor)
        client.get(reverse("beacon"), {"route": "home"})
        assert list(PageView.objects.order_by("created_at").values_list("route", "visitor")) == [
            ("policy", visitor),
            ("home", visitor),
        ]

    @pytest.mark.parametrize(
        "route",
        ["", "/", "/privacy/", "http://evil.example/", "no_such_page", "a?email=x@y", "a" * 300],
    )
    def test_the_beacon_refuses_anything_but_the_name_of_a_page(self, client, choose, route):
        choose("accept")
        response = client.get(reverse("beacon"), {"route": route})
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert not PageView.objects.exists()

    def test_declining_an_accepted_group_deletes_its_cookies_in_the_same_response(
        self, client, choose
    ):
        choose("accept")
        client.get(reverse("beacon"), {"route": "home"})
        assert VISITOR_COOKIE in client.cookies
        response = choose("decline", groups=["analytics"])
        deletion = response.cookies[VISITOR_COOKIE]
        assert deletion.value == ""
        assert deletion["max-age"] == 0
        # With the flags it was set with (a scanner flags a deletion without them).
        assert deletion["httponly"]
        assert deletion["samesite"] == "Lax"

    def test_in_production_a_deletion_is_secure_like_the_cookie(self, client, choose, settings):
        settings.SESSION_COOKIE_SECURE = True
        choose("accept")
        client.get(reverse("beacon"), {"route": "home"})
        response = choose("decline", groups=["analytics"])
        assert response.cookies[VISITOR_COOKIE]["secure"]

    def test_with_a_cookie_domain_both_copies_are_deleted(self, client, choose, settings):
        settings.CONSENT_COOKIE_DOMAIN = ".tomato.example"
        choose("accept")
        response = choose("decline", groups=["preferences"])
        headers = [morsel.OutputString() for morsel in response.cookies.values()]
        deletions = [h for h in headers if h.startswith(f"{PREFS_COOKIE}=")]
        assert len(deletions) == 2
        assert any("Domain=.tomato.example" in h for h in deletions)
        assert any("Domain" not in h for h in deletions)
        assert all("Max-Age=0" in h for h in deletions)

    def test_cookies_of_declined_groups_are_cleaned_on_any_page(self, client, choose):
        choose("decline")
        client.cookies[VISITOR_COOKIE] = "0" * 32
        response = client.get("/")
        assert response.cookies[VISITOR_COOKIE]["max-age"] == 0


@pytest.mark.django_db
class TestRecords:
    def test_every_choice_writes_a_full_record(self, client, choose):
        choose("accept", groups=["preferences"], source="settings", HTTP_USER_AGENT="Firefox/140")
        choose("decline", groups=["analytics"])
        records = list(ConsentRecord.objects.order_by("pk"))
        assert [(r.group, r.action, r.source) for r in records] == [
            ("preferences", "accept", "settings"),
            ("analytics", "decline", "banner"),
        ]
        first = records[0]
        assert first.subject_type == "visitor"
        assert re.fullmatch(r"[0-9a-f]{32}", first.subject)
        assert records[1].subject == first.subject
        assert first.policy_version == "1.0"
        assert first.group_version == CookieGroup.objects.get(varname="preferences").get_version()
        assert first.ip_network == "127.0.0.0/24"
        assert first.user_agent == "Firefox/140"
        assert first.user is None

    def test_ipv6_addresses_are_cut_to_48_bits(self, client, choose):
        choose("accept", REMOTE_ADDR="2001:db8:abcd:12::1")
        assert ConsentRecord.objects.first().ip_network == "2001:db8:abcd::/48"

    def test_a_members_record_names_the_member_and_the_keyed_hash(self, client, member, choose):
        client.force_login(member)
        choose("accept", groups=["analytics"])
        record = ConsentRecord.objects.get(group="analytics")
        assert record.user == member
        assert (record.subject_type, record.subject) == ("member", subject_hash(member.pk))

    def test_members_see_their_consent_history(self, client, member, choose):
        client.force_login(member)
        choose("decline", groups=["analytics"])
        page = html(client.get(reverse("accounts:data")))
        assert ">Consent history</h2>" in page
        assert "analytics" in page
        data = client.get(reverse("accounts:data_json")).json()["data"]
        assert data["consent.consentrecord"]["items"][0]["Action"] == "Declined"

    def test_prune_deletes_only_old_anonymous_records_and_page_views(self, member):
        old = timezone.now() - datetime.timedelta(days=400)
        keep_member = ConsentRecord.objects.create(
            user=member, subject_type="member", subject="m", group="analytics",
            action="accept", source="settings", created_at=old,
        )  # fmt: skip
        ConsentRecord.objects.create(
            subject_type="visitor", subject="v", group="analytics", action="accept",
            source="banner", created_at=old,
        )  # fmt: skip
        recent = ConsentRecord.objects.create(
            subject_type="visitor", subject="w", group="analytics", action="accept", source="banner"
        )
        PageView.objects.create(visitor="v", route="home", created_at=old)
        call_command("prune_consent_records", "--days", "395")
        assert set(ConsentRecord.objects.values_list("pk", flat=True)) == {
            keep_member.pk,
            recent.pk,
        }
        assert not PageView.objects.exists()
        call_command("prune_consent_records", "--days", "395")  # safe to run twice
        assert ConsentRecord.objects.count() == 2


@pytest.mark.django_db
class TestGlobalPrivacyControl:
    def test_gpc_declines_analytics_before_rendering_and_says_so(self, client):
        response = client.get("/", HTTP_SEC_GPC="1")
        page = html(response)
        assert "Global Privacy Control is on" in page
        assert BEACON not in page
        assert "analytics=-1" in response.cookies["cookie_consent"].value
        assert banner_groups(page) == ["preferences"]

    def test_gpc_is_recorded_when_the_visitor_comes_back_with_the_cookie(self, client):
        first = client.get("/", HTTP_SEC_GPC="1")
        assert not ConsentRecord.objects.exists()
        client.get("/privacy/", HTTP_SEC_GPC="1")
        record = ConsentRecord.objects.get()
        assert (record.group, record.action, record.source) == ("analytics", "decline", "gpc")
        visitor = dict(
            item.split("=") for item in first.cookies["cookie_consent"].value.split("|")
        )["id"]
        assert record.subject == visitor.split(".")[0]

    def test_gpc_is_recorded_once(self, client):
        for path in ("/", "/privacy/", "/", "/cookies/"):
            client.get(path, HTTP_SEC_GPC="1")
        assert ConsentRecord.objects.count() == 1

    def test_a_client_that_keeps_no_cookies_creates_no_records(self, db):
        for _ in range(100):
            response = Client().get("/", HTTP_SEC_GPC="1")
            assert "Global Privacy Control is on" in html(response)
        assert not ConsentRecord.objects.exists()

    def test_a_made_up_visitor_id_is_not_a_returning_visitor(self, db):
        for _ in range(100):
            forged = Client()
            forged.cookies["cookie_consent"] = f"id={uuid.uuid4().hex}|gpc=1|analytics=-1"
            forged.get("/", HTTP_SEC_GPC="1")
        assert not ConsentRecord.objects.exists()

    def test_replaying_the_cookie_records_the_decline_only_once(self, client):
        client.get("/", HTTP_SEC_GPC="1")
        pending = client.cookies["cookie_consent"].value
        for _ in range(20):
            client.cookies["cookie_consent"] = pending
            client.get("/privacy/", HTTP_SEC_GPC="1")
        assert ConsentRecord.objects.count() == 1

    def test_a_later_explicit_acceptance_is_honoured_and_recorded(self, client, choose):
        client.get("/", HTTP_SEC_GPC="1")
        choose("accept", groups=["analytics"], source="settings", HTTP_SEC_GPC="1")
        page = html(client.get("/", HTTP_SEC_GPC="1"))
        assert BEACON in page
        assert list(ConsentRecord.objects.order_by("pk").values_list("action", "source")) == [
            ("decline", "gpc"),
            ("accept", "settings"),
        ]


@pytest.mark.django_db
class TestChoicesFollowTheMember:
    def test_a_members_choice_is_stored_on_the_account(self, client, member, choose):
        client.force_login(member)
        choose("accept", groups=["preferences"])
        choose("decline", groups=["analytics"])
        stored = dict(
            AccountCookieChoice.objects.filter(user=member).values_list("group", "accepted")
        )
        assert stored == {"preferences": True, "analytics": False}

    def test_the_choice_is_applied_at_log_in_on_another_device(self, client, member, choose):
        client.force_login(member)
        choose("accept")
        other = Client()
        response = other.post(
            reverse("account_login"), {"login": member.username, "password": PASSWORD}
        )
        assert response.status_code == HTTPStatus.FOUND
        page = html(other.get("/"))
        assert BANNER not in page
        assert BEACON in page
        applied = ConsentRecord.objects.filter(source="account", user=member)
        assert sorted(applied.values_list("group", flat=True)) == ["analytics", "preferences"]

    def test_a_later_choice_on_a_device_updates_the_account(self, client, member, choose):
        client.force_login(member)
        choose("accept")
        choose("decline", groups=["analytics"], source="settings")
        assert not AccountCookieChoice.objects.get(user=member, group="analytics").accepted

    def test_anonymous_choices_are_kept_on_the_account_at_log_in(self, client, choose):
        user = UserFactory()
        choose("decline")
        client.post(reverse("account_login"), {"login": user.username, "password": PASSWORD})
        client.get("/")
        assert AccountCookieChoice.objects.filter(user=user, accepted=False).count() == 2


@pytest.mark.django_db
class TestPersonalisation:
    def test_the_theme_switch_needs_consent(self, client):
        page = html(client.get("/"))
        assert "The light/dark theme switch needs Personalisation cookies." in page
        response = client.post(reverse("consent:theme"), {"theme": "dark", "next": "/"})
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert PREFS_COOKIE not in response.cookies
        assert 'href="/cookies/"' in html(response)

    def test_with_consent_the_theme_is_kept(self, client, choose):
        choose("accept", groups=["preferences"])
        response = client.post(reverse("consent:theme"), {"theme": "dark", "next": "/privacy/"})
        assert response["Location"] == "/privacy/"
        assert PREFS_COOKIE in response.cookies
        assert '<body class="theme-dark">' in html(client.get("/"))

    def test_an_unknown_theme_is_refused(self, client, choose):
        choose("accept", groups=["preferences"])
        response = client.post(reverse("consent:theme"), {"theme": "neon"})
        assert response.status_code == HTTPStatus.BAD_REQUEST

    def test_remember_my_email_needs_consent(self, client):
        page = html(client.get(reverse("account_login")))
        assert "Remember my email on this device" in page
        assert re.search(r'<input type="checkbox" name="remember_email"[^>]*disabled', page)
        assert "This needs Personalisation cookies." in page

    def test_remember_my_email_fills_the_login_form_next_time(self, client, member, choose):
        choose("accept", groups=["preferences"])
        client.post(
            reverse("account_login"),
            {"login": member.username, "password": PASSWORD, "remember_email": "on"},
        )
        client.post(reverse("account_logout"))
        page = html(client.get(reverse("account_login")))
        assert f'value="{member.email}"' in page

    def test_declining_personalisation_forgets_the_theme(self, client, choose):
        choose("accept", groups=["preferences"])
        client.post(reverse("consent:theme"), {"theme": "dark"})
        response = choose("decline", groups=["preferences"])
        assert response.cookies[PREFS_COOKIE]["max-age"] == 0
        assert '<body class="theme-light">' in html(client.get("/"))


@pytest.mark.django_db
class TestBadInput:
    def test_an_unknown_group_is_refused_and_nothing_changes(self, client, choose):
        response = choose("accept", groups=["marketing"])
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "There is no cookie group called marketing" in html(response)
        assert "cookie_consent" not in response.cookies
        assert not ConsentRecord.objects.exists()

    def test_no_group_at_all_is_refused(self, client):
        response = client.post(reverse("consent:accept"), {"source": "banner"})
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert not ConsentRecord.objects.exists()

    def test_choices_need_a_post(self, client):
        assert client.get(reverse("consent:accept")).status_code == HTTPStatus.METHOD_NOT_ALLOWED

    def test_a_forged_post_without_csrf_is_refused(self):
        forger = Client(enforce_csrf_checks=True)
        response = forger.post(reverse("consent:accept"), {"all_groups": "on"})
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert not ConsentRecord.objects.exists()

    def test_a_tampered_consent_cookie_counts_as_no_choice(self, client):
        client.cookies["cookie_consent"] = "id=zzz|analytics=yes-please|preferences=1;drop table"
        response = client.get("/")
        page = html(response)
        assert BANNER in page
        assert BEACON not in page
        assert "analytics" not in response.cookies["cookie_consent"].value
        assert not ConsentRecord.objects.exists()

    def test_next_cannot_leave_the_site(self, choose):
        response = choose("accept", next_url="https://evil.example/")
        assert response["Location"] == "/#main"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/privacy/", "/cookies/"])
def test_a_visitor_who_has_chosen_costs_at_most_one_query(
    client, choose, django_assert_max_num_queries, path
):
    choose("accept")
    client.get(path)  # warm the caches
    with django_assert_max_num_queries(1):
        assert client.get(path).status_code == HTTPStatus.OK


def forced_off(request):
    return {"analytics"}


@pytest.mark.django_db
class TestForcedOff:
    def test_a_group_forced_off_cannot_be_accepted(self, client, choose, settings):
        settings.CONSENT_FORCED_OFF = "tests.consent.test_consent.forced_off"
        choose("accept")
        assert list(ConsentRecord.objects.values_list("group", flat=True)) == ["preferences"]
        page = html(client.get("/"))
        assert BEACON not in page
        assert BANNER not in page
        assert "Off for your account" in html(client.get("/cookies/"))


@pytest.mark.django_db
def test_consent_records_are_read_only_in_the_admin_and_export_as_csv(client, choose):
    from tests.factories import StaffFactory

    choose("accept")
    client.force_login(StaffFactory(is_superuser=True))
    changelist = reverse("admin:consent_consentrecord_changelist")
    assert client.get(changelist, {"group": "analytics", "source": "banner"}).status_code == 200
    record = ConsentRecord.objects.first()
    change = client.post(
        reverse("admin:consent_consentrecord_change", args=[record.pk]), {"group": "x"}
    )
    assert change.status_code == HTTPStatus.FORBIDDEN
    assert client.get(reverse("admin:consent_consentrecord_add")).status_code == 403
    response = client.post(
        changelist,
        {"action": "export_csv", "_selected_action": [r.pk for r in ConsentRecord.objects.all()]},
    )
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    lines = body.strip().splitlines()
    assert lines[0].startswith("created_at,subject_type,subject,group,action")
    assert len(lines) == 3
    assert not ConsentRecord.objects.filter(group="x").exists()
