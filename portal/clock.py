"""County time: every date a reader sees is a date in Asia/Shanghai."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

COUNTY_TZ = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    """The current moment, timezone-aware."""
    return dt.datetime.now(dt.timezone.utc)


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
