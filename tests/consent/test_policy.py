import datetime
from http import HTTPStatus

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from consent.markdown import render_markdown
from consent.models import PolicyVersion
from tests.factories import PolicyVersionFactory

POLICY_SECTIONS = [
    "Collection of personal information",
    "Use of personal information",
    "Account security",
    "Security of personal information",
    "Use of cookies",
    "Collection and use of personal information for young people",
    "About disclaimer",
]


@pytest.mark.django_db
class TestVersionOne:
    def test_version_1_0_is_loaded_by_migration_and_current(self):
        current = PolicyVersion.objects.current()
        assert current is not None
        assert current.version == "1.0"
        assert current.is_published

    def test_its_headings_are_the_policy_sections(self):
        html = PolicyVersion.objects.get(version="1.0").body_html
        for section in POLICY_SECTIONS:
            assert f"<h2>{section}</h2>" in html

    def test_it_holds_the_platform_text(self):
        body = PolicyVersion.objects.get(version="1.0").body
        assert body.startswith("This Privacy Policy applies to the Tomato Internet platform.")
        assert "prior consent of the parent or his legal guardian" in body
        assert "Force majeure events" in body


@pytest.mark.django_db
class TestQuerySet:
    def test_drafts_are_not_published(self):
        PolicyVersionFactory(version="3.0", published_at=None)
        assert not PolicyVersion.objects.published().filter(version="3.0").exists()
        assert PolicyVersion.objects.current().version == "1.0"

    def test_a_future_version_is_not_current_until_its_date(self):
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        PolicyVersionFactory(version="2.0", effective_date=tomorrow)
        assert PolicyVersion.objects.current().version == "1.0"
        assert PolicyVersion.objects.in_effect(on=tomorrow).first().version == "2.0"

    def test_the_newest_effective_version_is_current(self):
        PolicyVersionFactory(version="2.0", effective_date=timezone.localdate())
        assert PolicyVersion.objects.current().version == "2.0"

    @pytest.mark.parametrize("label", ["history", "1.0-beta", "v2", "1..0", ""])
    def test_version_labels_are_numbers_and_dots(self, label):
        version = PolicyVersionFactory.build(version=label)
        with pytest.raises(ValidationError) as error:
            version.full_clean()
        assert "version" in error.value.message_dict


class TestMarkdown:
    def test_raw_html_is_not_rendered(self):
        html = render_markdown("Hello <script>alert(1)</script> <b onclick='x()'>bold</b>")
        assert "<script" not in html
        assert "<b" not in html
        assert "&lt;script&gt;" in html

    def test_javascript_links_are_dropped(self):
        html = render_markdown("[click](javascript:alert(1)) and [ok](https://tomato.example)")
        assert 'href="javascript' not in html
        assert '<a href="https://tomato.example" rel="noopener noreferrer nofollow">ok</a>' in html

    def test_headings_start_below_the_page_title(self):
        assert render_markdown("# Section\n\n## Sub").strip() == "<h2>Section</h2>\n<h3>Sub</h3>"

    def test_lists_and_emphasis_survive(self):
        html = render_markdown("- a\n- **b**")
        assert "<ul>" in html
        assert "<strong>b</strong>" in html


@pytest.mark.django_db
class TestPages:
    def test_privacy_page_shows_the_current_version_and_its_date(self, client):
        response = client.get(reverse("policy"))
        assert response.status_code == HTTPStatus.OK
        html = response.content.decode()
        assert '<h1 id="policy-title">Privacy Policy</h1>' in html
        assert "<dd>1.0</dd>" in html
        assert '<time datetime="2026-11-25">25 November 2026</time>' in html
        assert "<h2>Use of cookies</h2>" in html
        assert "This is not the version in effect today" not in html

    def test_a_version_page_shows_that_version(self, client):
        response = client.get(reverse("policy_version", kwargs={"version": "1.0"}))
        assert response.status_code == HTTPStatus.OK
        assert "<h2>About disclaimer</h2>" in response.content.decode()

    def test_an_old_version_points_to_the_current_one(self, client):
        PolicyVersionFactory(version="2.0", change_summary="Plainer words.")
        html = client.get("/privacy/1.0/").content.decode()
        assert "This is not the version in effect today" in html
        assert 'href="/privacy/2.0/"' in html

    @pytest.mark.parametrize("path", ["/privacy/9.9/", "/privacy/2.0/", "/privacy/1.0.x/"])
    def test_unknown_or_unpublished_versions_are_404(self, client, path):
        PolicyVersionFactory(version="2.0", published_at=None)
        assert client.get(path).status_code == HTTPStatus.NOT_FOUND

    def test_history_lists_every_published_version_with_what_changed(self, client):
        PolicyVersionFactory(version="2.0", change_summary="Plainer words.", is_material=True)
        PolicyVersionFactory(version="3.0", published_at=None, change_summary="Secret draft")
        html = client.get(reverse("policy_history")).content.decode()
        assert 'href="/privacy/1.0/"' in html
        assert 'href="/privacy/2.0/"' in html
        assert "Plainer words." in html
        assert "The first version of the Tomato privacy policy." in html
        assert "Secret draft" not in html
        assert html.index("/privacy/2.0/") < html.index("/privacy/1.0/")

    def test_without_a_published_policy_the_page_is_404(self, client):
        PolicyVersion.objects.all().delete()
        assert client.get(reverse("policy")).status_code == HTTPStatus.NOT_FOUND
