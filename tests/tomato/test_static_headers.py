"""Static files, which WhiteNoise answers above most middleware, carry the pages' headers."""

from http import HTTPStatus

import pytest
from django.templatetags.static import static
from django.urls import reverse

STATIC_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@pytest.fixture
def served(settings):
    """WhiteNoise serving the files from the finders, as after ``collectstatic``."""
    settings.WHITENOISE_USE_FINDERS = True
    return settings


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "media_type"), [("img/tomato.svg", "image/svg+xml"), ("css/site.css", "text/css")]
)
def test_static_files_send_the_security_headers_of_the_pages(client, served, name, media_type):
    page = client.get(reverse("home"))
    response = client.get(static(name))
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].split(";")[0] == media_type
    assert response["Content-Security-Policy"] == STATIC_CSP
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Permissions-Policy"] == page["Permissions-Policy"]


@pytest.mark.django_db
def test_static_files_send_hsts_when_it_is_on(client, served):
    served.SECURE_HSTS_SECONDS = 31536000
    served.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    served.SECURE_HSTS_PRELOAD = True
    response = client.get(static("img/tomato.svg"))
    assert response["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")


@pytest.mark.django_db
def test_static_files_send_no_hsts_when_it_is_off(client, served):
    served.SECURE_HSTS_SECONDS = 0
    response = client.get(static("img/tomato.svg"))
    assert response.status_code == HTTPStatus.OK
    assert "Strict-Transport-Security" not in response
