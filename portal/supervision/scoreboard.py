"""The bureau scoreboard for a period, and the same figures week by week.

How each figure is counted (the supervising office compares bureaus on exactly these):
- received: assignments of a ticket to the bureau (routing, or an approved transfer) made in the
  period. A ticket routed to A and transferred to B counts once for each: each holding is judged for
  the bureau that held it (portal/supervision/holdings.py), so moving a ticket on erases nothing.
- signed on time %: of those, signed (or rejected, or returned) by the end of the sign deadline that
  was running; one still unsigned past its deadline, or transferred away unsigned after it, counts as
  late; one not yet due is not counted.
- answered on time %: of those, first answered (or rejected) by the end of the reply deadline that
  was running, extensions included; open past the deadline counts as late, not yet due is not counted.
- average working days to answer: from the day of assignment to the first answer.
- satisfaction %: 非常满意 + 满意 + 基本满意 over all ratings given in the period to the bureau that
  answered (the holder when rated); bad ratings: 不满意 + 非常不满意 among them.
- reopened, returns, urges: such steps taken in the period (a return counts for the bureau returning).
- overdue now: the bureau's open tickets past their running deadline today, whatever the period.
- by channel: the received tickets by the channel they came in by (web, api, open311, phone, letter,
  visit, hotline, wechat).
- repeats (并单) and 重复诉求率: a repeat merged into a master (portal/tickets/merging.py) counts once,
  through its master: it is never received, judged or overdue itself. `repeats` are the merges made
  in the period into a ticket the bureau held then; 重复诉求率 = repeats / (received + repeats): of
  the requests that reached the bureau in the period, the share that repeated one already there.
  A repeat's business rates the master's reply on its own: that rating counts in satisfaction, for
  the bureau that answered, like any business's rating.
A day is a county (Asia/Shanghai) day; weeks start on Monday."""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field, fields

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.catalog.models import Bureau
from portal.supervision import figures
from portal.tickets.models import Channel


@dataclass
class Figures:
    received: int = 0
    signed_judged: int = 0
    signed_on_time: int = 0
    answered_judged: int = 0
    answered_on_time: int = 0
    answered: int = 0
    answer_days: int = 0
    rated: int = 0
    satisfied: int = 0
    bad: int = 0
    reopened: int = 0
    returns: int = 0
    urges: int = 0
    overdue_now: int = 0
    repeats: int = 0
    channels: Counter = field(default_factory=Counter)  # received, by channel value

    def add(self, other: Figures) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @staticmethod
    def _percent(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def sign_rate(self) -> float | None:
        return self._percent(self.signed_on_time, self.signed_judged)

    @property
    def answer_rate(self) -> float | None:
        return self._percent(self.answered_on_time, self.answered_judged)

    @property
    def satisfaction(self) -> float | None:
        return self._percent(self.satisfied, self.rated)

    @property
    def repeat_rate(self) -> float | None:
        return self._percent(self.repeats, self.received + self.repeats)

    @property
    def average_days(self) -> float | None:
        return round(self.answer_days / self.answered, 1) if self.answered else None


# what each kind of stored fact adds to
FACT_FIELDS = {"satisfied": ("rated", "satisfied"), "bad": ("rated", "bad"), "reopened": ("reopened",),
               "returned": ("returns",), "urged": ("urges",), "repeat": ("repeats",)}


def _sums(session: Session, start: dt.date, end: dt.date, today: dt.date, by_day: bool,
          bureau_id: int | None = None) -> dict:
    """The period's figures per bureau id or (`by_day`) per day, added up in SQL from the stored rows."""
    found: dict = defaultdict(Figures)
    for key, channel, *counts in figures.holding_sums(session, start, end, today, by_day, bureau_id):
        item = found[key]
        item.add(Figures(*(int(n) for n in counts), channels=Counter({channel: int(counts[0])})))
    for key, kind, count in figures.fact_sums(session, start, end, by_day, bureau_id):
        item = found[key]
        for name in FACT_FIELDS[kind]:
            setattr(item, name, getattr(item, name) + count)
    return found


def scoreboard(session: Session, start: dt.date, end: dt.date, today: dt.date) -> list[tuple[Bureau, Figures]]:
    """Every bureau with anything to count in the period (or overdue now), by bureau order."""
    totals: dict[int, Figures] = dict(_sums(session, start, end, today, False))
    for bureau, count in figures.overdue_now(session, today).items():
        totals.setdefault(bureau, Figures()).overdue_now = count
    bureaus = {b.id: b for b in session.scalars(select(Bureau).where(Bureau.id.in_(list(totals))))}
    return [(bureaus[i], totals[i]) for i in sorted(totals, key=lambda i: bureaus[i].id)]


def total(rows: list[tuple[Bureau, Figures]]) -> Figures:
    result = Figures()
    for _, item in rows:
        result.add(item)
    return result


def weeks(start: dt.date, end: dt.date) -> list[dt.date]:
    """The Mondays of the weeks the period touches."""
    first = start - dt.timedelta(days=start.weekday())
    return [first + dt.timedelta(weeks=i) for i in range((end - first).days // 7 + 1)]


def weekly(session: Session, start: dt.date, end: dt.date, today: dt.date,
           bureau: Bureau | None = None) -> list[tuple[dt.date, Figures]]:
    """The same figures for each week of the period (the county, or one bureau)."""
    buckets = {monday: Figures() for monday in weeks(start, end)}
    for day, item in _sums(session, start, end, today, True, bureau.id if bureau else None).items():
        buckets[day - dt.timedelta(days=day.weekday())].add(item)
    return list(buckets.items())


# (attribute, label, unit) of each figure shown, in order; the same in the page, exports and charts
COLUMNS = [
    ("received", "受理件数", "件"), ("sign_rate", "按时签收率", "%"), ("answer_rate", "按时答复率", "%"),
    ("average_days", "平均答复工作日", "天"), ("satisfaction", "满意率", "%"), ("bad", "差评", "件"),
    ("reopened", "重新办理", "件"), ("returns", "退单", "件"), ("urges", "催办督办", "次"),
    ("overdue_now", "当前逾期", "件"), ("repeats", "并单", "件"), ("repeat_rate", "重复诉求率", "%"),
]


def channel_table(rows: list[tuple[Bureau, Figures]]) -> tuple[list[str], list[list]]:
    """Received tickets by channel: the channels any bureau received through, and a row per bureau."""
    seen = [c for c in Channel if any(item.channels[c.value] for _, item in rows)]
    return [c.value for c in seen], [[bureau.name, *[item.channels[c.value] for c in seen]] for bureau, item in rows]


def scoreboard_table(rows: list[tuple[Bureau, Figures]]) -> list[list]:
    """The scoreboard as rows of values for the page and the exports; None where nothing was judged."""
    return [[bureau.name, *[getattr(item, name) for name, _, _ in COLUMNS],
             *[item.channels[c.value] for c in Channel]] for bureau, item in rows]


CHANNEL_HEADER = [f"渠道：{c.label}" for c in Channel]  # the exports' last columns, every channel
