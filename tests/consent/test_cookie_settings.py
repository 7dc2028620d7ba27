from http import HTTPStatus

import pytest
from cookie_consent.models import CookieGroup
from django.urls import reverse


@pytest.mark.django_db
def test_the_three_groups_are_created_by_migration(settings):
    groups = {
        group.varname: (group.name, group.is_required, {c.name for c in group.cookie_set.all()})
        for group in CookieGroup.objects.all()
    }
    assert groups == {
        "necessary": (
            "Strictly necessary",
            True,
            {
                settings.SESSION_COOKIE_NAME,
                settings.CSRF_COOKIE_NAME,
                "cookie_consent",
                "tomato_agegate",
                settings.LANGUAGE_COOKIE_NAME,
            },
        ),
        "preferences": ("Personalisation", False, {"tomato_prefs"}),
        "analytics": ("Analytics and web beacons", False, {"tomato_vid"}),
    }


@pytest.mark.django_db
def test_settings_page_lists_every_group_its_cookies_and_status(client):
    response = client.get(reverse("consent:cookie_settings"))
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    for text in [
        "Strictly necessary",
        "Personalisation",
        "Analytics and web beacons",
        "<code>tomato_prefs</code>",
        "<code>tomato_vid</code>",
        "<code>cookie_consent</code>",
        "<strong>Always on</strong>",
    ]:
        assert text in html
    assert html.count("<strong>Not decided</strong>") == 2
    assert html.count(">Accept</button>") == 2
    assert html.count(">Decline</button>") == 2


@pytest.mark.django_db
def test_accepting_a_group_shows_it_as_accepted(client):
    response = client.post(
        reverse("consent:accept"), {"cookie_groups": "preferences", "next": "/cookies/"}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/cookies/"
    html = client.get(reverse("consent:cookie_settings")).content.decode()
    assert html.count("<strong>Accepted</strong>") == 1
    assert html.count("<strong>Not decided</strong>") == 1


@pytest.mark.django_db
def test_declining_a_group_shows_it_as_declined(client):
    client.post(reverse("consent:decline"), {"cookie_groups": "analytics", "next": "/"})
    html = client.get(reverse("consent:cookie_settings")).content.decode()
    assert html.count("<strong>Declined</strong>") == 1
    assert html.count("<strong>Not decided</strong>") == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/cookies/status/", "/cookies/accept/analytics/", "/cookies/decline/analytics/"]
)
def test_the_cookie_librarys_own_endpoints_are_not_served(client, path):
    # They judge and write consent by the library's rules, which know nothing of the
    # groups forced off for under-16s, and write no consent record.
    assert client.get(path).status_code == HTTPStatus.NOT_FOUND
    assert client.post(path).status_code == HTTPStatus.NOT_FOUND
