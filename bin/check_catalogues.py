"""make check: every string the site shows has a Chinese translation in a committed catalogue.

Runs ``makemessages`` as ``make translations`` does, over the committed ``.po`` files, and
fails when it leaves an entry untranslated or fuzzy: a string added or changed in the code
or the templates without its translation. The catalogues are put back as they were, so the
check changes nothing. The supplement of third-party strings (``locale/allauth``), which
``makemessages`` does not write, must be whole too.

Usage: ``python bin/check_catalogues.py`` from the project root (``make check`` does it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE = "zh_Hans"
#: What ``makemessages`` leaves out: tooling, tests and the benchmark speak to developers.
IGNORED = [".*", "node_modules/*", "tests/*", "bench/*", "docs/*", "staticfiles/*"]
SUPPLEMENT = ROOT / "locale" / "allauth" / LANGUAGE / "LC_MESSAGES" / "django.po"


def catalogues() -> list[Path]:
    """Our own catalogues: the project's (templates, tomato/) and each app's."""
    found = [ROOT / "locale" / LANGUAGE / "LC_MESSAGES" / "django.po"]
    found += sorted(ROOT.glob(f"*/locale/{LANGUAGE}/LC_MESSAGES/django.po"))
    return [path for path in found if path.exists()]


def makemessages_command() -> list[str]:
    command = [sys.executable, "manage.py", "makemessages", "-l", LANGUAGE, "--no-obsolete"]
    for pattern in IGNORED:
        command += ["--ignore", pattern]
    return command


def msgids(path: Path, *selection: str) -> list[str]:
    """The msgids ``msgattrib`` selects (``--untranslated`` or ``--only-fuzzy``)."""
    output = subprocess.run(
        ["msgattrib", *selection, "--no-obsolete", "--no-wrap", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found = []
    for line in output.splitlines():
        if line.startswith("msgid ") and line != 'msgid ""':
            found.append(line.removeprefix("msgid ").strip('"'))
    return found


def problems_in(path: Path) -> list[str]:
    relative = path.relative_to(ROOT)
    untranslated = [
        f"{relative}: untranslated: {msgid}" for msgid in msgids(path, "--untranslated")
    ]
    fuzzy = [f"{relative}: fuzzy: {msgid}" for msgid in msgids(path, "--only-fuzzy")]
    return untranslated + fuzzy


def main() -> int:
    before = {path: path.read_bytes() for path in catalogues()}
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "1")}
    try:
        subprocess.run(makemessages_command(), cwd=ROOT, env=env, check=True, capture_output=True)
        problems = [problem for path in catalogues() for problem in problems_in(path)]
        new = [path for path in catalogues() if path not in before]
        problems += [f"{path.relative_to(ROOT)}: a catalogue that is not committed" for path in new]
    finally:
        for path in catalogues():
            if path in before:
                path.write_bytes(before[path])
            else:
                path.unlink()
    if SUPPLEMENT.exists():
        problems += problems_in(SUPPLEMENT)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(
            f"{len(problems)} string(s) without a Chinese translation: run `make translations`, "
            "translate them in the .po files (docs/glossary-zh-hans.md), then `make check`.",
            file=sys.stderr,
        )
        return 1
    print(f"Catalogues: every string is translated ({len(before)} catalogues).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
