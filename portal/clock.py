"""County time: every date a reader sees is a date in Asia/Shanghai."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from zoneinfo import ZoneInfo

COUNTY_TZ = ZoneInfo("Asia/Shanghai")
_as_of: ContextVar[dt.datetime | None] = ContextVar("as_of", default=None)


def now() -> dt.datetime:
    """The current moment, timezone-aware (or the moment set by `as_of`)."""
    return _as_of.get() or dt.datetime.now(dt.timezone.utc)


@contextmanager
def as_of(moment: dt.datetime) -> Iterator[None]:
    """Run services as if it were `moment` (county time if naive): the demo's history is written
    this way through the same services as live work, with the deadlines they would have had."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=COUNTY_TZ)
    token = _as_of.set(moment.astimezone(dt.timezone.utc))
    try:
        yield
    finally:
        _as_of.reset(token)


def today() -> dt.date:
    """Today's date in the county."""
    return now().astimezone(COUNTY_TZ).date()


def local(moment: dt.datetime) -> dt.datetime:
    """A stored moment in county time (SQLite hands back UTC moments without their zone)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(COUNTY_TZ)


def county_midnight(day: dt.date) -> dt.datetime:
    """The first moment of a county day, in UTC (SQLite compares stored moments as UTC text)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=COUNTY_TZ).astimezone(dt.timezone.utc)


def parse_day(text: str | None) -> dt.date | None:
    """A YYYY-MM-DD date a reader typed, or None: nonsense and days outside 2000-2099 are ignored."""
    try:
        day = dt.date.fromisoformat((text or "").strip())
    except ValueError:
        return None
    return day if 2000 <= day.year < 2100 else None


def _county_day(value: dt.date | dt.datetime) -> dt.date:
    return local(value).date() if isinstance(value, dt.datetime) else value


def chinese_date(value: dt.date | dt.datetime | None) -> str:
    """The one way a date is written for readers, pages and mail alike: 2026年12月8日 (a stored
    moment is first put in county time)."""
    if value is None:
        return ""
    day = _county_day(value)
    return f"{day.year}年{day.month}月{day.day}日"


def english_date(value: dt.date | dt.datetime | None) -> str:
    """The same date for a reader in English: 8 December 2026."""
    if value is None:
        return ""
    day = _county_day(value)
    return f"{day.day} {day:%B} {day.year}"


def chinese_moment(value: dt.datetime | None, date=chinese_date) -> str:
    """A stored moment as 2026年11月26日 13:45, county time (`date=english_date`: 26 November 2026 13:45)."""
    if value is None:
        return ""
    moment = local(value)
    return f"{date(moment)} {moment:%H:%M}"


def english_moment(value: dt.datetime | None) -> str:
    return chinese_moment(value, english_date)
