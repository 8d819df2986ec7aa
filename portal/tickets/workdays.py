"""Working days on China's official calendar, in Asia/Shanghai.

Whether a day is a working day is decided, first match wins, by:
1. the operator's override table (`calendar_overrides`: holidays and make-up workdays, entered with
   `flask --app portal calendar set`), which is how the State Council's yearly notice (调休: bridged
   days off, worked Saturdays) is entered for a year the package lacks;
2. the `chinesecalendar` package, for the years it knows (1.11: 2004 to 2026);
3. for any other year, the statutory holidays of 《全国年节及纪念日放假办法》 as in force that year,
   with a holiday that falls on a Saturday or Sunday made up (补假) on the next working day after it,
   and Saturdays and Sundays off. Until the operator has entered that year's notice and confirmed it
   (`calendar confirm`) the year is tentative (`calendar status`, `/healthz`, `tentative()`): the
   deadlines are right by the law, but the notice's 调休 can still move them.
A deadline of n working days is the end of the n-th working day after the day the clock starts.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass

import chinese_calendar
# lunar-python, not lunardate: it gives the lunar dates and the 清明 solar term (lunardate has no solar terms)
from lunar_python import Lunar
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

    def source(self, day: dt.date) -> str:
        """What decides `day`: `override`, `official` (chinesecalendar), `weekend` (a Saturday or Sunday
        that is no statutory holiday, in a year the package lacks) or `statutory` (any other day of
        such a year: a statutory holiday, its 补假, or a working day counted by the same rule)."""
        if day in self.overrides:
            return "override"
        if official_year(day.year):
            return "official"
        if day.weekday() >= 5 and not statutory_days(day.year).off(day):
            return "weekend"
        return "statutory"

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
    """chinesecalendar's answer, or for a year it does not know Monday to Friday less the statutory
    holidays and their 补假. Cached: the package checks every date against its whole table (about
    70 µs a call), and a ledger asks thousands."""
    if official_year(day.year):
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5 and not statutory_days(day.year).off(day)


# Article 2 of 《全国年节及纪念日放假办法》, per revision, from the first year it was in force:
# (first year, 春节 days counted from 正月初一 (-1 is 除夕), 劳动节 days in May, whether 清明节, 端午节
# and 中秋节 are holidays). 元旦 (1 January) and 国庆节 (1-3 October) are the same in all four.
_REVISIONS = (
    (2000, (0, 1, 2), (1, 2, 3), False),  # 1999 revision (国务院令第270号)
    (2008, (-1, 0, 1), (1,), True),  # 2007 revision (国务院令第513号)
    (2014, (0, 1, 2), (1,), True),  # 2013 revision (国务院令第644号)
    (2025, (-1, 0, 1, 2), (1, 2), True),  # 2024 revision (国务院令第795号)
)


@dataclass(frozen=True)
class StatutoryYear:
    """One year's statutory holidays and the days that make up for those lost to a weekend (补假),
    each mapped to its festival's name."""

    holidays: dict[dt.date, str]
    substitutes: dict[dt.date, str]

    def off(self, day: dt.date) -> bool:
        return day in self.holidays or day in self.substitutes


def _lunar(year: int, month: int, day: int) -> dt.date:
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def _festivals(year: int) -> list[tuple[str, list[dt.date]]]:
    """Article 2's holidays for all citizens in `year`, under the revision in force that year."""
    revisions = [r for r in _REVISIONS if r[0] <= year]
    if not revisions:
        return []
    _, spring_days, may_days, lunar_festivals = revisions[-1]
    new_year = _lunar(year, 1, 1)
    festivals = [
        ("元旦", [dt.date(year, 1, 1)]),
        ("春节", [new_year + dt.timedelta(days=n) for n in spring_days]),
        ("劳动节", [dt.date(year, 5, n) for n in may_days]),
        ("国庆节", [dt.date(year, 10, n) for n in (1, 2, 3)]),
    ]
    if lunar_festivals:
        qingming = Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"]
        festivals += [
            ("清明节", [dt.date(qingming.getYear(), qingming.getMonth(), qingming.getDay())]),
            ("端午节", [_lunar(year, 5, 5)]),
            ("中秋节", [_lunar(year, 8, 15)]),
        ]
    return sorted(festivals, key=lambda festival: festival[1][0])


@functools.lru_cache(maxsize=None)
def statutory_days(year: int) -> StatutoryYear:
    """The statutory holidays of `year` and their 补假: by Article 6 a holiday that falls on a Saturday
    or Sunday is made up on the next working day after its festival (2027 春节: 5-8 February off,
    Sat 6 and Sun 7 made up on 9 and 10 February). A festival day that falls on another's (中秋节 on
    1-3 October, as in 2020 and 2028) is made up the same way, so no festival loses its day.

    Checked against chinesecalendar for 2004-2026, each year under the revision then in force: every
    statutory holiday is a day off there (tests/tickets/test_workdays.py). Of the 补假 days, the
    State Council's notice gave off, per year (off/all): 2004 5/5, 2005 4/4, 2006 3/3, 2007 1/1,
    2008 2/2, 2009 4/4, 2010 5/5, 2011 4/4, 2012 3/4, 2013 2/2, 2014 3/3, 2015 4/5, 2016 3/3,
    2017 4/4, 2018 2/2, 2019 0/0, 2020 5/5, 2021 6/6, 2022 5/5, 2023 3/3, 2024 2/2, 2025 1/1,
    2026 3/3. The two it made working days (2012-06-25 for 端午, 2015-09-28 for 中秋) had their time
    off placed elsewhere by its 调休, which the operator enters with `calendar set`."""
    festivals = _festivals(year)
    holidays: dict[dt.date, str] = {}
    lost: list[tuple[dt.date, str]] = []  # (the festival's last day, its name) per day lost
    for name, days in festivals:
        for day in days:
            if day.weekday() >= 5 or day in holidays:
                lost.append((days[-1], name))
            holidays.setdefault(day, name)
    substitutes: dict[dt.date, str] = {}
    for after, name in lost:
        day = after + dt.timedelta(days=1)
        while day.weekday() >= 5 or day in holidays or day in substitutes:
            day += dt.timedelta(days=1)
        substitutes[day] = name
    return StatutoryYear(holidays, substitutes)


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
    (`calendar confirm YEAR`): until then the State Council's 调休 for them may be missing."""
    confirmed = set(session.scalars(select(CalendarYear.year)))
    return [y for y in sorted(set(years)) if not official_year(y) and y not in confirmed]


def years_to_enter(session: Session, today: dt.date) -> list[int]:
    """The years whose State Council arrangement the office should see is missing: this year, and
    from December on the next one too (its deadlines start to fall due then)."""
    return missing_years(session, [today.year, today.year + 1] if today.month == 12 else [today.year])


def tentative(session: Session, day: dt.date) -> bool:
    """Whether `day` lies in a year the package lacks and the operator has not confirmed: a deadline
    there follows the statutory holidays and may still move once the State Council's 调休 is entered."""
    return not official_year(day.year) and session.get(CalendarYear, day.year) is None
