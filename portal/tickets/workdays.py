"""Working days on China's official calendar, in Asia/Shanghai.

Whether a day is a working day is decided, first match wins, by:
1. the operator's override table (`calendar_overrides`: holidays and make-up workdays, entered with
   `flask --app portal calendar set`);
2. the `chinesecalendar` package, for the years it knows (1.11: 2004 to 2026);
3. Monday to Friday, for any other year, which the operator is told about (`calendar status`,
   `/healthz`), since the State Council's holidays for that year are then missing.
A deadline of n working days is the end of the n-th working day after the day the clock starts.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable

import chinese_calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.tickets.models import CalendarOverride, CalendarYear


class Calendar:
    """Working days with the overrides loaded once for the span asked about."""

    def __init__(self, overrides: dict[dt.date, bool] | None = None):
        self.overrides = overrides or {}
        self._table: tuple[int, list[int]] = (0, [])  # first ordinal, cumulative working days

    @classmethod
    def load(cls, session: Session) -> Calendar:
        return cls(dict(session.execute(select(CalendarOverride.day, CalendarOverride.workday)).all()))

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return _default_workday(day)

    def add(self, start: dt.date, days: int) -> dt.date:
        """The n-th working day after `start` (0: `start` itself)."""
        day, counted = start, 0
        while counted < days:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                counted += 1
        return day

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end`; negative when `end` is earlier."""
        if end < start:
            return -self.between(end, start)
        first, counts = self._table_for(start, end)
        return counts[end.toordinal() - first] - counts[start.toordinal() - first]

    def _table_for(self, start: dt.date, end: dt.date) -> tuple[int, list[int]]:
        """Cumulative working days over a span holding `start` and `end`, grown as needed: a ledger
        asks for thousands of spans over the same months."""
        first, counts = self._table
        low, high = start.toordinal(), end.toordinal()
        if not counts or low < first or high >= first + len(counts):
            if counts:
                low, high = min(low, first), max(high, first + len(counts) - 1)
            low, high = low - 31, high + 31  # a month of margin either way
            total, counts = 0, []
            for number in range(low, high + 1):
                total += self.is_workday(dt.date.fromordinal(number))
                counts.append(total)
            self._table = (low, counts)
            first = low
        return first, counts


@functools.lru_cache(maxsize=8192)
def _default_workday(day: dt.date) -> bool:
    """chinesecalendar's answer, or Monday to Friday for a year it does not know. Cached: the package
    checks every date against its whole table (about 70 µs a call), and a ledger asks thousands."""
    if official_year(day.year):
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


@functools.lru_cache(maxsize=None)
def official_year(year: int) -> bool:
    """Whether chinesecalendar knows the State Council's holidays for `year`."""
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def missing_years(session: Session, years: Iterable[int]) -> list[int]:
    """Years the package lacks and the operator has not yet confirmed as entered in full
    (`calendar confirm YEAR`): until then their holidays may be missing."""
    confirmed = set(session.scalars(select(CalendarYear.year)))
    return [y for y in sorted(set(years)) if not official_year(y) and y not in confirmed]
