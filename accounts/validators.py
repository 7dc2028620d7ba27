"""The card and bank number guard for every free-text field a user can fill.

The policy asks people not to share "property accounts, bank cards, credit
cards, third-party payment accounts and corresponding passwords in our
services"; the site holds them to it by refusing payment-card numbers
(13–19 digits passing the Luhn check, written with or without spaces or
dashes) and IBANs (passing the ISO 13616 check) in free text.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

PAYMENT_DETAILS_MESSAGE = _(
    "This looks like a card or bank account number. Our privacy policy asks you: "
    "“Please be careful not to disclose your own property accounts, bank cards, credit "
    "cards, third-party payment accounts and corresponding passwords in our services.” "
    "Please remove it."
)

# Runs of digit groups joined by single spaces or dashes ("4111 1111-1111 1111").
DIGIT_RUN = re.compile(r"[0-9]+(?:[ \-][0-9]+)*")
# An IBAN starts with a country code and two check digits; it may be written in groups.
IBAN_START = re.compile(r"[A-Za-z]{2}[0-9]{2}[A-Za-z0-9]*", re.ASCII)
IBAN_PART = re.compile(r"[A-Za-z0-9]+", re.ASCII)
IBAN_MAX = 34
CARD_MIN, CARD_MAX = 13, 19


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def contains_card_number(text: str) -> bool:
    """Whether some whole digit groups of the text form a Luhn-valid 13–19 digit number."""
    for run in DIGIT_RUN.finditer(text):
        groups = re.split(r"[ \-]", run.group(0))
        for start in range(len(groups)):
            digits = ""
            for group in groups[start:]:
                digits += group
                if len(digits) > CARD_MAX:
                    break
                if len(digits) >= CARD_MIN and luhn_valid(digits):
                    return True
    return False


def iban_valid(candidate: str) -> bool:
    iban = candidate.replace(" ", "").upper()
    if not 15 <= len(iban) <= 34:
        return False
    if not iban.isascii() or not iban.isalnum():
        return False
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(int(char, 36)) for char in rearranged)
    return int(number) % 97 == 1


def contains_iban(text: str) -> bool:
    """Whether some words of the text, joined, form an IBAN with a valid check."""
    words = [word.strip(".,;:!?()[]{}\"'") for word in text.split()]
    for start, word in enumerate(words):
        if not IBAN_START.fullmatch(word):
            continue
        candidate = ""
        for part in words[start:]:
            if not IBAN_PART.fullmatch(part):
                break
            candidate += part
            if len(candidate) > IBAN_MAX:
                break
            if iban_valid(candidate):
                return True
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
