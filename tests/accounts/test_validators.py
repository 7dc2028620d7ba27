import random

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum import luhn

from accounts.validators import (
    CARD_ISSUERS,
    CARD_MAX,
    CARD_MIN,
    PAYMENT_DETAILS_MESSAGE,
    CardIssuer,
    card_issuer,
    contains_card_number,
    contains_iban,
    validate_no_payment_details,
)
from tests.accounts.payment_numbers import grouped, iban_with_check, with_check_digit

POLICY_ADVICE = (
    "Please be careful not to disclose your own property accounts, bank cards, credit "
    "cards, third-party payment accounts and corresponding passwords in our services."
)


def issuer_prefixes(issuer: CardIssuer) -> list[str]:
    """Every leading-digit string of the issuer's ranges ((51, 55) gives 51, 52, … 55)."""
    return [str(n) for low, high in issuer.ranges for n in range(low, high + 1)]


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


# What people put between groups of digits, the non-breaking spaces and the double space
# included (a word processor or a phone's keyboard writes them).
GROUP_SEPARATORS = [" ", "-", "  ", "\u00a0", "\u202f"]


def formatted(digits: str, rnd: random.Random) -> str:
    """The digits split into groups by spaces or dashes, as people write them."""
    out = []
    for index, char in enumerate(digits):
        if index and rnd.random() < 0.25:
            out.append(rnd.choice(GROUP_SEPARATORS))
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


@given(st.text("0123456789", min_size=CARD_MIN - 1, max_size=CARD_MAX - 1))
def test_a_luhn_valid_number_in_no_issuers_range_passes(body):
    number = with_check_digit(body)
    assume(card_issuer(number) is None)
    validate_no_payment_details(f"reference {number}")


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
        # A card starts at any group long enough to be one, not only at a group of four.
        "2024 4111111111111111",
        "flat 3 4111111111111111",
        "no-1 378282246310005",
        # More digits than a phone number has (E.164: at most 15) are no phone number.
        "+44 4111 1111 1111 1111",
        "00 4111 1111 1111 1111",
        "+1 378282246310005",
        # Groups joined by non-breaking spaces, or by more than one space.
        "4111\u00a01111\u00a01111\u00a01111",
        "4111\u202f1111\u202f1111\u202f1111",
        "4111  1111  1111  1111",
        "IBAN GB82\u00a0WEST\u00a01234\u00a05698\u00a07654\u00a032",
        "IBAN DE89  3704  0044  0532  0130  00",
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
        "0086 133 0733 2389",
        "+86\u00a0133\u00a00733\u00a02389",
        "+49  151  2345  4220",
        # 0896303… is no card: inside a run, a card starts at a group of four or of 13 digits.
        "Order #113-0896303-0491521",
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


@pytest.mark.parametrize("issuer", CARD_ISSUERS, ids=lambda issuer: issuer.name)
def test_each_issuer_range_is_written_with_one_number_of_digits(issuer):
    assert all(len(str(low)) == len(str(high)) and low <= high for low, high in issuer.ranges)


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
        ("2200123412341234", "Mir"),
        ("2204123412341234123", "Mir"),
        ("2205123412341234", None),
        ("5085001234123412", "RuPay"),
        ("6069851234123412", "RuPay"),
        ("6069841234123412", None),
        ("6085001234123412", "RuPay"),
        ("6085011234123412", None),
        ("6521501234123412", "RuPay"),
        ("6531491234123412", "RuPay"),
        ("8212341234123412", "RuPay"),
        ("9792123412341234", "Troy"),
        ("9793123412341234", None),
        ("5019123412341234", "Dankort"),
        ("5060991234123412", "Verve"),
        ("5078651234123412345", "Verve"),
        ("6500271234123412", "Verve"),
        ("50609912341234123", None),  # a Verve number is 16, 18 or 19 digits long
        ("5018123412341", "Maestro"),
    ],
)
def test_card_issuer_reads_the_range_and_the_length(digits, issuer):
    found = card_issuer(digits)
    assert (found.name if found else None) == issuer


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


@given(ibans, prose, st.sampled_from(["", *GROUP_SEPARATORS]))
def test_any_valid_iban_in_text_is_refused(number, before, separator):
    with pytest.raises(ValidationError):
        validate_no_payment_details(f"{before} {grouped(number, separator).lower()} thanks")


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
