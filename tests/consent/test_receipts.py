"""Signed consent receipts: every kind of consent event gives a receipt that matches the
schema kept in the repository and verifies; a changed receipt does not; a person gets
only their own (and a guardian their ward's)."""

from __future__ import annotations

import io
import json
import zipfile
from http import HTTPStatus
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory
from django.urls import reverse
from jsonschema import Draft202012Validator

from consent.models import ConsentRecord, PolicyAcceptance, PolicyVersion
from consent.receipts import (
    ReceiptInvalid,
    canonical_json,
    jwk_of,
    public_jwk,
    receipts_of,
    sign,
    verify,
)
from guardians.models import GuardianDecision
from guardians.services import record_guardian_decision
from tests.factories import RecipientFactory, UserFactory, approved_guardianship

SCHEMA = json.loads(
    (Path(settings.BASE_DIR) / "consent/schemas/consent-receipt.schema.json").read_text()
)
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)


def downloaded(client, url):
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK, url
    return response


def only_receipt_of(person, **event):
    """The person's one receipt whose event has these values."""
    found = [
        receipt.signed()
        for receipt in receipts_of(person)
        if all(receipt.body["content"]["event"][key] == value for key, value in event.items())
    ]
    assert len(found) == 1, found
    return found[0]


def guardian_request(guardian):
    request = RequestFactory().post("/guardian/")
    request.user = guardian
    return request


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    client.get(reverse("accounts:me"))
    return client


# --- Every kind of event --------------------------------------------------------------------


def cookie_accept(client, member, choose):
    choose("accept", groups=["analytics"], source="settings")
    return {"event_source": "settings", "event_state": "given", "event_type": "explicit"}


def cookie_decline(client, member, choose):
    choose("decline", groups=["preferences"], source="banner")
    return {"event_source": "banner", "event_state": "refused", "event_type": "explicit"}


def cookie_withdrawal(client, member, choose):
    choose("accept", groups=["analytics"], source="banner")
    choose("decline", groups=["analytics"], source="settings")
    return {"event_source": "settings", "event_state": "withdrawn", "event_type": "explicit"}


def gpc(client, member, choose):
    # Recorded when the browser comes back with the consent cookie the first answer set.
    client.get("/", HTTP_SEC_GPC="1")
    client.get("/", HTTP_SEC_GPC="1")
    return {"event_source": "gpc", "event_state": "refused", "event_type": "implicit"}


def policy_acceptance(client, member, choose):
    PolicyAcceptance.objects.record(
        user=member, version=PolicyVersion.objects.get(), source="update"
    )
    return {"event_source": "update", "event_state": "given", "event_type": "explicit"}


def guardian_approval(client, member, choose):
    guardianship = approved_guardianship(teen=member)
    record_guardian_decision(
        guardian_request(guardianship.guardian), member, {GuardianDecision.ACCOUNT: True}
    )
    return {"event_source": "guardian", "event_state": "given"}


def guardian_decline(client, member, choose):
    guardianship = approved_guardianship(teen=member)
    record_guardian_decision(
        guardian_request(guardianship.guardian),
        member,
        {GuardianDecision.PERSONALISATION: False},
    )
    return {"event_source": "guardian", "event_state": "refused"}


def sharing_given(client, member, choose):
    client.post(
        reverse("accounts:sharing"), {"recipient": RecipientFactory().pk, "action": "grant"}
    )
    return {"event_source": "account", "event_state": "given"}


def sharing_withdrawn(client, member, choose):
    recipient = RecipientFactory()
    client.post(reverse("accounts:sharing"), {"recipient": recipient.pk, "action": "grant"})
    client.post(reverse("accounts:sharing"), {"recipient": recipient.pk, "action": "withdraw"})
    return {"event_source": "account", "event_state": "withdrawn"}


EVENTS = [
    cookie_accept,
    cookie_decline,
    cookie_withdrawal,
    gpc,
    policy_acceptance,
    guardian_approval,
    guardian_decline,
    sharing_given,
    sharing_withdrawn,
]


@pytest.mark.django_db
@pytest.mark.parametrize("event", EVENTS, ids=lambda event: event.__name__)
def test_every_kind_of_consent_event_has_a_receipt_that_matches_the_schema_and_verifies(
    member_client, member, choose, event
):
    receipt = only_receipt_of(member, **event(member_client, member, choose))
    VALIDATOR.validate(receipt)
    verify(receipt)
    verify(json.loads(json.dumps(receipt)), public_jwk())


@pytest.mark.django_db
def test_a_receipt_says_what_was_agreed_to_and_under_which_policy(member_client, member, choose):
    choose("accept", groups=["analytics"], source="settings")
    receipt = only_receipt_of(member, event_source="settings")
    content = receipt["content"]
    record = ConsentRecord.objects.get(user=member)
    [purpose] = content["pii_processing"]["purposes"]
    assert purpose["purpose_id"] == "analytics"
    assert {"pii_type": "cookie tomato_vid"} in purpose["pii_information"]
    assert purpose["withdrawal_method"] == settings.SITE_URL + reverse("consent:cookie_settings")
    assert content["pii_processing"]["privacy_notice"] == settings.SITE_URL + reverse(
        "policy_version", kwargs={"version": record.policy_version}
    )
    assert content["pii_principal_id"] == record.subject
    assert content["record_hash"] == record.row_hash
    assert content["party_identification"][0]["role"] == "pii_controller"


@pytest.mark.django_db
def test_a_sharing_receipt_names_the_recipient_and_the_data_as_shown(member_client, member):
    recipient = RecipientFactory(name="Box Co", data_categories="username, email")
    member_client.post(reverse("accounts:sharing"), {"recipient": recipient.pk, "action": "grant"})
    content = only_receipt_of(member, event_source="account")["content"]
    box_co = {"party_name": "Box Co", "party_id": recipient.topic, "role": "third_party_recipient"}
    assert box_co in content["party_identification"]
    [purpose] = content["pii_processing"]["purposes"]
    assert [item["pii_type"] for item in purpose["pii_information"]] == ["username", "email"]
    assert purpose["withdrawal_method"].endswith(reverse("accounts:sharing"))


@pytest.mark.django_db
def test_the_same_row_gives_the_same_receipt_byte_for_byte(member_client, member, choose):
    choose("accept")
    first = [receipt.signed_json() for receipt in receipts_of(member)]
    second = [receipt.signed_json() for receipt in receipts_of(member)]
    assert first == second
    assert len({json.loads(body)["receipt_id"] for body in first}) == len(first)


# --- Verification ------------------------------------------------------------------------------


@pytest.fixture
def receipt_file(member_client, member, choose, tmp_path):
    choose("accept")
    path = tmp_path / "receipt.json"
    url = reverse("accounts:receipt", args=[receipts_of(member)[0].receipt_id])
    path.write_bytes(downloaded(member_client, url).content)
    return path


@pytest.fixture
def key_file(client, tmp_path):
    response = client.get(reverse("receipt_key"))
    assert response.status_code == HTTPStatus.OK
    path = tmp_path / "receipt-key.json"
    path.write_bytes(response.content)
    return path


@pytest.mark.django_db
def test_verify_receipt_says_valid_for_a_downloaded_receipt(receipt_file, key_file, capsys):
    call_command("verify_receipt", str(receipt_file), "--key", str(key_file))
    assert capsys.readouterr().out.strip() == "valid"
    call_command("verify_receipt", str(receipt_file))
    assert capsys.readouterr().out.strip() == "valid"


def flip_first_signature_character(text):
    receipt = json.loads(text)
    value = receipt["signature"]["value"]
    receipt["signature"]["value"] = ("B" if value[0] == "A" else "A") + value[1:]
    return json.dumps(receipt)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        lambda text: text.replace('"given"', '"refused"'),
        lambda text: text.replace("analytics", "analytic5", 1),
        lambda text: text.replace('"explicit"', '"implicit"'),
        # The signature itself, one character.
        lambda text: flip_first_signature_character(text),
    ],
    ids=["state", "purpose", "type", "signature"],
)
def test_a_changed_receipt_fails_verification(receipt_file, key_file, change):
    original = receipt_file.read_text()
    changed = change(original)
    assert changed != original
    receipt_file.write_text(changed)
    with pytest.raises(CommandError, match="invalid") as raised:
        call_command("verify_receipt", str(receipt_file), "--key", str(key_file))
    assert raised.value.returncode == 1


@pytest.mark.django_db
def test_verify_receipt_exits_1_on_a_changed_byte(receipt_file, key_file):
    """Through the command line, as a person would run it: exit status 1."""
    import subprocess
    import sys

    data = bytearray(receipt_file.read_bytes())
    position = data.index(b'"event_time": "') + len(b'"event_time": "') + 3
    data[position] = ord("0") if data[position] != ord("0") else ord("1")
    receipt_file.write_bytes(bytes(data))
    result = subprocess.run(
        [sys.executable, "manage.py", "verify_receipt", str(receipt_file), "--key", str(key_file)],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "signature does not match" in result.stderr


@pytest.mark.django_db
def test_a_receipt_does_not_verify_with_another_key(receipt_file):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other = jwk_of(Ed25519PrivateKey.generate().public_key())
    receipt = json.loads(receipt_file.read_text())
    with pytest.raises(ReceiptInvalid, match="another key"):
        verify(receipt, other)
    del other["kid"]
    with pytest.raises(ReceiptInvalid, match="does not match"):
        verify(receipt, other)


def test_the_signature_covers_the_canonical_json_without_the_signature():
    receipt = sign({"schema_version": "1.0", "content": {"ü": 1, "a": [2, 3]}})
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from consent.receipts import b64url_decode

    message = b'{"content":{"a":[2,3],"\xc3\xbc":1},"schema_version":"1.0"}'
    assert canonical_json({k: v for k, v in receipt.items() if k != "signature"}) == message
    key = Ed25519PublicKey.from_public_bytes(b64url_decode(public_jwk()["x"]))
    key.verify(b64url_decode(receipt["signature"]["value"]), message)


def test_the_readme_snippet_verifies_a_receipt(tmp_path):
    """The README's snippet, run as it is, says valid for a good receipt and fails else."""
    import subprocess
    import sys

    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    snippet = readme.split("<!-- verify-receipt-snippet -->\n```python\n", 1)[1].split("```", 1)[0]
    receipt = sign({"schema_version": "1.0", "receipt_id": "x", "content": {"a": "b"}})
    (tmp_path / "receipt-key.json").write_text(json.dumps(public_jwk()))
    (tmp_path / "receipt.json").write_text(json.dumps(receipt))
    (tmp_path / "check.py").write_text(snippet)
    good = subprocess.run(
        [sys.executable, "check.py", "receipt.json"], cwd=tmp_path, capture_output=True, text=True
    )
    assert good.returncode == 0, good.stderr
    assert good.stdout.strip() == "valid"
    receipt["content"]["a"] = "c"
    (tmp_path / "receipt.json").write_text(json.dumps(receipt))
    bad = subprocess.run(
        [sys.executable, "check.py", "receipt.json"], cwd=tmp_path, capture_output=True, text=True
    )
    assert bad.returncode != 0


# --- Who gets which receipts -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_data_page_lists_the_persons_receipts_with_a_download_each(
    member_client, member, choose
):
    choose("accept")
    page = downloaded(member_client, reverse("accounts:data")).content.decode()
    receipts = receipts_of(member)
    assert receipts
    for receipt in receipts:
        assert reverse("accounts:receipt", args=[receipt.receipt_id]) in page
    assert reverse("accounts:receipts_zip") in page


@pytest.mark.django_db
def test_someone_elses_receipt_is_not_found(member_client, member, choose, client):
    other = UserFactory()
    ConsentRecord.objects.bulk_create(
        [ConsentRecord(user=other, subject_type="member", subject="a" * 64, group="analytics",
                       action="accept", source="banner")]
    )  # fmt: skip
    [theirs] = receipts_of(other)
    url = reverse("accounts:receipt", args=[theirs.receipt_id])
    assert member_client.get(url).status_code == HTTPStatus.NOT_FOUND
    unknown = reverse("accounts:receipt", args=["00000000-0000-5000-8000-000000000000"])
    assert member_client.get(unknown).status_code == HTTPStatus.NOT_FOUND


@pytest.mark.django_db
def test_the_zip_holds_every_receipt_signed(member_client, member, choose):
    choose("accept")
    choose("decline", groups=["analytics"])
    policy_acceptance(member_client, member, choose)
    response = downloaded(member_client, reverse("accounts:receipts_zip"))
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    expected = {receipt.filename for receipt in receipts_of(member)}
    assert set(archive.namelist()) == expected
    assert len(expected) == ConsentRecord.objects.filter(user=member).count() + 1
    for name in archive.namelist():
        receipt = json.loads(archive.read(name))
        VALIDATOR.validate(receipt)
        verify(receipt)


@pytest.mark.django_db
def test_no_receipt_holds_an_email_a_username_or_a_network(member_client, member, choose):
    choose("accept", REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="Mozilla/5.0 (Receipts)")
    cookie_withdrawal(member_client, member, choose)
    sharing_given(member_client, member, choose)
    policy_acceptance(member_client, member, choose)
    everything = b"".join(receipt.signed_json() for receipt in receipts_of(member)).decode()
    assert "@" not in everything
    assert member.email not in everything
    assert member.username not in everything
    assert "198.51.100" not in everything
    assert ConsentRecord.objects.filter(user_agent__startswith="Mozilla").exists()
    assert "Mozilla" not in everything


@pytest.mark.django_db
def test_a_guardian_gets_their_wards_receipts_and_nobody_elses(client):
    ward = approved_guardianship()
    other = approved_guardianship()
    for guardianship in (ward, other):
        record_guardian_decision(
            guardian_request(guardianship.guardian),
            guardianship.teen,
            {GuardianDecision.ACCOUNT: True},
        )
    client.force_login(ward.guardian)
    [mine] = receipts_of(ward.teen)
    [theirs] = receipts_of(other.teen)
    page = downloaded(client, reverse("guardians:ward", args=[ward.pk])).content.decode()
    assert reverse("guardians:ward_receipt", args=[ward.pk, mine.receipt_id]) in page
    url = reverse("guardians:ward_receipt", args=[ward.pk, mine.receipt_id])
    receipt = json.loads(downloaded(client, url).content)
    verify(receipt)
    assert receipt["content"]["event"]["event_source"] == "guardian"
    zip_url = reverse("guardians:ward_receipts_zip", args=[ward.pk])
    archive = zipfile.ZipFile(io.BytesIO(downloaded(client, zip_url).content))
    assert archive.namelist() == [mine.filename]
    # Another child's receipt, through one's own ward or through theirs: not found.
    for url in (
        reverse("guardians:ward_receipt", args=[ward.pk, theirs.receipt_id]),
        reverse("guardians:ward_receipt", args=[other.pk, theirs.receipt_id]),
        reverse("guardians:ward_receipts_zip", args=[other.pk]),
    ):
        assert client.get(url).status_code == HTTPStatus.NOT_FOUND


@pytest.mark.django_db
def test_the_public_key_is_published_as_a_cacheable_jwk(client):
    response = client.get(reverse("receipt_key"))
    assert response.status_code == HTTPStatus.OK
    key = response.json()
    assert key == public_jwk()
    assert {key["kty"], key["crv"], key["alg"]} == {"OKP", "Ed25519", "EdDSA"}
    assert "d" not in key  # never the private part
    assert "public" in response["Cache-Control"]
