"""Helpers that build payment numbers and write them as people do, for the card guard's tests."""

from stdnum import iban, luhn


def with_check_digit(body: str) -> str:
    """Append the Luhn check digit to a string of digits."""
    return body + luhn.calc_check_digit(body)


def iban_with_check(country: str, bban: str) -> str:
    """The IBAN of a country's account number, with its ISO 13616 check digits."""
    return f"{country}{iban.calc_check_digits(country + '00' + bban)}{bban}"


def grouped(number: str, separator: str, size: int = 4) -> str:
    """The number in groups of four (or of size) joined by the separator."""
    return separator.join(number[i : i + size] for i in range(0, len(number), size))
