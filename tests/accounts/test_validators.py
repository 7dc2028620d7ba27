import random

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum import iban, luhn

from accounts.validators import (
    CARD_ISSUERS,
    PAYMENT_DETAILS_MESSAGE,
    CardIssuer,
    card_issuer,
    contains_card_number,
    contains_iban,
    validate_no_payment_details,
)

POLICY_ADVICE = (
    "Please be careful not to disclose your own property accounts, bank cards, credit "
    "cards, third-party payment accounts and corresponding passwords in our services."
)


def with_check_digit(body: str) -> str:
    """Append the Luhn check digit to a string of digits."""
    return body + luhn.calc_check_digit(body)


def issuer_prefixes(issuer: CardIssuer) -> list[str]:
    """Every leading-digit string of the issuer's ranges ("51-55" gives 51, 52, … 55)."""
    prefixes = []
    for prefix in issuer.prefixes:
        low, _, high = prefix.partition("-")
        prefixes += [str(n) for n in range(int(low), int(high or low) + 1)]
    return prefixes


def issuer_card_numbers(issuer: CardIssuer) -> st.SearchStrategy[str]:
    return st.tuples(
        st.sampled_from(issuer_prefixes(issuer)), st.sampled_from(issuer.lengths)
    ).flatmap(
        lambda pair: st.text(
            "0123456789", min_size=pair[1] - len(pair[0]) - 1, max_size=pair[1] - len(pair[0]) - 1
        ).map(lambda rest: with_check_digit(pair[0] + rest))
    )


card_numbers = st.sampled_from(CARD_ISSUERS).flatmap(issuer_card_numbers)
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
def test_any_card_number_in_an_issuers_range_in_text_is_refused(number, before, after, rnd):
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
            luhn.is_valid(digits[i:j])
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
        "GT86 photography",
        "MK11 cars",
        "AK47 collecting",
        "Yamaha RD350 collecting",  # passes the ISO 13616 check, but RD is no IBAN country
        "+86 138 0013 8000",
        "86 138 0013 8000",
        "8613800138000",
        "+86 133 0733 2389",  # 86… passes the Luhn check, but no issuer's range starts 86
        "86 133 0733 2389",
        "8613307332389",
        "+49 151 2345 4220",  # 49… would be a 13-digit Visa, but "+" makes it a phone number
        "0049 151 2345 4220",
        "Order #113-0896303-0491521",  # 0896303… is no card: inside a run, cards start in fours
        "1989-1990-1991-1992",
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


@pytest.mark.parametrize(
    ("digits", "issuer"),
    [
        ("4111111111111111", "Visa"),
        ("2720999999999999", "Mastercard"),
        ("2221000000000000", "Mastercard"),
        ("2220999999999999", None),
        ("378282246310005", "American Express"),
        ("6217001234567890123", "UnionPay"),
        ("8171999927660000", "UnionPay"),
        ("30569309025904", "Diners Club"),
        ("3589000000000000000", "JCB"),
        ("6445000000000000", "Discover"),
        ("8613800138000", None),
        ("13800138000", None),
        ("411111111111111", None),  # a Visa number is 13, 16 or 19 digits long
    ],
)
def test_card_issuer_reads_the_range_and_the_length(digits, issuer):
    found = card_issuer(digits)
    assert (found.name if found else None) == issuer


def iban_with_check(country: str, bban: str) -> str:
    return f"{country}{iban.calc_check_digits(country + '00' + bban)}{bban}"


# Account formats from the IBAN registry, including the Guatemalan and Macedonian ones that
# "GT86 photography" and "MK11 cars" only begin like.
IBAN_FORMATS = {
    "DE": r"[0-9]{18}",
    "GB": r"[A-Z]{4}[0-9]{14}",
    "FR": r"[0-9]{10}[A-Z0-9]{11}[0-9]{2}",
    "NL": r"[A-Z]{4}[0-9]{10}",
    "GT": r"[A-Z0-9]{24}",
    "MK": r"[0-9]{3}[A-Z0-9]{10}[0-9]{2}",
}
ibans = st.sampled_from(sorted(IBAN_FORMATS)).flatmap(
    lambda country: st.from_regex(IBAN_FORMATS[country], fullmatch=True).map(
        lambda bban: iban_with_check(country, bban)
    )
)


@given(ibans, prose, st.sampled_from(["", " ", "-"]))
def test_any_valid_iban_in_text_is_refused(number, before, separator):
    written = separator.join(number[i : i + 4] for i in range(0, len(number), 4))
    with pytest.raises(ValidationError):
        validate_no_payment_details(f"{before} {written.lower()} thanks")


@pytest.mark.parametrize(
    "text",
    [
        "GT86" + "A" * 24,  # the Guatemalan length, but the wrong check digits
        "GT86 photography club meets here",
        "RD35 0COL LECT ING",  # RD is no IBAN country
    ],
)
def test_iban_shapes_without_a_country_format_and_check_pass(text):
    assert not contains_iban(text)
