"""Staff in the admin: a record with personal data asks why before it opens."""

from http import HTTPStatus

from django.test import Client


def give_reason(client: Client, url: str, reason: str = "support", reference: str = "") -> None:
    """Say why the staff member opens the record at ``url`` (its change or history page),
    as they would on the form the admin shows first."""
    response = client.post(url, {"_access_reason": reason, "_access_reference": reference})
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:2000]


def open_with_reason(client: Client, url: str, reason: str = "support", reference: str = ""):
    """Give a reason, then open the page: the response that shows the record."""
    give_reason(client, url, reason, reference)
    return client.get(url)
