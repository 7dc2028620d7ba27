import re
from http import HTTPStatus

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string

PAGES = {
    "400.html": "Bad request",
    "403.html": "Not allowed",
    "403_csrf.html": "The form has expired",
    "404.html": "Page not found",
    "429.html": "Too many requests",
}


@pytest.mark.django_db
@pytest.mark.parametrize(("template", "title"), PAGES.items())
def test_each_error_page_names_itself_in_its_title_and_heading(rf, template, title):
    request = rf.get("/")
    request.user = AnonymousUser()
    html = render_to_string(template, request=request)
    assert re.search(r"<title>(.*)</title>", html).group(1) == f"{title} · Tomato"
    assert re.findall(r"<h1>(.*)</h1>", html) == [title]
    assert '<a class="skip-link" href="#main">' in html
    assert '<a href="/">Go to the home page</a>' in html


@pytest.mark.django_db
def test_a_page_no_view_answers_still_offers_the_cookie_choice(client):
    # No view ran, so no middleware set the consent state: it is read from the cookie.
    response = client.get("/no-such-page/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert 'aria-label="Cookie consent"' in response.content.decode()
