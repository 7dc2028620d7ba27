"""The Chinese text of policy version 1.0 is whole and in step with the English."""

import re
import unicodedata
from pathlib import Path

import pytest

POLICY_DIR = Path(__file__).resolve().parents[2] / "consent" / "policy"
ENGLISH = POLICY_DIR / "privacy-policy-v1.md"
CHINESE = POLICY_DIR / "privacy-policy-v1.zh-hans.md"
SUMMARY = POLICY_DIR / "privacy-policy-v1.zh-hans.summary.txt"

HEADING = re.compile(r"^(#{1,6}) \S")
LIST_ITEM = re.compile(r"^(?:[-*+]|\d+[.)]) \S")


def blocks(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8").strip()
    return [block for block in re.split(r"\n\s*\n", text) if block.strip()]


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def headings_per_level(path: Path) -> dict[int, int]:
    levels: dict[int, int] = {}
    for line in lines(path):
        if match := HEADING.match(line):
            level = len(match.group(1))
            levels[level] = levels.get(level, 0) + 1
    return levels


def list_markers(path: Path) -> list[str]:
    return [line.split(" ", 1)[0] for line in lines(path) if LIST_ITEM.match(line)]


def shape(path: Path) -> list[str]:
    """Each block as its kind: a heading of some level, a list of n items, or a paragraph."""
    kinds = []
    for block in blocks(path):
        first = block.splitlines()[0]
        if match := HEADING.match(first):
            kinds.append(f"h{len(match.group(1))}")
        elif LIST_ITEM.match(first):
            items = sum(1 for line in block.splitlines() if LIST_ITEM.match(line))
            kinds.append(f"list of {items}")
        else:
            kinds.append("paragraph")
    return kinds


def is_cjk(char: str) -> bool:
    return unicodedata.name(char, "").startswith("CJK UNIFIED IDEOGRAPH")


def test_same_headings_at_each_level():
    assert headings_per_level(ENGLISH)
    assert headings_per_level(CHINESE) == headings_per_level(ENGLISH)


def test_same_list_items_and_markers():
    assert list_markers(ENGLISH)
    assert list_markers(CHINESE) == list_markers(ENGLISH)


def test_same_number_of_paragraphs():
    assert len(blocks(CHINESE)) == len(blocks(ENGLISH))


def test_same_blocks_in_the_same_order():
    assert shape(CHINESE) == shape(ENGLISH)


def test_chinese_is_mostly_cjk():
    letters = [char for char in CHINESE.read_text(encoding="utf-8") if char.isalpha()]
    cjk = sum(1 for char in letters if is_cjk(char))
    assert cjk / len(letters) > 0.5


@pytest.mark.parametrize("mark", [",", ";", ":", "(", ")", "?", "!", '"'])
def test_chinese_prose_uses_full_width_punctuation(mark):
    prose = [block for block in blocks(CHINESE) if not HEADING.match(block)]
    assert not [block for block in prose if mark in block]


def test_change_summary_is_one_chinese_line():
    text = SUMMARY.read_text(encoding="utf-8")
    assert text.endswith("\n")
    assert text.count("\n") == 1
    line = text.rstrip("\n")
    assert line == line.strip()
    assert line.endswith("。")
    assert "Tomato" in line
    assert any(is_cjk(char) for char in line)
