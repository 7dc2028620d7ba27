"""A refused form opens on its first error: ``autofocus`` on exactly one field, no JavaScript."""

from html.parser import HTMLParser
from http import HTTPStatus

import pytest
from django import forms
from django.template.loader import render_to_string

from tests.factories import PASSWORD, years_ago

SIGNUP = "/accounts/signup/"


class AutofocusFinder(HTMLParser):
    """The names (or ids) of the elements that carry ``autofocus``."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if "autofocus" in values:
            self.found.append(values.get("name") or values.get("id") or tag)


def autofocused(html: str) -> list[str]:
    finder = AutofocusFinder()
    finder.feed(html)
    return finder.found


class ThreeFields(forms.Form):
    name = forms.CharField(label="Name")
    email = forms.EmailField(label="Email")
    note = forms.CharField(label="Note", widget=forms.TextInput(attrs={"autofocus": True}))

    def clean(self):
        if self.data.get("name") == "refuse":
            raise forms.ValidationError("Refused as a whole.")
        return super().clean()


def rendered(form) -> str:
    return render_to_string("includes/form_fields.html", {"form": form})


@pytest.mark.parametrize(
    ("data", "focused"),
    [
        ({"name": "", "email": "", "note": "x"}, ["name"]),
        ({"name": "Ana", "email": "not-an-email", "note": ""}, ["email"]),
        ({"name": "Ana", "email": "ana@example.com", "note": ""}, ["note"]),
        ({"name": "refuse", "email": "ana@example.com", "note": "x"}, ["name"]),
    ],
)
def test_a_refused_form_autofocuses_exactly_its_first_invalid_field(data, focused):
    form = ThreeFields(data)
    assert not form.is_valid()
    assert autofocused(rendered(form)) == focused


def test_an_unbound_or_accepted_form_keeps_the_widgets_own_autofocus():
    assert autofocused(rendered(ThreeFields())) == ["note"]
    accepted = ThreeFields({"name": "Ana", "email": "ana@example.com", "note": "x"})
    assert accepted.is_valid()
    assert autofocused(rendered(accepted)) == ["note"]


@pytest.mark.django_db
class TestSitePages:
    def test_the_age_screen_opens_on_its_error(self, client):
        response = client.post(SIGNUP, {"date_of_birth": "not a date"})
        assert response.status_code == HTTPStatus.OK
        assert autofocused(response.content.decode()) == ["date_of_birth"]

    def test_a_first_visit_to_sign_up_autofocuses_nothing(self, client):
        assert autofocused(client.get(SIGNUP).content.decode()) == []

    def test_the_teen_sign_up_form_opens_on_the_mismatched_password(self, client):
        client.post(SIGNUP, {"date_of_birth": years_ago(14).isoformat()})
        response = client.post(
            SIGNUP,
            {
                "username": "kit",
                "email": "kit@example.com",
                "password1": "tomatoes-are-fruit",
                "password2": "tomatoes-are-veg",
                "guardian_email": "",
                "agree": "on",
            },
        )
        assert response.status_code == HTTPStatus.OK
        html = response.content.decode()
        # Two fields are wrong; the first of them in the form's order gets the focus.
        assert 'name="guardian_email"' in html
        assert autofocused(html) == ["password2"]

    def test_allauths_own_login_page_opens_on_the_login_field(self, client, member):
        response = client.post("/accounts/login/", {"login": member.username, "password": "no"})
        assert response.status_code == HTTPStatus.OK
        assert autofocused(response.content.decode()) == ["login"]
        # And a right password gets in: the focus rule changes nothing else.
        response = client.post("/accounts/login/", {"login": member.username, "password": PASSWORD})
        assert response.status_code == HTTPStatus.FOUND
