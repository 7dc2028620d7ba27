import pytest
from django.urls import reverse


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["home", "account_login", "consent:cookie_settings"])
def test_csrf_cookie_of_a_page_with_a_form_is_http_only(client, settings, name):
    response = client.get(reverse(name))
    cookie = response.cookies[settings.CSRF_COOKIE_NAME]
    assert cookie.value
    assert cookie["httponly"] is True
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()


def test_the_banner_script_sends_the_token_of_the_form_not_the_cookie(settings):
    script = (settings.BASE_DIR / "static" / "js" / "consent.js").read_text()
    assert "new FormData(form)" in script
    assert "document.cookie" not in script
