"""The card guard against two corpora: ordinary text it must let through, and real-format
payment details it must refuse.

Both corpora are built deterministically from fixed lists and counters, so a failure names
the same phrases on every run.
"""

from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from stdnum import ean, iban, luhn

from accounts.validators import CARD_ISSUERS, validate_no_payment_details
from tests.accounts.payment_numbers import grouped, iban_with_check, with_check_digit


def is_refused(text: str) -> bool:
    try:
        validate_no_payment_details(text)
    except ValidationError:
        return True
    return False


# Ordinary text -------------------------------------------------------------------------------

MODEL_NAMES = [
    "GT86", "MK11", "AK47", "AE86", "RX7", "RX-7", "S2000", "911 GT3", "PS5", "PS4 Pro",
    "F1 2024", "Route 66", "Boeing 747", "Boeing 747-400", "Airbus A380", "A350-900",
    "Canon EOS 5D Mark IV", "Canon AE-1", "Nikon D850", "Nikon F3", "Sony A7 III",
    "Fujifilm X100V", "Leica M6", "Pentax K1000", "Olympus OM-1", "Hasselblad 500C/M",
    "Rolleiflex 2.8F", "Ricoh GR III", "Mk1 Golf GTI", "E30 M3", "E46 M3", "R34 GT-R",
    "Supra MK4", "NSX NA1", "DC2 Integra Type R", "EK9 Civic", "Evo 9", "WRX STI", "Model 3",
    "Ferrari 250 GTO", "Porsche 356", "Porsche 964", "Defender 110", "Mini Cooper S",
    "GT40", "DB5", "DB11", "Vespa GTS 300", "Ducati 916", "Honda CB750", "Yamaha RD350",
    "Kawasaki Z900", "BMW R1250GS", "Triumph T120", "Spitfire Mk IX", "P-51 Mustang",
    "F-14 Tomcat", "SR-71", "B-17", "Xbox 360", "N64", "Nintendo 3DS", "Game Boy DMG-01",
    "Commodore 64", "ZX Spectrum 48K", "Amiga 500", "TRS-80", "Apple IIe", "iPhone 15 Pro",
    "Pixel 8", "Galaxy S24", "AK-74", "M1 Garand", "Colt 1911", "LEGO 10497",
    "LEGO Technic 42115", "Warhammer 40k", "D&D 5e", "Class 47", "HST 125",
    "Flying Scotsman 4472", "Mallard 4468", "Roland TR-808", "TR-909", "TB-303", "Korg MS-20",
    "Fender Stratocaster 1962", "Gibson Les Paul 1959", "Technics SL-1200 MK2", "Casio F-91W",
    "Seiko SKX007", "Rolex 16610", "Omega Speedmaster 3570.50", "Apollo 11", "Saturn V",
    "Voyager 1", "Highway 61", "US 101", "M25", "Interstate 80", "Area 51", "DE89 club",
    "GB82 team", "NL91 crew", "FR14 fans",
]  # fmt: skip
HOBBY_TEMPLATES = [
    "{} photography",
    "{} collecting",
    "{} cars",
    "{} spotting",
    "{} gaming",
    "{} road trips",
    "restoring a {} at weekends",
    "{} club meets every Sunday",
    "{} fans club news and more",
    "I love my {}!",
]


def hobby_phrases() -> Iterator[str]:
    for name in MODEL_NAMES:
        for template in HOBBY_TEMPLATES:
            yield template.format(name)


CHINESE_MOBILE_PREFIXES = [
    *range(130, 140), 145, 147, *range(150, 154), *range(155, 160), 166, *range(170, 179),
    *range(180, 190), *range(190, 200),
]  # fmt: skip
CHINESE_MOBILE_FORMATS = [
    "+86 {p} {a} {b}",
    "86 {p} {a} {b}",
    "86{p}{a}{b}",
    "+86{p}{a}{b}",
    "+86-{p}-{a}-{b}",
    "+86 {p}{a}{b}",
    "0086 {p} {a} {b}",
    "call me on {p} {a} {b}",
    "{p}{a}{b}",
]


def chinese_mobiles() -> Iterator[tuple[int, str]]:
    """Eleven-digit mobile numbers, as (prefix, eight-digit subscriber number)."""
    for prefix in CHINESE_MOBILE_PREFIXES:
        for k in range(8):
            yield prefix, f"{(prefix * 7919 + k * 1_046_527) % 10**8:08d}"


def chinese_mobile_phrases() -> Iterator[str]:
    for prefix, subscriber in chinese_mobiles():
        for template in CHINESE_MOBILE_FORMATS:
            yield template.format(p=prefix, a=subscriber[:4], b=subscriber[4:])


def western_phone_phrases() -> Iterator[str]:
    for n in range(0, 10_000, 211):
        m = n % 1000
        a, b = divmod(n % 10_000, 100)
        yield from [
            # United Kingdom
            f"+44 20 7946 {n:04d}",
            f"020 7946 {n:04d}",
            f"+44 (0)20 7946 {n:04d}",
            f"+44 7700 900{m:03d}",
            f"07700 900{m:03d}",
            f"0044 7700 900 {m:03d}",
            # United States
            f"+1 (415) 555-{n:04d}",
            f"(415) 555-{n:04d}",
            f"415-555-{n:04d}",
            f"1-800-555-{n:04d}",
            f"+1 415 555 {n:04d}",
            f"001 415 555 {n:04d}",
            # Germany
            f"+49 30 1234{n:04d}",
            f"030 1234 {n:04d}",
            f"+49 151 2345 {n:04d}",
            f"0151 2345{n:04d}",
            f"0049 151 2345 {n:04d}",
            f"+49 (0)151 2345 {n:04d}",
            f"+49 171 {n:04d}{m:03d}",
            # France
            f"+33 6 12 34 {a:02d} {b:02d}",
            f"06 12 34 {a:02d} {b:02d}",
            f"0033 6 12 34 {a:02d} {b:02d}",
            f"06-12-34-{a:02d}-{b:02d}",
            f"06.12.34.{a:02d}.{b:02d}",
            f"+33 (0)1 23 45 {a:02d} {b:02d}",
        ]


def date_phrases() -> Iterator[str]:
    day = date(2020, 1, 1)
    while day < date(2027, 1, 1):
        yield from [
            f"{day:%Y-%m-%d}",
            f"{day:%d %m %Y}",
            f"{day:%Y %m %d} 09 30",
            f"born {day:%d/%m/%Y}",
            f"from {day:%Y-%m-%d} to {day + timedelta(days=3):%Y-%m-%d}",
            f"{day:%d-%m-%Y} at 14:30",
        ]
        day += timedelta(days=11)


def isbn13(body: str) -> str:
    return f"{body}-{ean.calc_check_digit(body.replace('-', ''))}"


def isbn_phrases() -> Iterator[str]:
    for k in range(0, 1000, 13):
        yield f"ISBN {isbn13(f'978-3-16-148{k:03d}')}"
        yield f"reading {isbn13(f'979-10-90636-{k:03d}').replace('-', ' ')}"
        yield isbn13(f"978-0-{k:03d}-40615").replace("-", "")


POSTCODES = [
    "SW1A 1AA", "EC1A 1BB", "W1A 0AX", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "NW10 6RB",
    "90210", "90210-1234", "10001-0001", "94105", "10115 Berlin", "80331 München",
    "1012 AB Amsterdam", "3011 AD Rotterdam", "75001 Paris", "13001 Marseille", "100000",
    "200040 Shanghai", "518000 Shenzhen", "1010 Wien", "8001 Zürich", "D02 X285",
]  # fmt: skip


def postcode_phrases() -> Iterator[str]:
    for code in POSTCODES:
        yield code
        yield f"I live near {code}, say hello"


def order_number_phrases() -> Iterator[str]:
    for k in range(0, 100_000, 997):
        yield f"Order #1{k % 100:02d}-{k * 31 % 10**7:07d}-{k * 17 % 10**7:07d}"
        yield f"ORD-2024-{k:06d}"
        yield f"invoice INV-2025-{k % 100_000:05d}"
        yield f"ticket 12-{k:05d}-{k * 7 % 10**5:05d}"


def year_range_phrases() -> Iterator[str]:
    for start in range(1950, 2031, 3):
        yield f"{start}-{start + 4}"
        yield f"{start}–{start + 10}"
        yield f"season {start}-{(start + 1) % 100:02d}"
        yield f"{start}-{start + 1}-{start + 2}-{start + 3}"
        yield f"{start} {start + 5} {start + 10} {start + 15}"


# Spaces a word processor or a phone's keyboard puts between groups of digits.
OTHER_SPACES = ["\u00a0", "\u202f", "  "]


def phrases_with_other_spaces() -> Iterator[str]:
    """Phone numbers and dates written with non-breaking spaces or double spaces."""
    phrases = [*western_phone_phrases(), *date_phrases()]
    for k, phrase in enumerate(phrases):
        yield phrase.replace(" ", OTHER_SPACES[k % len(OTHER_SPACES)])


ORDINARY: dict[str, Callable[[], Iterator[str]]] = {
    "hobbies": hobby_phrases,
    "Chinese mobiles": chinese_mobile_phrases,
    "UK, US, German and French phones": western_phone_phrases,
    "dates": date_phrases,
    "ISBNs": isbn_phrases,
    "postcodes": postcode_phrases,
    "order numbers": order_number_phrases,
    "year ranges": year_range_phrases,
    "phones and dates with other spaces": phrases_with_other_spaces,
}


def test_the_ordinary_corpus_holds_at_least_eight_thousand_phrases():
    assert sum(len(list(phrases())) for phrases in ORDINARY.values()) >= 8000


def test_the_chinese_mobiles_include_numbers_that_pass_the_luhn_check():
    """About one in ten "86…" numbers passes the Luhn check; the corpus must hold such."""
    passing = [p for p, s in chinese_mobiles() if luhn.is_valid(f"86{p}{s}")]
    assert len(passing) >= 20


@pytest.mark.parametrize("category", ORDINARY)
def test_ordinary_text_is_not_refused(category):
    refused = [text for text in ORDINARY[category]() if is_refused(text)]
    assert refused == []


# Payment details -----------------------------------------------------------------------------

CARD_PATTERNS = [
    # (issuer, leading digits, length)
    ("Visa", "4111", 16), ("Visa", "4242", 16), ("Visa", "4222", 13), ("Visa", "4000", 19),
    ("Mastercard", "51", 16), ("Mastercard", "52", 16), ("Mastercard", "53", 16),
    ("Mastercard", "54", 16), ("Mastercard", "55", 16), ("Mastercard", "2221", 16),
    ("Mastercard", "2500", 16), ("Mastercard", "2720", 16),
    ("American Express", "34", 15), ("American Express", "37", 15),
    ("JCB", "3528", 16), ("JCB", "3566", 16), ("JCB", "3589", 19),
    ("Discover", "6011", 16), ("Discover", "644", 16), ("Discover", "65", 19),
    ("Diners Club", "36", 14), ("Diners Club", "300", 14), ("Diners Club", "38", 16),
    ("UnionPay", "62", 16), ("UnionPay", "6217", 19), ("UnionPay", "6222", 19),
    ("UnionPay", "6228", 19), ("UnionPay", "81", 16),
    ("Maestro", "6759", 16), ("Maestro", "5018", 13),
    ("Mir", "2200", 16), ("Mir", "2204", 19),
    ("RuPay", "5085", 16), ("RuPay", "607000", 16), ("RuPay", "6522", 16), ("RuPay", "82", 16),
    ("Troy", "9792", 16),
    ("Dankort", "5019", 16),
    ("Verve", "506100", 16), ("Verve", "650020", 19),
]  # fmt: skip


def card_number(prefix: str, length: int, k: int) -> str:
    return with_check_digit((prefix + f"{k * 7_368_787:013d}" * 2)[: length - 1])


def card_numbers() -> Iterator[str]:
    for _issuer, prefix, length in CARD_PATTERNS:
        for k in range(1, 4):
            yield card_number(prefix, length, k)


def iban_numbers() -> Iterator[str]:
    yield from [
        "DE89370400440532013000",
        "GB82WEST12345698765432",
        "FR1420041010050500013M02606",
        "NL91ABNA0417164300",
    ]
    for k in range(1, 6):
        yield iban_with_check("DE", f"{k * 12_345_678:08d}{k * 987_654_321 % 10**10:010d}")
        yield iban_with_check("GB", f"NWBK{k * 60_161:06d}{k * 31_926_819 % 10**8:08d}")
        yield iban_with_check("FR", f"30006{k:05d}{k * 4_567:07d}AB{k}C{k * 11:02d}")
        bank = ["INGB", "RABO", "ABNA"][k % 3]
        yield iban_with_check("NL", f"{bank}{k * 417_164_300 % 10**10:010d}")


def written(number: str) -> list[str]:
    return [
        number,
        grouped(number, " "),
        grouped(number, "-"),
        f"Please use {grouped(number, ' ')} for the payment, thanks.",
    ]


def written_with_other_spaces(number: str) -> list[str]:
    return [grouped(number, space) for space in OTHER_SPACES]


PAYMENT: dict[str, Callable[[], Iterator[str]]] = {
    "card numbers": lambda: (text for number in card_numbers() for text in written(number)),
    "Amex as 4-6-5": lambda: (
        f"amex {n[:4]} {n[4:10]} {n[10:]}" for n in card_numbers() if len(n) == 15
    ),
    "IBANs": lambda: (text for number in iban_numbers() for text in written(number)),
    "IBANs in lower case": lambda: (grouped(n, " ").lower() for n in iban_numbers()),
    "numbers with non-breaking or double spaces": lambda: (
        text
        for number in [*card_numbers(), *iban_numbers()]
        for text in written_with_other_spaces(number)
    ),
}


def test_the_payment_corpus_holds_every_issuer_and_at_least_four_hundred_texts():
    assert {issuer for issuer, _prefix, _length in CARD_PATTERNS} == {
        issuer.name for issuer in CARD_ISSUERS
    }
    assert sum(len(list(texts())) for texts in PAYMENT.values()) >= 400


def test_the_payment_corpus_numbers_are_valid():
    assert all(luhn.is_valid(number) for number in card_numbers())
    assert all(iban.is_valid(number) for number in iban_numbers())


@pytest.mark.parametrize("kind", PAYMENT)
def test_payment_details_are_refused(kind):
    passed = [text for text in PAYMENT[kind]() if not is_refused(text)]
    assert passed == []
