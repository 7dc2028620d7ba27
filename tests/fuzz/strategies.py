"""Hostile input for the fuzz tests: text no form expects, numbers that do not fit, fields
missing or repeated.

Every string here can travel in a real request: no lone surrogates, which no UTF-8 request
can carry (a browser or proxy sends U+FFFD instead).
"""

from __future__ import annotations

import unicodedata
from typing import Literal

from hypothesis import strategies as st

#: Characters that have broken web applications: NUL (PostgreSQL refuses it in text), other
#: controls, bidirectional overrides, zero-width and byte-order marks, line and paragraph
#: separators, combining marks, characters whose case or normalisation changes their length.
ODD_CHARACTERS = [
    "\x00", "\x01", "\x08", "\t", "\n", "\r", "\x1b", "\x7f", "\x85",
    "\u00a0", "\u00ad", "\u0301", "\u0336", "\u034f", "\u200b", "\u200d", "\u200e", "\u200f",
    "\u202a", "\u202e", "\u2066", "\u2069", "\u2028", "\u2029", "\u3000", "\ufeff", "\ufff9",
    "\ufffd", "\uffff", "\U0001f345", "\U0001f1e8\U0001f1f3", "\U000e0041", "\U0010ffff",
    "İ", "ß", "ﬁ", "Å", "Å", "ǅ", "ᾈ", "é", "é", "٣", "²", "𝟘", "ｓ",
    "'", '"', "<", ">", "&", "%", "\\", "/", ";", "--", "{{", "{%", "${", "../", "%00",
]  # fmt: skip

#: Every category of code point but surrogates (Cs): letters, marks, numbers, punctuation,
#: symbols, separators, controls (Cc), formats (Cf), private use (Co) and unassigned (Cn).
any_character = st.characters(codec="utf-8")

#: Controls, formats and separators only.
invisible_character = st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp"], codec="utf-8")

#: Numbers as a form would receive them: huge, negative, fractional, overflowing, foreign.
number_text = st.one_of(
    st.integers().map(str),
    st.integers(min_value=2**31 - 2, max_value=2**70).map(str),
    st.integers(min_value=-(2**70), max_value=-1).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(
        [
            "0",
            "-0",
            "00000001",
            "1e309",
            "-1e309",
            "1e-400",
            "NaN",
            "inf",
            "0x1F",
            "1_000",
            " 7 ",
            "+5",
            "٣",
            "²",
            "Ⅻ",
            "9" * 400,
            "1.",
            ".5",
            "1,5",
            "true",
            "null",
            "[]",
        ]
    ),  # fmt: skip
)

#: Text in one normalisation form or the other (NFC "é" is one code point, NFD two).
FORMS: list[Literal["NFC", "NFD", "NFKC", "NFKD"]] = ["NFC", "NFD", "NFKC", "NFKD"]
normalised_text = st.tuples(st.text(any_character, max_size=20), st.sampled_from(FORMS)).map(
    lambda pair: unicodedata.normalize(pair[1], pair[0])
)

#: Very long text, up to 10,000 characters: one character repeated, or a mixed run.
long_text = st.one_of(
    st.tuples(
        st.sampled_from(["a", "1", "\x00", "é", "\u202e", "𝟘", " "]), st.integers(201, 10_000)
    ).map(lambda pair: pair[0] * pair[1]),
    st.text(any_character, min_size=150, max_size=400),
)

hostile_text = st.one_of(
    st.text(any_character, max_size=40),
    st.lists(st.sampled_from(ODD_CHARACTERS) | any_character, max_size=12).map("".join),
    st.text(invisible_character, min_size=1, max_size=8),
    st.sampled_from(ODD_CHARACTERS),
    number_text,
    normalised_text,
    long_text,
)

#: A field's value in a form post: one value, or the field repeated with several.
MISSING = object()


def field_value(plausible: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[object]:
    """One field's value: often plausible (so that the other fields' checks run too), else
    hostile, repeated (a list: the field sent several times) or missing (``MISSING``)."""
    good = plausible if plausible is not None else hostile_text
    return st.one_of(
        good,
        good,
        hostile_text,
        st.lists(st.one_of(good, hostile_text), min_size=2, max_size=3),
        st.just(MISSING),
    )


def form_data(**fields: st.SearchStrategy[str] | None) -> st.SearchStrategy[dict[str, object]]:
    """A form post: each named field as ``field_value`` makes it, sometimes with an unknown
    field added. ``name=None`` means any hostile text is as good as any other."""
    strategies = {name: field_value(plausible) for name, plausible in fields.items()}
    extra = st.dictionaries(
        st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=12),
        hostile_text,
        max_size=2,
    )
    return st.tuples(st.fixed_dictionaries(strategies), extra).map(
        lambda pair: {
            **pair[1],
            **{name: value for name, value in pair[0].items() if value is not MISSING},
        }
    )


def one_of_these(*values: str) -> st.SearchStrategy[str]:
    """A plausible value among the few a field accepts."""
    return st.sampled_from(values)


#: Something for the ``next`` parameter: paths, other sites, schemes, odd text.
next_url = st.one_of(
    st.sampled_from(
        [
            "/",
            "/me/",
            "//evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "/\\evil.example",
            "///evil.example",
            "http:/evil",
            "/%0d%0aSet-Cookie:x=1",
            "/privacy/?a=1#b",
            "data:text/html,x",
            "\\\\evil.example",
            "/" + "a" * 3000,
        ]
    ),  # fmt: skip
    hostile_text,
)
