"""The card and bank number guard for every free-text field a user can fill.

The policy asks people not to share "property accounts, bank cards, credit
cards, third-party payment accounts and corresponding passwords in our
services"; the site holds them to it by refusing, in free text:

- payment-card numbers: digits written whole or in groups joined by spaces
  or dashes, in a card issuer's range and length (``CARD_ISSUERS``), passing
  the Luhn check; inside a longer run of groups a card number is read from a
  group of four ("call 555 4111 1111 1111 1111") or from a group long enough
  to be a card by itself ("flat 3 4111111111111111"), so the inner part of an
  order number like "113-0896303-0491521" is not;
- IBANs: written whole or in groups of four joined by spaces or dashes, in
  any letter case, with a country's own IBAN format and length and the
  ISO 13616 check digits.

Any run of whitespace, the non-breaking spaces included, counts as one space
between groups. The number checks are python-stdnum's. Phone numbers pass:
digits after a "+" or starting "00" are a phone number in international form
and are not read as a card ("+86 138 0013 8000") as long as they are no more
than E.164's 15 digits (without the "00"); a longer run is read as a country
code followed by groups that may hold a card ("+44 4111 1111 1111 1111"). A
Chinese mobile written without the "+" falls in no issuer's range, none
starting with 86 or with 1.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from stdnum import iban, luhn

PAYMENT_DETAILS_MESSAGE = _(
    "This looks like a card or bank account number. Our privacy policy asks you: "
    "“Please be careful not to disclose your own property accounts, bank cards, credit "
    "cards, third-party payment accounts and corresponding passwords in our services.” "
    "Please remove it."
)


class CardIssuer(NamedTuple):
    name: str
    # Leading digits, as inclusive ranges of numbers written with as many digits as the
    # bounds: (34, 34) is a number starting 34, (2221, 2720) one starting 2221 to 2720.
    ranges: tuple[tuple[int, int], ...]
    lengths: tuple[int, ...]


# The first issuer whose range and length a number falls in names it, so a narrow range
# inside a wider one comes first (RuPay's and Verve's inside Discover's 65).
CARD_ISSUERS = (
    CardIssuer("Visa", ((4, 4),), (13, 16, 19)),
    CardIssuer("Mastercard", ((51, 55), (2221, 2720)), (16,)),
    CardIssuer("American Express", ((34, 34), (37, 37)), (15,)),
    CardIssuer("JCB", ((3528, 3589),), (16, 17, 18, 19)),
    CardIssuer("Mir", ((2200, 2204),), (16, 17, 18, 19)),
    # 19-digit UnionPay debit cards are how most Chinese bank accounts are written.
    CardIssuer("UnionPay", ((62, 62), (81, 81)), (16, 17, 18, 19)),
    # RuPay shares 81 with UnionPay, which names those numbers.
    CardIssuer(
        "RuPay",
        (
            (508500, 508999),
            (606985, 607984),
            (608001, 608500),
            (652150, 653149),
            (81, 82),
        ),
        (16,),
    ),
    CardIssuer(
        "Verve",
        ((506099, 506198), (507865, 507964), (650002, 650027)),
        (16, 18, 19),
    ),
    CardIssuer("Troy", ((9792, 9792),), (16,)),
    CardIssuer("Dankort", ((5019, 5019),), (16,)),
    CardIssuer("Discover", ((6011, 6011), (644, 649), (65, 65)), (16, 17, 18, 19)),
    CardIssuer("Diners Club", ((36, 36), (300, 305), (38, 39)), (14, 15, 16, 17, 18, 19)),
    # Maestro also issues 12-digit numbers: they pass, being as long as phone numbers and dates.
    CardIssuer(
        "Maestro",
        (
            (5018, 5018),
            (5020, 5020),
            (5038, 5038),
            (5893, 5893),
            (6304, 6304),
            (6759, 6759),
            (6761, 6763),
        ),
        (13, 14, 15, 16, 17, 18, 19),
    ),
)
CARD_MIN = min(length for issuer in CARD_ISSUERS for length in issuer.lengths)
CARD_MAX = max(length for issuer in CARD_ISSUERS for length in issuer.lengths)
CARD_GROUP = 4
# The most digits a phone number has in international form (ITU-T E.164).
PHONE_MAX = 15

# Any run of whitespace, written as one space before the text is read.
WHITESPACE = re.compile(r"\s+")
# Runs of digit groups joined by a space or a dash ("4111 1111-1111 1111"), with the
# "+" of an international phone number in front if there is one.
DIGIT_RUN = re.compile(r"(?P<plus>\+?)(?P<digits>[0-9]+(?:[ \-][0-9]+)*)")
# Runs of letter-and-digit groups joined by a space or a dash, where an IBAN may be.
WORD_RUN = re.compile(r"[A-Za-z0-9]+(?:[ \-][A-Za-z0-9]+)*", re.ASCII)
SEPARATOR = re.compile(r"[ \-]")
# An IBAN starts with a country code and two check digits.
IBAN_START = re.compile(r"[A-Za-z]{2}[0-9]{2}", re.ASCII)
IBAN_GROUP = 4
IBAN_MAX = 34


def _starts_in(digits: str, low: int, high: int) -> bool:
    return low <= int(digits[: len(str(low))]) <= high


def card_issuer(digits: str) -> CardIssuer | None:
    """The issuer whose range and length the digits fall in, whatever their check digit."""
    for issuer in CARD_ISSUERS:
        if len(digits) in issuer.lengths and any(
            _starts_in(digits, low, high) for low, high in issuer.ranges
        ):
            return issuer
    return None


def card_number_valid(digits: str) -> bool:
    return card_issuer(digits) is not None and luhn.is_valid(digits)


def _spaced(text: str) -> str:
    return WHITESPACE.sub(" ", text)


def contains_card_number(text: str) -> bool:
    """Whether some whole digit groups of the text form a card number."""
    for run in DIGIT_RUN.finditer(_spaced(text)):
        groups = SEPARATOR.split(run["digits"])
        opening = 0  # the group a card may start at, however long it is
        if run["plus"] or groups[0].startswith("00"):
            if len("".join(groups).removeprefix("00")) <= PHONE_MAX:
                continue  # a phone number in international form
            opening = 1  # a country code, then groups that may hold a card
        for start, head in enumerate(groups):
            if start != opening and len(head) != CARD_GROUP and len(head) < CARD_MIN:
                continue  # elsewhere a card starts with a group of four or of a card's length
            digits = ""
            for group in groups[start:]:
                digits += group
                if len(digits) > CARD_MAX:
                    break
                if len(digits) >= CARD_MIN and card_number_valid(digits):
                    return True
    return False


def iban_valid(candidate: str) -> bool:
    """Whether the candidate is an IBAN in its country's format with valid check digits."""
    return iban.is_valid(candidate)


def contains_iban(text: str) -> bool:
    """Whether the text holds an IBAN, written whole or in groups of four."""
    for run in WORD_RUN.finditer(_spaced(text)):
        groups = SEPARATOR.split(run.group(0))
        for start, first in enumerate(groups):
            if not IBAN_START.match(first):
                continue
            if iban_valid(first):
                return True
            if len(first) != IBAN_GROUP:
                continue
            candidate = first
            for group in groups[start + 1 :]:
                if len(group) > IBAN_GROUP:
                    break
                candidate += group
                if len(candidate) > IBAN_MAX:
                    break
                if iban_valid(candidate):
                    return True
                if len(group) < IBAN_GROUP:
                    break
    return False


@deconstructible
class NoPaymentDetailsValidator:
    """Refuse text holding a payment-card number or an IBAN."""

    message = PAYMENT_DETAILS_MESSAGE
    code = "payment_details"

    def __call__(self, value: object) -> None:
        text = str(value)
        if contains_card_number(text) or contains_iban(text):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NoPaymentDetailsValidator)

    def __hash__(self) -> int:
        return hash(self.code)


validate_no_payment_details = NoPaymentDetailsValidator()
