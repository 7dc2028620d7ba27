import random

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st

from accounts.validators import (
    PAYMENT_DETAILS_MESSAGE,
    contains_card_number,
    contains_iban,
    luhn_valid,
    validate_no_payment_details,
)

POLICY_ADVICE = (
    "Please be careful not to disclose your own property accounts, bank cards, credit "
    "cards, third-party payment accounts and corresponding passwords in our services."
)


def with_check_digit(body: str) -> str:
    """Append the Luhn check digit to a string of digits."""
    for digit in "0123456789":
        if luhn_valid(body + digit):
            return body + digit
    raise AssertionError("unreachable")


card_numbers = st.integers(min_value=12, max_value=18).flatmap(
    lambda length: st.text("0123456789", min_size=length, max_size=length).map(with_check_digit)
)
prose = st.text(
    alphabet=st.characters(categories=["L", "Zs"], exclude_characters="\n"), max_size=40
)


def formatted(digits: str, rnd: random.Random) -> str:
    """The digits split into groups by spaces or dashes, as people write them."""
    out = []
    for index, char in enumerate(digits):
        if index and rnd.random() < 0.25:
            out.append(rnd.choice([" ", "-"]))
        out.append(char)
    return "".join(out)


@given(card_numbers, prose, prose, st.randoms(use_true_random=False))
def test_any_luhn_valid_card_number_in_text_is_refused(number, before, after, rnd):
    text = f"{before} {formatted(number, rnd)} {after}"
    with pytest.raises(ValidationError) as error:
        validate_no_payment_details(text)
    assert error.value.code == "payment_details"


@given(prose)
def test_text_without_digits_passes(text):
    validate_no_payment_details(text)


@given(st.text("0123456789", min_size=1, max_size=12), prose)
def test_numbers_of_phone_length_pass(number, text):
    validate_no_payment_details(f"{text} call {number}")


@given(st.text("0123456789", min_size=13, max_size=19))
def test_digit_runs_that_fail_the_luhn_check_pass(digits):
    assume(
        not any(
            luhn_valid(digits[i:j])
            for i in range(len(digits))
            for j in range(i + 13, len(digits) + 1)
        )
    )
    validate_no_payment_details(f"order {digits}")


@pytest.mark.parametrize(
    "text",
    [
        "my card is 4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111111111111111 exp 12/29",
        "amex 3782 822463 10005",
        "call 555 4111 1111 1111 1111 now",
        "IBAN GB82 WEST 1234 5698 7654 32",
        "pay to DE89370400440532013000 please",
        "fr7630006000011234567890189",
    ],
)
def test_examples_of_payment_details_are_refused(text):
    with pytest.raises(ValidationError):
        validate_no_payment_details(text)


@pytest.mark.parametrize(
    "text",
    [
        "gardening, chess and 5-a-side football",
        "born 2010-05-17, joined 25/11/2026",
        "+44 20 7946 0958",
        "(555) 123-4567",
        "order 1234567890123",  # 13 digits, fails the Luhn check
        "GB82 WEST 1234 5698 7654 33",  # IBAN shape with a wrong check
        "DE89" + "\u212a" * 11,  # a Kelvin sign is not a letter K
        "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦",  # Arabic-Indic digits are not a card number
        "",
    ],
)
def test_ordinary_text_dates_and_phone_numbers_pass(text):
    validate_no_payment_details(text)


def test_the_message_quotes_the_policy_advice():
    assert POLICY_ADVICE in str(PAYMENT_DETAILS_MESSAGE)


def test_helpers_find_what_they_say():
    assert contains_card_number("4111 1111 1111 1111")
    assert not contains_card_number("4111 1111 1111 1112")
    assert contains_iban("GB82WEST12345698765432")
    assert not contains_iban("hello world")


def iban_with_check(country: str, bban: str) -> str:
    number = "".join(str(int(char, 36)) for char in bban + country + "00")
    return f"{country}{98 - int(number) % 97:02d}{bban}"


ibans = st.builds(
    iban_with_check,
    st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2),
    st.text("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=11, max_size=30),
)


@given(ibans, prose, st.booleans())
def test_any_valid_iban_in_text_is_refused(iban, before, grouped):
    written = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)) if grouped else iban
    with pytest.raises(ValidationError):
        validate_no_payment_details(f"{before} {written.lower()} thanks")
