"""What the report publishes of a quarter's figures, the same in the page, the CSV and the
JSON: a count of 1 to 4 is "fewer than 5" (0 stays 0), and a share of visitors is given
only when at least 5 visitors chose, so that nobody can be singled out."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext, pgettext

from consent.models import LegalBasis
from transparency.models import Quarter, QuarterReport

#: Counts below this (but above 0) are never published.
THRESHOLD = 5
#: What the JSON says instead of a count below the threshold (it is for programs: untranslated).
FEWER = f"fewer than {THRESHOLD}"
FEWER_VISITORS = f"fewer than {THRESHOLD} visitors"

#: The counts, in the order shown, after the disclosures by basis.
COUNTS = (
    "people_concerned",
    "access_requests",
    "erasure_requests",
    "guardian_approvals",
    "guardian_declines",
    "guardian_expiries",
)


def count_label(key: str) -> str:
    labels = {
        "people_concerned": gettext("People whose data was disclosed"),
        "access_requests": gettext("Data-access requests fulfilled"),
        "erasure_requests": gettext("Erasure requests fulfilled"),
        "guardian_approvals": gettext("Guardians' approvals of a teen's account"),
        "guardian_declines": gettext("Guardians' declines of a teen's account"),
        "guardian_expiries": gettext("Teen accounts not approved by a guardian in time"),
    }
    return labels[key]


@dataclass(frozen=True)
class Shown:
    """A figure as published: ``value`` is ``None`` when it is withheld."""

    value: int | None
    text: str

    @property
    def withheld(self) -> bool:
        return self.value is None


def shown_count(count: int) -> Shown:
    if 0 < count < THRESHOLD:
        return Shown(None, gettext("fewer than %(threshold)s") % {"threshold": THRESHOLD})
    return Shown(count, number_format(count, force_grouping=True))


def shown_share(accepted: int, chose: int) -> Shown:
    """A whole percentage of the visitors who chose, if at least ``THRESHOLD`` did."""
    if chose < THRESHOLD:
        return Shown(None, gettext("fewer than %(threshold)s visitors") % {"threshold": THRESHOLD})
    percent = round(100 * accepted / chose)
    return Shown(percent, pgettext("share", "%(percent)s%%") % {"percent": percent})


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    shown: Shown


@dataclass(frozen=True)
class Bar:
    """One bar of the chart, laid out on the server (the SVG has no script)."""

    label: str
    text: str
    y: int
    width: int

    @property
    def label_y(self) -> int:
        return self.y + CHART_BAR // 2

    @property
    def text_x(self) -> int:
        return CHART_LABELS + self.width + 8


CHART_WIDTH = 760
CHART_LABELS = 390  # labels end here, bars start here
CHART_BARS = 280  # the longest bar
CHART_ROW = 32
CHART_BAR = 20


@dataclass(frozen=True)
class PublishedQuarter:
    quarter: Quarter
    computed_at: datetime.datetime
    counts: list[Row]
    shares: list[Row]

    @property
    def name(self) -> str:
        return str(self.quarter)

    @property
    def title(self) -> str:
        return gettext("Q%(number)s %(year)s") % {
            "number": self.quarter.number,
            "year": self.quarter.year,
        }

    @property
    def bars(self) -> list[Bar]:
        largest = max((row.shown.value or 0 for row in self.counts), default=0) or 1
        return [
            Bar(
                label=row.label,
                text=row.shown.text,
                y=index * CHART_ROW + (CHART_ROW - CHART_BAR) // 2,
                width=round(CHART_BARS * (row.shown.value or 0) / largest),
            )
            for index, row in enumerate(self.counts)
        ]

    @property
    def chart_height(self) -> int:
        return CHART_ROW * len(self.counts)

    @property
    def chart_width(self) -> int:
        return CHART_WIDTH

    @property
    def chart_labels_x(self) -> int:
        return CHART_LABELS - 8

    @property
    def chart_bars_x(self) -> int:
        return CHART_LABELS


def published(report: QuarterReport) -> PublishedQuarter:
    figures = report.figures
    disclosures = figures.get("disclosures", {})
    counts = [
        Row(
            f"disclosures_{basis.value}",
            gettext("Disclosures on basis %(basis)s") % {"basis": basis.label},
            shown_count(disclosures.get(basis.value, 0)),
        )
        for basis in LegalBasis
    ]
    counts += [Row(key, count_label(key), shown_count(figures.get(key, 0))) for key in COUNTS]
    shares = [
        Row(
            f"cookies_{group['varname']}",
            gettext(group["name"]),
            shown_share(group["accepted"], group["chose"]),
        )
        for group in figures.get("cookies", [])
    ]
    return PublishedQuarter(report.period, report.computed_at, counts, shares)


def as_json(quarter: PublishedQuarter) -> dict[str, object]:
    """A quarter for the JSON download: stable English keys, withheld counts as text."""

    def count(row: Row) -> int | str:
        return FEWER if row.shown.value is None else row.shown.value

    def share(row: Row) -> int | str:
        return FEWER_VISITORS if row.shown.value is None else row.shown.value

    disclosures = [row for row in quarter.counts if row.key.startswith("disclosures_")]
    others = [row for row in quarter.counts if not row.key.startswith("disclosures_")]
    return {
        "quarter": quarter.name,
        "first_day": quarter.quarter.first_day.isoformat(),
        "last_day": quarter.quarter.last_day.isoformat(),
        "computed_at": quarter.computed_at.isoformat(),
        "disclosures_by_legal_basis": {
            row.key.removeprefix("disclosures_"): count(row) for row in disclosures
        },
        **{row.key: count(row) for row in others},
        "percent_of_visitors_who_accepted": {
            row.key.removeprefix("cookies_"): share(row) for row in quarter.shares
        },
    }
