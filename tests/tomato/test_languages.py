"""Choosing a language: Accept-Language on a first visit, the footer's switcher (a POST
form, no JavaScript), a member's choice kept on the account and applied on any device,
and emails in the recipient's language."""

import re
from http import HTTPStatus

import pytest
from cookie_consent.models import Cookie, CookieGroup
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from guardians.models import Guardianship
from tests.factories import PASSWORD, UserFactory, years_ago

HAN = re.compile(r"[\u4e00-\u9fff]")
SETLANG = "/i18n/setlang/"
SIGNUP = "/accounts/signup/"


def html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.content.decode())
    assert match, response.content.decode()[:300]
    return match.group(1)


def chinese(text: str) -> bool:
    """Whether a text is written in Chinese: our English texts have no Han character."""
    return HAN.search(text) is not None


@pytest.mark.django_db
class TestChoosingALanguage:
    def test_a_first_visit_follows_accept_language(self, client):
        response = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5")
        assert html_lang(response) == "zh-hans"
        assert response["Content-Language"] == "zh-hans"
        assert html_lang(client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB")) == "en"
        assert html_lang(client.get("/", HTTP_ACCEPT_LANGUAGE="fr-FR")) == "en"

    def test_the_footer_switcher_is_a_post_form_for_each_language(self, client):
        page = client.get("/privacy/").content.decode()
        form = re.search(
            r'<form class="language-switch" method="post" action="([^"]+)">(.*?)</form>', page, re.S
        )
        assert form, page
        assert form.group(1) == SETLANG
        assert 'name="csrfmiddlewaretoken"' in form.group(2)
        assert '<input type="hidden" name="next" value="/privacy/">' in form.group(2)
        buttons = re.findall(
            r'<button type="submit" name="language" value="([^"]+)"'
            r'[^>]*lang="([^"]+)"[^>]*>([^<]+)</button>',
            form.group(2),
        )
        assert buttons == [("en", "en", "English"), ("zh-hans", "zh-hans", "简体中文")]

    def test_choosing_sets_the_language_cookie_and_returns_to_the_page(self, client):
        response = client.post(SETLANG, {"language": "zh-hans", "next": "/privacy/"})
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"] == "/privacy/"
        cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
        assert cookie.value == "zh-hans"
        assert cookie["httponly"]
        assert cookie["samesite"] == "Lax"
        assert html_lang(client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="en")) == "zh-hans"

    def test_a_choice_elsewhere_than_this_site_is_refused(self, client):
        response = client.post(SETLANG, {"language": "zh-hans", "next": "https://evil.example/"})
        assert response["Location"] == "/"
        assert client.get(SETLANG).status_code == HTTPStatus.METHOD_NOT_ALLOWED

    def test_an_unknown_language_changes_nothing(self, client, member):
        client.force_login(member)
        client.post(SETLANG, {"language": "xx", "next": "/"})
        member.refresh_from_db()
        assert member.language == ""
        assert html_lang(client.get("/")) == "en"

    def test_the_switcher_needs_the_csrf_token(self):
        client = Client(enforce_csrf_checks=True)
        response = client.post(SETLANG, {"language": "zh-hans"})
        assert response.status_code == HTTPStatus.FORBIDDEN

    def test_the_language_cookie_is_strictly_necessary_and_listed(self, client):
        cookie = Cookie.objects.get(name=settings.LANGUAGE_COOKIE_NAME)
        assert cookie.cookiegroup == CookieGroup.objects.get(varname="necessary")
        page = client.get("/cookies/").content.decode()
        assert f"<code>{settings.LANGUAGE_COOKIE_NAME}</code>" in page
        assert "Remembers the language you chose for this site." in page


@pytest.mark.django_db
class TestAMembersLanguage:
    def test_a_members_choice_is_kept_on_the_account_and_follows_them(self, client, member):
        client.force_login(member)
        client.post(SETLANG, {"language": "zh-hans", "next": "/me/"})
        member.refresh_from_db()
        assert member.language == "zh-hans"
        # Another device, whose browser asks for English: the account's choice wins.
        other = Client(HTTP_ACCEPT_LANGUAGE="en")
        assert html_lang(other.get("/")) == "en"
        other.force_login(member)
        assert html_lang(other.get("/me/")) == "zh-hans"

    def test_logging_in_sets_the_devices_language_cookie(self, client):
        member = UserFactory(language="zh-hans")
        response = client.post(
            reverse("account_login"), {"login": member.username, "password": PASSWORD}
        )
        assert response.status_code == HTTPStatus.FOUND
        assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
        client.post(reverse("account_logout"))
        assert html_lang(client.get("/", HTTP_ACCEPT_LANGUAGE="en")) == "zh-hans"

    def test_an_account_keeps_the_language_it_was_signed_up_in(
        self, client, django_capture_on_commit_callbacks
    ):
        client.post(
            SIGNUP, {"date_of_birth": years_ago(30).isoformat()}, HTTP_ACCEPT_LANGUAGE="zh-CN"
        )
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                SIGNUP,
                {
                    "username": "mei",
                    "email": "mei@example.com",
                    "password1": "a-long-password-1",
                    "password2": "a-long-password-1",
                    "agree": "on",
                },
                HTTP_ACCEPT_LANGUAGE="zh-CN",
            )
        assert User.objects.get(username="mei").language == "zh-hans"

    def test_allauths_emails_go_out_in_the_members_language(self, client, mailoutbox):
        UserFactory(email="mei@example.com", language="zh-hans")
        client.post(
            reverse("account_reset_password"),
            {"email": "mei@example.com"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert len(mailoutbox) == 1
        assert chinese(mailoutbox[0].subject), mailoutbox[0].subject
        assert chinese(mailoutbox[0].body), mailoutbox[0].body


def teen_signs_up(client, language: str) -> User:
    client.post(SIGNUP, {"date_of_birth": years_ago(14).isoformat()}, HTTP_ACCEPT_LANGUAGE=language)
    client.post(
        SIGNUP,
        {
            "username": "kit",
            "email": "kit@example.com",
            "password1": "a-long-password-1",
            "password2": "a-long-password-1",
            "guardian_email": "mum@example.net",
            "agree": "on",
        },
        HTTP_ACCEPT_LANGUAGE=language,
    )
    return User.objects.get(username="kit")


@pytest.mark.django_db
class TestAGuardiansLanguage:
    def test_the_guardian_is_written_to_in_the_language_of_the_teens_sign_up(
        self, client, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            teen = teen_signs_up(client, "zh-CN")
        guardianship = Guardianship.objects.get(teen=teen)
        assert guardianship.language == "zh-hans"
        to_guardian = next(m for m in mailoutbox if m.to == ["mum@example.net"])
        assert chinese(to_guardian.subject), to_guardian.subject
        assert chinese(to_guardian.body), to_guardian.body

    def test_an_english_sign_up_writes_to_the_guardian_in_english(
        self, client, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            teen_signs_up(client, "en")
        to_guardian = next(m for m in mailoutbox if m.to == ["mum@example.net"])
        assert not HAN.search(to_guardian.subject + to_guardian.body)

    def test_once_the_guardian_has_chosen_their_own_language_wins(self, db):
        teen = UserFactory(date_of_birth=years_ago(14), language="zh-hans")
        guardian = UserFactory(language="en")
        guardianship = Guardianship.objects.create(
            teen=teen, guardian_email=guardian.email, language="zh-hans"
        )
        assert guardianship.guardian_language == "zh-hans"
        guardianship.guardian = guardian
        assert guardianship.guardian_language == "en"
        guardian.language = ""
        assert guardianship.guardian_language == "zh-hans"


def test_every_cookie_group_and_cookie_reads_in_chinese(db):
    """The names and descriptions the migrations store in English have a Chinese text."""
    texts = [
        text for group in CookieGroup.objects.all() for text in (group.name, group.description)
    ] + [cookie.description for cookie in Cookie.objects.all()]
    with translation.override("zh-hans"):
        untranslated = [text for text in texts if not chinese(translation.gettext(text))]
    assert untranslated == []
