"""A member keeps a receipt of their cookie choice and checks it offline."""

import io
import json
import zipfile
from pathlib import Path

from django.urls import reverse
from playwright.sync_api import expect

from consent.receipts import ReceiptInvalid, verify
from tests.browser.test_account_journey import log_in
from tests.factories import PASSWORD, UserFactory


def test_a_member_downloads_a_consent_receipt_that_verifies(page, site):
    member = UserFactory()
    log_in(page, site, member.username, PASSWORD)
    # The banner's script sends the choice in the background: wait for its answer before
    # the next page (the live server's threads share one SQLite connection).
    with page.expect_response(lambda response: response.url.endswith(reverse("consent:accept"))):
        page.get_by_role("region", name="Cookie consent").get_by_role(
            "button", name="Accept all"
        ).click()

    page.goto(site + "/me/data/")
    receipts = page.get_by_role("region", name="Consent receipts")
    expect(receipts.get_by_role("cell", name="Given").first).to_be_visible()
    with page.expect_download() as download_info:
        receipts.get_by_role("link", name="Download the receipt for").first.click()
    download = download_info.value
    assert download.suggested_filename.startswith("consent-receipt-")
    receipt = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    verify(receipt)
    assert receipt["content"]["event"]["event_state"] == "given"

    # A changed receipt does not verify.
    receipt["content"]["event"]["event_state"] = "refused"
    try:
        verify(receipt)
    except ReceiptInvalid:
        pass
    else:
        raise AssertionError("a changed receipt verified")

    # All of them at once, in a ZIP file.
    with page.expect_download() as download_info:
        receipts.get_by_role("link", name="Download all (ZIP)").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    assert archive.namelist()
    for name in archive.namelist():
        verify(json.loads(archive.read(name)))
