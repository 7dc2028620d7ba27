"""The policy in both languages is one version: version 1.0 in Chinese, acceptances that
say which language was shown, publishing that asks for both texts, and the history and
"what changed" in both languages."""

import html
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse

from consent.models import TEXT_FIELDS, PolicyAcceptance, PolicyVersion
from tests.factories import PolicyVersionFactory, staff_in

POLICY_DIR = Path(settings.BASE_DIR) / "consent" / "policy"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}


def test_every_language_of_the_site_has_its_text_fields():
    assert set(TEXT_FIELDS) == {code for code, _name in settings.LANGUAGES}


@pytest.mark.django_db
class TestVersionOneInChinese:
    def test_version_1_0_holds_the_chinese_text(self):
        version = PolicyVersion.objects.get(version="1.0")
        chinese = (POLICY_DIR / "privacy-policy-v1.zh-hans.md").read_text(encoding="utf-8")
        assert version.body_zh_hans == chinese
        assert version.text_in("zh-hans") == chinese
        assert version.text_in("en") == version.body
        assert version.summary_in("zh-hans") == "Tomato 隐私政策的第一版。"
        assert version.missing_texts() == []

    def test_the_policy_page_shows_the_text_in_the_language_of_the_page(self, client):
        zh = html.unescape(client.get("/privacy/", **ZH).content.decode())
        en = html.unescape(client.get("/privacy/").content.decode())
        assert "<h2>个人信息的收集</h2>" in zh, zh
        assert "Collection of personal information" not in zh
        assert "<h2>Collection of personal information</h2>" in en
        assert "个人信息的收集" not in en

    def test_an_acceptance_in_chinese_is_of_the_same_version_and_says_so(self, client, member):
        update = PolicyVersionFactory(version="2.0", is_material=True)
        client.force_login(member)
        client.get("/privacy/agree/", **ZH)
        client.post("/privacy/agree/", {"next": "/me/"}, **ZH)
        acceptance = PolicyAcceptance.objects.get(user=member, policy_version=update)
        assert acceptance.language == "zh-hans"

    def test_an_acceptance_in_english_says_english(self, client, member):
        update = PolicyVersionFactory(version="2.0", is_material=True)
        client.force_login(member)
        client.post("/privacy/agree/", {"next": "/me/"}, HTTP_ACCEPT_LANGUAGE="en")
        assert PolicyAcceptance.objects.get(policy_version=update).language == "en"

    def test_the_language_shown_is_in_the_members_data(self, client, member):
        PolicyVersionFactory(version="2.0", is_material=True)
        client.force_login(member)
        client.post("/privacy/agree/", {"next": "/me/"}, **ZH)
        client.post("/i18n/setlang/", {"language": "en", "next": "/"})
        items = client.get("/me/data.json").json()["data"]["consent.policyacceptance"]["items"]
        assert [item["Language shown"] for item in items] == ["Simplified Chinese"]


@pytest.mark.django_db
class TestHistoryInBothLanguages:
    def test_the_history_and_what_changed_follow_the_language(self, client):
        old = PolicyVersion.objects.get(version="1.0")
        PolicyVersionFactory(
            version="1.1",
            body=old.body + "\n\nWe added a paragraph.",
            body_zh_hans=old.body_zh_hans + "\n\n我们新增了一段。",
            change_summary="One paragraph more.",
            change_summary_zh_hans="新增一段。",
        )
        zh = html.unescape(client.get("/privacy/history/", **ZH).content.decode())
        assert "新增一段。" in zh
        assert "<ins>我们新增了一段。</ins>" in zh
        assert "We added a paragraph." not in zh
        en = html.unescape(client.get("/privacy/history/").content.decode())
        assert "One paragraph more." in en
        assert "<ins>We added a paragraph.</ins>" in en
        assert "我们新增了一段。" not in en


@pytest.mark.django_db
class TestPublishingAsksForBothTexts:
    def test_the_admin_form_asks_for_both_texts(self, client):
        client.force_login(staff_in("Privacy officer"))
        response = client.post(
            reverse("admin:consent_policyversion_add"),
            {
                "version": "2.0",
                "effective_date": "2026-12-01",
                "change_summary": "Plainer words.",
                "body": "# Plainer\n\nText.",
                "change_summary_zh_hans": "",
                "body_zh_hans": "",
            },
        )
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["body_zh_hans"]
        assert not PolicyVersion.objects.filter(version="2.0").exists()

    def test_a_draft_without_its_chinese_text_is_not_published(self, client):
        draft = PolicyVersionFactory(version="2.0", published_at=None, body_zh_hans="")
        complete = PolicyVersionFactory(version="2.1", published_at=None)
        client.force_login(staff_in("Privacy officer"))
        response = client.post(
            reverse("admin:consent_policyversion_changelist"),
            {"action": "publish", "_selected_action": [draft.pk, complete.pk]},
        )
        draft.refresh_from_db()
        complete.refresh_from_db()
        assert not draft.is_published
        assert complete.is_published
        texts = [str(message) for message in get_messages(response.wsgi_request)]
        assert "2.0 is not published: it has no text in Simplified Chinese." in texts
        assert "Published: 2.1." in texts
