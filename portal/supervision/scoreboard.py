"""The bureau scoreboard for a period, and the same figures week by week.

How each figure is counted (the supervising office compares bureaus on exactly these):
- received: assignments of a ticket to the bureau (routing, or an approved transfer) made in the
  period. A ticket routed to A and transferred to B counts once for each: each holding is judged for
  the bureau that held it (portal/supervision/holdings.py), so moving a ticket on erases nothing.
- 响应率 (response rate; the signed-on-time rate of before): of those, signed (or rejected, or returned:
  the bureau responded) by the end of the sign deadline that was running; one still unsigned past its
  deadline, or transferred away unsigned after it, counts as late; one not yet due is not counted.
- answered on time %: of those, first answered (or rejected) by the end of the reply deadline that
  was running, extensions included; open past the deadline counts as late, not yet due is not counted.
- average working days to answer: from the day of assignment to the first answer.
- 解决率 (resolution rate): of the supervising office's callbacks (回访) reached in the period, counted
  for the bureau that answered the ticket, those the business called 已解决 (resolved), each 部分解决
  (partly) counting as half: a partial fix is neither the whole answer nor none of it. Callbacks not
  reached are not counted.
- 满意率 (satisfaction rate): ratings and reached callbacks in the period in the top three levels
  (非常满意, 满意, 基本满意), of all those ratings and reached callbacks.
- 评价满意率 (the 满意率 of before, kept so that past figures stay comparable): 非常满意 + 满意 + 基本满意
  over all ratings given in the period to the bureau that answered (the holder when rated); bad
  ratings: 不满意 + 非常不满意 among them. The measures' pages count their related tickets' ratings
  the same way (`ratings_by`).
- 申诉核减: bad ratings of the period whose appeal the office upheld (portal/tickets/appeals.py): they
  count in none of the bureau's rating figures above (评价满意率, 满意率, 差评) and are shown here instead.
- 协办 (co-handling, portal/tickets/cohandling.py): tasks a bureau was asked in the period; answered
  on time: its opinion or refusal given by the end of the task's deadline; late (协办超时): given
  after it, or still not given once it has passed; a task not yet due is neither.
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

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.catalog.models import Bureau
from portal.clock import county_midnight
from portal.supervision import figures
from portal.supervision.callbacks import Callback
from portal.supervision.holdings import day_of
from portal.supervision.models import FigureFact
from portal.tickets.appeals import upheld_ratings
from portal.tickets.cohandling import CohandlingTask
from portal.tickets.models import Channel, Rating


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
    reached: int = 0  # callbacks that reached the business
    resolved_halves: int = 0  # of them: resolved 2, partly 1, unresolved 0
    callback_satisfied: int = 0  # of them: satisfaction in the top three levels
    cohandle_received: int = 0
    cohandle_judged: int = 0
    cohandle_on_time: int = 0
    appeals_upheld: int = 0

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
    def response_rate(self) -> float | None:
        """响应率: the sign step (签收, or a return or rejection instead) taken in time."""
        return self.sign_rate

    @property
    def resolution_rate(self) -> float | None:
        """解决率: resolved callbacks (partly: half) of callbacks reached."""
        return self._percent(self.resolved_halves, 2 * self.reached)

    @property
    def combined_satisfaction(self) -> float | None:
        """满意率: ratings and reached callbacks in the top three levels, of all of them."""
        return self._percent(self.satisfied + self.callback_satisfied, self.rated + self.reached)

    @property
    def cohandle_late(self) -> int:
        return self.cohandle_judged - self.cohandle_on_time

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
        _add_fact(found[key], kind, count)
    return found


def _add_fact(item: Figures, kind: str, count: int) -> None:
    for name in FACT_FIELDS[kind]:
        setattr(item, name, getattr(item, name) + count)


def callback_counts(call: Callback) -> Figures:
    """What a reached callback adds: 解决率's halves and 满意率's top three levels."""
    return Figures(reached=1, resolved_halves=call.resolved.halves, callback_satisfied=int(not call.satisfaction.bad))


def task_counts(task: CohandlingTask, today: dt.date) -> Figures:
    """What a co-handling task adds for its co-bureau as of today: asked, and on time or late once judged."""
    late = task.late(today)
    return Figures(cohandle_received=1, cohandle_judged=int(late is not None), cohandle_on_time=int(late is False))


def few_facts(session: Session, start: dt.date, end: dt.date, today: dt.date) -> list[tuple[int, dt.date, Figures]]:
    """The callbacks reached and the co-handling tasks asked in the period, as (bureau id, county day,
    contribution): few rows, counted from their own tables whenever asked (a task's lateness depends
    on today)."""
    low, high = county_midnight(start), county_midnight(end + dt.timedelta(days=1))
    found = []
    for call in session.scalars(select(Callback).where(Callback.at >= low, Callback.at < high,
                                                       Callback.reached.is_(True), Callback.bureau_id.is_not(None))):
        found.append((call.bureau_id, day_of(call.at), callback_counts(call)))
    for task in session.scalars(select(CohandlingTask).where(CohandlingTask.asked_at >= low,
                                                             CohandlingTask.asked_at < high)):
        found.append((task.bureau_id, day_of(task.asked_at), task_counts(task, today)))
    return found


def _upheld(session: Session, *where) -> list[tuple[int, dt.date, Figures]]:
    """Bad ratings (of the period, or of some tickets: `where`) whose appeal the office upheld: taken
    out of the kept rating counts and counted as 申诉核减 (appeals are few)."""
    upheld = upheld_ratings(session)
    if not upheld:
        return []
    return [(r.bureau_id, day_of(r.at), _upheld_counts(r))
            for r in session.scalars(select(Rating).where(Rating.id.in_(upheld), Rating.bureau_id.is_not(None),
                                                          *where))]


def _upheld_counts(rating: Rating) -> Figures:
    return Figures(rated=-1, satisfied=-int(not rating.score.bad), bad=-int(rating.score.bad), appeals_upheld=1)


def _corrections(session: Session, start: dt.date, end: dt.date, today: dt.date):
    low, high = county_midnight(start), county_midnight(end + dt.timedelta(days=1))
    return [*few_facts(session, start, end, today), *_upheld(session, Rating.at >= low, Rating.at < high)]


def ratings_by(session: Session, pairs) -> dict[tuple, Figures]:
    """评价满意率 of groups of tickets, every rating ever given on them counted as the scoreboard counts a
    bureau's (`rated`, `satisfied`, `bad`; an upheld appeal's rating left out and counted under
    `appeals_upheld`), for pages that count tickets, not bureaus: `pairs` selects a group's key (its
    first columns) and a ticket id (its last); one grouped query over the kept rating facts, whatever
    the number of groups (the measures' start page counts 37 of them)."""
    rows = pairs.subquery()
    *keys, ticket = rows.c
    found: dict[tuple, Figures] = defaultdict(Figures)
    for *key, kind, count in session.execute(
            select(*keys, FigureFact.kind, func.count()).join(rows, ticket == FigureFact.ticket_id)
            .where(FigureFact.kind.in_(figures.RATING_KINDS)).group_by(*keys, FigureFact.kind)):
        _add_fact(found[tuple(key)], kind, count)
    upheld = upheld_ratings(session)
    if upheld:
        for *key, rating in session.execute(select(*keys, Rating).join(rows, ticket == Rating.ticket_id).where(
                Rating.id.in_(upheld), Rating.bureau_id.is_not(None))):
            found[tuple(key)].add(_upheld_counts(rating))
    return found


def scoreboard(session: Session, start: dt.date, end: dt.date, today: dt.date) -> list[tuple[Bureau, Figures]]:
    """Every bureau with anything to count in the period (or overdue now), by bureau order."""
    totals: dict[int, Figures] = dict(_sums(session, start, end, today, False))
    for bureau, _day, item in _corrections(session, start, end, today):
        totals.setdefault(bureau, Figures()).add(item)
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
    for bureau_id, day, item in _corrections(session, start, end, today):
        if bureau is None or bureau_id == bureau.id:
            buckets[day - dt.timedelta(days=day.weekday())].add(item)
    return list(buckets.items())


# (attribute, label, unit) of each figure shown, in order; the same in the page, exports and charts
COLUMNS = [
    ("received", "受理件数", "件"), ("response_rate", "响应率", "%"), ("answer_rate", "按时答复率", "%"),
    ("average_days", "平均答复工作日", "天"), ("resolution_rate", "解决率", "%"),
    ("combined_satisfaction", "满意率", "%"), ("satisfaction", "评价满意率", "%"), ("bad", "差评", "件"),
    ("reopened", "重新办理", "件"), ("returns", "退单", "件"), ("urges", "催办督办", "次"),
    ("repeats", "并单", "件"), ("repeat_rate", "重复诉求率", "%"),
    ("cohandle_received", "协办件数", "件"), ("cohandle_on_time", "协办按时答复", "件"), ("cohandle_late", "协办超时", "件"),
    ("appeals_upheld", "申诉核减", "件"), ("overdue_now", "当前逾期", "件"),
]
# The figures charted week by week on the page (the others are read from the table)
CHARTS = ["received", "response_rate", "answer_rate", "average_days", "satisfaction", "bad", "reopened", "returns",
          "urges", "repeats", "repeat_rate"]


def channel_table(rows: list[tuple[Bureau, Figures]]) -> tuple[list[str], list[list]]:
    """Received tickets by channel: the channels any bureau received through, and a row per bureau."""
    seen = [c for c in Channel if any(item.channels[c.value] for _, item in rows)]
    return [c.value for c in seen], [[bureau.name, *[item.channels[c.value] for c in seen]] for bureau, item in rows]


def scoreboard_table(rows: list[tuple[Bureau, Figures]]) -> list[list]:
    """The scoreboard as rows of values for the page and the exports; None where nothing was judged."""
    return [[bureau.name, *[getattr(item, name) for name, _, _ in COLUMNS],
             *[item.channels[c.value] for c in Channel]] for bureau, item in rows]


CHANNEL_HEADER = [f"渠道：{c.label}" for c in Channel]  # the exports' last columns, every channel


def county_row(county: Figures) -> list:
    """The county's row (全县: every bureau's figures added up) that ends the exports, as the page's footer."""
    return ["全县", *[getattr(county, name) for name, _, _ in COLUMNS], *[county.channels[c.value] for c in Channel]]
