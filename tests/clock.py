"""The moment the tests run at. The portal reads the time only through `portal.clock`, and
tests/conftest.py pins it there (`as_of`) for the whole session, so no test depends on the day
it runs, on the host's UTC date (the county's day starts at 16:00 UTC) or on county midnight
passing during a run. A test about particular dates pins its own moment with `as_of` inside.

`PORTAL_TEST_NOW` (an ISO moment; county time if it has no offset) runs the suite at another
moment, to check that no test leans on the default one:
`PORTAL_TEST_NOW=2027-12-31T23:59:50 .venv/bin/python -m pytest`."""
from __future__ import annotations

import datetime as dt
import os

from portal.clock import COUNTY_TZ

DEFAULT = "2026-11-25T10:00:00+08:00"  # a Wednesday morning, a working day in a year chinesecalendar knows


def _pinned(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=COUNTY_TZ)


NOW = _pinned(os.environ.get("PORTAL_TEST_NOW") or DEFAULT)
TODAY = NOW.astimezone(COUNTY_TZ).date()  # the county's date at NOW: what `portal.clock.today()` answers


def days_from_today(days: int) -> str:
    """A date `days` after (before, if negative) the pinned county day, as content files write it."""
    return (TODAY + dt.timedelta(days=days)).isoformat()
