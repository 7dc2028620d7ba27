"""SECURITY.md's table of OWASP ASVS requirements names tests that exist and prove them.

The table is read as text; the test modules it names are parsed with ``ast`` (never
imported here), then pytest collects every named test in one run of its own.
"""

import ast
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECURITY_MD = ROOT / "SECURITY.md"

ASVS_ID = re.compile(r"^V(\d+)\.\d+\.\d+$")
LEVELS = {"L1", "L2", "L3"}
MINIMUM_ROWS = 30
#: The chapters the table must cover: encoding, validation and the browser; authentication;
#: sessions; authorization; cryptography; configuration; data protection; logging and errors.
CHAPTERS = {
    1: "Encoding and Sanitization",
    2: "Validation and Business Logic",
    3: "Web Frontend Security",
    6: "Authentication",
    7: "Session Management",
    8: "Authorization",
    11: "Cryptography",
    13: "Configuration",
    14: "Data Protection",
    16: "Security Logging and Error Handling",
}
NODE_ID = re.compile(r"^(tests/[\w/]+\.py)::(?:(\w+)::)?(test_\w+)$")


@dataclass(frozen=True)
class Row:
    line: int
    asvs: str
    level: str
    requirement: str
    how: str
    test: str

    def __str__(self) -> str:
        return f"SECURITY.md line {self.line} ({self.asvs})"


def cells(line: str) -> list[str]:
    """The cells of a Markdown table row; a ``|`` inside backticks is text, not a border."""
    found: list[str] = []
    current: list[str] = []
    in_code = False
    for char in line.strip().strip("|"):
        if char == "`":
            in_code = not in_code
        if char == "|" and not in_code:
            found.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    found.append("".join(current).strip())
    return found


@cache
def rows() -> tuple[Row, ...]:
    found = []
    for number, line in enumerate(SECURITY_MD.read_text().splitlines(), start=1):
        if not line.startswith("| V"):
            continue
        parts = cells(line)
        assert len(parts) == 5, f"SECURITY.md line {number}: 5 cells expected, not {len(parts)}"
        asvs, level, requirement, how, test = parts
        found.append(Row(number, asvs, level, requirement, how, test.strip("`")))
    return tuple(found)


def test_the_table_has_enough_rows_over_every_chapter():
    table = rows()
    assert len(table) >= MINIMUM_ROWS, f"{len(table)} rows, at least {MINIMUM_ROWS} expected"
    covered = {int(match.group(1)) for row in table if (match := ASVS_ID.match(row.asvs))}
    missing = {f"V{number} {name}" for number, name in CHAPTERS.items() if number not in covered}
    assert not missing, f"no row for: {', '.join(sorted(missing))}"


@pytest.mark.parametrize("row", rows(), ids=str)
def test_each_row_has_an_asvs_id_a_level_and_what_it_says(row):
    assert ASVS_ID.match(row.asvs), f"{row}: an id like V6.2.1 expected, not {row.asvs!r}"
    assert row.level in LEVELS, f"{row}: level {row.level!r} is not one of L1, L2, L3"
    assert row.requirement, f"{row}: the requirement is empty"
    assert row.how, f"{row}: how Tomato meets it is empty"


def test_no_requirement_is_listed_twice():
    seen: dict[str, Row] = {}
    twice = []
    for row in rows():
        if row.asvs in seen:
            twice.append(f"{row} repeats line {seen[row.asvs].line}")
        seen.setdefault(row.asvs, row)
    assert not twice, "; ".join(twice)


@cache
def definitions(path: Path) -> dict[str | None, set[str]]:
    """Test functions of a module by class (``None``: at module level), from its syntax tree."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: dict[str | None, set[str]] = {None: set()}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found[None].add(node.name)
        elif isinstance(node, ast.ClassDef):
            found[node.name] = {
                item.name
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            }
    return found


@pytest.mark.parametrize("row", rows(), ids=str)
def test_each_row_names_a_test_that_exists(row):
    match = NODE_ID.match(row.test)
    assert match, f"{row}: {row.test!r} is not like tests/…/test_x.py::[Class::]test_name"
    path, class_name, function = match.groups()
    module = ROOT / path
    assert module.is_file(), f"{row}: there is no file {path}"
    defined = definitions(module)
    if class_name is not None:
        assert class_name in defined, f"{row}: {path} defines no class {class_name}"
    assert function in defined[class_name], f"{row}: {path} defines no {function}" + (
        f" in {class_name}" if class_name else " at module level"
    )


def test_pytest_collects_every_test_the_table_names():
    node_ids = sorted({row.test for row in rows()})
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:randomly", *node_ids],
        cwd=ROOT,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    by_test = {row.test: row for row in rows()}
    # A name pytest cannot find stops the whole collection: report those names alone.
    not_found = [n for n in node_ids if re.search(rf"not found: \S*{re.escape(n)}$", output, re.M)]
    assert not not_found, "; ".join(f"{by_test[n]}: pytest cannot collect {n}" for n in not_found)
    collected = {line.split("[")[0] for line in result.stdout.splitlines() if "::" in line}
    uncollected = [
        f"{by_test[n]}: pytest cannot collect {n}" for n in node_ids if n not in collected
    ]
    assert not uncollected, "; ".join(uncollected) + "\n" + output[-2000:]
    assert result.returncode == 0, output[-2000:]
