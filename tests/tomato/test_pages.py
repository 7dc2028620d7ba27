import re
from http import HTTPStatus
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_home_says_what_tomato_is_and_links_to_the_policy_and_sign_up(client):
    response = client.get(reverse("home"))
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "Tomato" in html
    assert 'href="/privacy/"' in html
    assert 'href="/accounts/signup/"' in html
    assert 'href="/accounts/login/"' in html
    assert 'href="/cookies/"' in html


@pytest.mark.django_db
def test_page_has_skip_link_landmarks_and_navigation(client):
    html = client.get(reverse("home")).content.decode()
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert "<header" in html
    assert "<footer" in html
    assert re.search(r'<nav class="site-nav" aria-label="Main">', html)
    for label in ["Home", "Privacy policy", "Cookie settings", "Log in", "Sign up"]:
        assert f">{label}</a>" in html


@pytest.mark.django_db
def test_member_sees_my_account_and_a_log_out_button(client, member):
    client.force_login(member)
    html = client.get(reverse("home")).content.decode()
    assert ">My account</a>" in html
    assert re.search(r'<form[^>]+method="post"[^>]+action="/accounts/logout/"', html)
    assert ">Log out</button>" in html
    assert ">Log in</a>" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["home", "policy", "policy_history", "consent:cookie_settings"])
def test_pages_send_the_security_headers(client, name):
    response = client.get(reverse(name))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_templates_have_no_inline_scripts_or_styles():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        for match in re.finditer(r"<script\b[^>]*>", text):
            tag = match.group(0)
            if "src=" not in tag and 'type="application/json"' not in tag:
                offenders.append(f"{path}: {tag}")
        if re.search(r"\sstyle=|<style\b|\son[a-z]+=", text):
            offenders.append(f"{path}: inline style or event handler")
    assert offenders == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "budget"),
    [("home", 0), ("policy", 1), ("policy_history", 1), ("consent:cookie_settings", 2)],
)
def test_anonymous_pages_keep_their_query_budget(
    client, django_assert_max_num_queries, name, budget
):
    client.get(reverse(name))  # warm caches (cookie groups, site)
    with django_assert_max_num_queries(budget):
        assert client.get(reverse(name)).status_code == HTTPStatus.OK


@pytest.mark.django_db
def test_unknown_page_is_a_styled_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html
    assert '<a class="skip-link" href="#main">' in html


@pytest.mark.django_db
def test_forged_post_without_csrf_token_is_refused_with_a_clear_page(member):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(reverse("account_logout"))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "The form has expired" in response.content.decode()
    assert "_auth_user_id" in client.session


def test_server_error_page_renders_without_a_request():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "<h1>Something went wrong</h1>" in html


@pytest.mark.django_db
def test_admin_login_goes_through_the_site_login(client):
    response = client.get("/admin/")
    assert response.status_code == HTTPStatus.FOUND
    response = client.get(response["Location"])
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("account_login"))
