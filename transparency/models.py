"""The public transparency report: one row of figures per quarter, computed by
``manage.py transparency_report``, and the daily count of data-access requests fulfilled.

Neither holds anything about a person: counts only.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import ClassVar

from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consent.privacy import NO_PERSONAL_DATA, PersonalData

QUARTER_PATTERN = re.compile(r"^(?P<year>[0-9]{4})-Q(?P<number>[1-4])$")


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter in UTC (the site's time zone), named like ``2026-Q4``."""

    year: int
    number: int

    @classmethod
    def parse(cls, name: str) -> Quarter:
        match = QUARTER_PATTERN.match(name)
        if match is None:
            raise ValueError(f"Not a quarter like 2026-Q4: {name!r}")
        return cls(int(match["year"]), int(match["number"]))

    @classmethod
    def of(cls, moment: datetime.datetime) -> Quarter:
        moment = timezone.localtime(moment)
        return cls(moment.year, (moment.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def previous(self) -> Quarter:
        if self.number == 1:
            return Quarter(self.year - 1, 4)
        return Quarter(self.year, self.number - 1)

    @property
    def next(self) -> Quarter:
        if self.number == 4:
            return Quarter(self.year + 1, 1)
        return Quarter(self.year, self.number + 1)

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> datetime.date:
        return self.next.first_day - datetime.timedelta(days=1)

    @property
    def start(self) -> datetime.datetime:
        """The first moment of the quarter (inclusive)."""
        return datetime.datetime.combine(
            self.first_day, datetime.time(), tzinfo=timezone.get_default_timezone()
        )

    @property
    def end(self) -> datetime.datetime:
        """The first moment after the quarter (exclusive)."""
        return self.next.start


class QuarterReportQuerySet(models.QuerySet["QuarterReport"]):
    def newest_first(self) -> QuarterReportQuerySet:
        return self.order_by("-quarter")


class QuarterReport(models.Model):
    """A quarter's figures as computed from the registers, raw: they are published only
    through ``transparency.publication``, which shows counts of 1 to 4 as "fewer than 5"."""

    quarter = models.CharField(_("quarter"), max_length=7, unique=True)
    figures = models.JSONField(_("figures"), default=dict)
    computed_at = models.DateTimeField(_("computed at"))

    objects = QuarterReportQuerySet.as_manager()
    personal_data: ClassVar[PersonalData[QuarterReport]] = NO_PERSONAL_DATA

    class Meta:
        verbose_name = _("quarter's report")
        verbose_name_plural = _("quarters' reports")
        ordering = ["-quarter"]

    def __str__(self) -> str:
        return self.quarter

    @property
    def period(self) -> Quarter:
        return Quarter.parse(self.quarter)


class DataAccessCountQuerySet(models.QuerySet["DataAccessCount"]):
    def count_one(self, day: datetime.date | None = None) -> None:
        """One more download on ``day`` (today): one query, and a row on a day's first."""
        day = day or timezone.localdate()
        if self.filter(day=day).update(downloads=F("downloads") + 1):
            return
        try:
            with transaction.atomic():
                self.create(day=day, downloads=1)
        except IntegrityError:  # another request made the day's row first
            self.filter(day=day).update(downloads=F("downloads") + 1)

    def between(self, first: datetime.date, last: datetime.date) -> int:
        total = self.filter(day__gte=first, day__lte=last).aggregate(models.Sum("downloads"))
        return int(total["downloads__sum"] or 0)


class DataAccessCount(models.Model):
    """How many times on a day everything held about a person was downloaded (their own
    data, or a guardian's of their child's): a number, never who."""

    day = models.DateField(_("day"), unique=True)
    downloads = models.PositiveIntegerField(_("downloads"), default=0)

    objects = DataAccessCountQuerySet.as_manager()
    personal_data: ClassVar[PersonalData[DataAccessCount]] = NO_PERSONAL_DATA

    class Meta:
        verbose_name = _("data-access count")
        verbose_name_plural = _("data-access counts")
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day}: {self.downloads}"
