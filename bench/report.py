"""The numbers of ``make bench``: wrk's output read, the goals checked, the table drawn.

Pure functions only (no Django, no processes), so that they are tested on their own.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import fmean

from bench.pages import Kind

WRK_MARKER = "WRK_JSON "

#: Least throughput as a share of the reference page's, by kind of page.
THROUGHPUT_GOALS: dict[Kind, float] = {
    "anonymous": 0.6,
    "beacon": 0.8,
    "member": 0.4,
    "member_data": 0.3,
}
#: Most a page's median latency may grow from the small size to the large one.
SCALE_GOAL = 1.25
SCALE_GOALS: dict[Kind, float] = {"admin": 1.5}
SMALL, LARGE = "small", "large"


class WrkOutputError(ValueError):
    """wrk's output has no line from ``bench/wrk_report.lua``."""


@dataclass(frozen=True)
class WrkResult:
    """One wrk run: how many requests in how long, the latency percentiles, the errors."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    #: Socket errors (connect, read, write, timeout) and responses of status 400 or more.
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def parse_wrk(output: str) -> WrkResult:
    """Read the line that ``bench/wrk_report.lua`` adds to wrk's output."""
    for line in output.splitlines():
        if line.startswith(WRK_MARKER):
            data = json.loads(line.removeprefix(WRK_MARKER))
            return WrkResult(
                requests=int(data["requests"]),
                seconds=int(data["duration_us"]) / 1_000_000,
                p50_ms=int(data["p50_us"]) / 1000,
                p99_ms=int(data["p99_us"]) / 1000,
                errors=sum(int(count) for count in data["errors"].values()),
            )
    raise WrkOutputError(f"No {WRK_MARKER.strip()} line in wrk's output:\n{output}")


@dataclass
class Row:
    """One line of the table: a page at a size (or the reference page)."""

    size: str
    page: str
    kind: Kind
    rps: float
    #: Throughput as a share of the reference runs before and after it.
    ratio: float
    p50_ms: float
    p99_ms: float
    queries: int | None
    peak_rss_mib: float
    errors: int = 0
    goal: str = ""
    missed: list[str] = field(default_factory=list)


def ratio(rps: float, reference_runs: Iterable[float]) -> float:
    """A page's throughput as a share of the reference runs around it."""
    runs = list(reference_runs)
    return rps / fmean(runs) if runs and fmean(runs) else 0.0


def check_goals(rows: Sequence[Row]) -> None:
    """Fill each row's ``goal``: "met", "missed: …" (each goal it misses), or "-" (none).

    Throughput goals apply at every size; the latency goal compares a page's median at
    the large size with the same page's at the small size, so it needs both.
    """
    small = {row.page: row for row in rows if row.size == SMALL}
    for row in rows:
        checked = False
        row.missed = []
        if row.kind in THROUGHPUT_GOALS:
            checked = True
            least = THROUGHPUT_GOALS[row.kind]
            if row.ratio < least:
                row.missed.append(f"{row.ratio:.2f}x ref < {least}x")
        before = small.get(row.page)
        if row.size == LARGE and row.kind != "reference" and before is not None:
            checked = True
            most = SCALE_GOALS.get(row.kind, SCALE_GOAL)
            growth = row.p50_ms / before.p50_ms if before.p50_ms else float("inf")
            if growth > most:
                row.missed.append(f"p50 {growth:.2f}x small > {most}x")
        if row.errors:
            row.missed.append(f"{row.errors} errors")
        if row.missed:
            row.goal = "missed: " + "; ".join(row.missed)
        else:
            row.goal = "met" if checked else "-"


COLUMNS = (
    "size",
    "page",
    "req/s",
    "x ref",
    "p50 ms",
    "p99 ms",
    "queries",
    "peak worker MiB",
    "goal",
)


def cells(row: Row) -> tuple[str, ...]:
    return (
        row.size,
        row.page,
        f"{row.rps:.0f}",
        f"{row.ratio:.2f}",
        f"{row.p50_ms:.1f}",
        f"{row.p99_ms:.1f}",
        "-" if row.queries is None else str(row.queries),
        f"{row.peak_rss_mib:.0f}",
        row.goal,
    )


def table(rows: Sequence[Row]) -> str:
    """A Markdown table, aligned for the terminal as well."""
    lines = [COLUMNS, *(cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS))]
    right = {2, 3, 4, 5, 6, 7}

    def draw(line: Sequence[str]) -> str:
        padded = (
            text.rjust(width) if i in right else text.ljust(width)
            for i, (text, width) in enumerate(zip(line, widths, strict=True))
        )
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(
            "-" * (width + 1) + ":" if i in right else "-" * (width + 2)
            for i, width in enumerate(widths)
        )
        + "|"
    )
    return "\n".join([draw(lines[0]), rule, *(draw(line) for line in lines[1:])])


def notes(results: Mapping[str, object]) -> list[str]:
    """What the table needs said beside it: raised rate limits, the reference's spread and
    the machine's load (the reference runs show how steady the machine was), the database."""
    lines = []
    raised = results.get("raised_rate_limits")
    if isinstance(raised, dict):
        for action, limits in raised.items():
            lines.append(
                f"Raised for the bench server (one client): the {action} rate limit, "
                f"{limits['site']} on the site, {limits['bench']} here."
            )
    runs = results.get("runs")
    if isinstance(runs, dict):
        for size, found in runs.items():
            rps = [
                run["result"]["requests"] / run["result"]["seconds"] for run in found["reference"]
            ]
            load = found.get("load_average_before") or [0.0]
            lines.append(
                f"{size}: reference runs {min(rps):.0f} to {max(rps):.0f} req/s; "
                f"load average before the runs {load[0]:.1f}."
            )
    machine = results.get("machine")
    if isinstance(machine, dict) and machine.get("database") != "postgresql":
        lines.append(f"Measured on {machine.get('database')}: the goals are set for PostgreSQL.")
    return lines


def render(results: Mapping[str, object]) -> str:
    """The table of a ``results.json``, its notes below it."""
    found = results.get("rows")
    rows = [Row(**row) for row in found] if isinstance(found, list) else []
    return "\n".join([table(rows), "", *notes(results)])


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m bench.report [results.json]``: the table of a finished run again."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else Path(__file__).with_name("results.json")
    print(render(json.loads(path.read_text())))


if __name__ == "__main__":
    main()
