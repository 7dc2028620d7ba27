"""Print what a wapiti JSON report found; exit 1 if it found a vulnerability or an anomaly.

Usage: scan_findings.py REPORT.json (``make scan`` runs it after wapiti).

Wapiti sorts its report in three: vulnerabilities, anomalies (server errors, timeouts) and
additional information. Only the first two fail the scan; the additional information is
printed. Its ``methods`` module notes every URL whose answer to OPTIONS lists the allowed
methods: Django's class-based views answer OPTIONS with them (200), and HTTP requires them
in every 405 answer (the Allow header, RFC 9110, 15.5.6).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

FAILING = ("vulnerabilities", "anomalies")


def findings(report: dict[str, Any], kind: str) -> list[tuple[str, str, str]]:
    """``(category, path, info)`` for each finding of one kind."""
    return [
        (category, item.get("path", ""), item.get("info", ""))
        for category, items in sorted(report.get(kind, {}).items())
        for item in items
    ]


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write("usage: scan_findings.py REPORT.json\n")
        return 2
    report = json.loads(Path(argv[1]).read_text())
    failed = 0
    for kind in (*FAILING, "additionals"):
        found = findings(report, kind)
        print(f"{kind}: {len(found)}")
        for category, path, info in found:
            print(f"  [{category}] {path}: {info}")
        if kind in FAILING:
            failed += len(found)
    pages = report.get("infos", {}).get("crawled_pages_nbr", "?")
    print(f"{pages} pages crawled; {failed} vulnerabilities or anomalies.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
