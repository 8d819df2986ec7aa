"""The supervising office's figures kept as rows, written in the transaction of the step that decides
them, so that the ledger, the scoreboard, the start page and /performance add up rows in SQL instead
of judging every ticket of the span in Python on every request.

- `holding_figures`: one row per holding (portal/supervision/holdings.py), rewritten from the
  ticket's events by the very judging code the pages used before (`judge`, `problems_of`) as the
  transaction of any step of the ticket commits (noted at each flush, written once at the commit).
  A verdict that still depends on the day (signing or answering not yet done) is stored as the
  running deadline it depends on, and compared with today in SQL: the rows never need rewriting as
  days pass.
- `figure_facts`: one row per rating, reopening, return, urge and repeat merged in (并单), on its
  county day, for the bureau it counts for.
- "Overdue now" is read from the tickets themselves (`Ticket.running_due` in SQL).

`flask --app portal figures rebuild` writes both tables anew from the events (after an upgrade, or
after the operator entered holidays for days already past: answer days are counted in working days);
`figures check` recounts every ticket in Python and reports any difference.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Iterator

from sqlalchemy import case, delete, func, insert, inspect, or_, select, true
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value

from portal.changes import watch
from portal.supervision.holdings import ASSIGNING, day_of, holdings, judge, problems_of
from portal.supervision.models import FigureFact, HoldingFigure, Urge
from portal.tickets.models import OPEN_STATES, Rating, Ticket, TicketEvent, TicketState
from portal.tickets.workdays import Calendar

S = TicketState
H = HoldingFigure
NEVER = dt.date.min  # judged "as of" a day before every deadline: only what the events have settled
SIGN_STEPS = ("sign", "reject", "return")
ANSWER_STEPS = ("reply", "reject")
FACT_EVENTS = {"reopen": "reopened", "return": "returned", "take_repeat": "repeat"}  # 并单: for the master's holder


class _Counted:
    """In place of the calendar for a holding whose answer days were counted when its answer was new."""

    def between(self, start: dt.date, end: dt.date) -> int:
        return 0


def holding_rows(ticket: Ticket, calendar, fresh: set | None = None) -> list[dict]:
    """The stored form of each of the ticket's holdings, in order. Given the events new in this
    transaction (`fresh`), a holding answered before it comes without `answer_days` (kept as stored)."""
    rows = []
    is_open = ticket.state in OPEN_STATES
    for holding in holdings(ticket):
        answer = next((e for e in holding.events if e.action in ANSWER_STEPS), None)
        counted = fresh is not None and answer is not None and answer not in fresh
        verdict = judge(holding, NEVER, _Counted() if counted else calendar)
        problems = problems_of(holding, NEVER, _Counted() if counted else calendar)
        current = holding.current
        sign_pending = (current and ticket.state is S.ASSIGNED and not any(
            e.action in SIGN_STEPS and e.from_state is S.ASSIGNED for e in holding.events))
        reply_pending = current and is_open and not any(e.action in ANSWER_STEPS for e in holding.events)
        rows.append(dict(
            bureau_id=holding.bureau_id, day=holding.day, channel=ticket.channel.value, current=current,
            ticket_open=is_open,
            running_due=ticket.running_due if current and is_open else None,
            signed_on_time=verdict.signed_on_time, sign_open_due=ticket.sign_due if sign_pending else None,
            answered_on_time=verdict.answered_on_time, reply_open_due=ticket.reply_due if reply_pending else None,
            answer_days=verdict.answer_days, bad_rating="bad_rating" in problems, reopened="reopened" in problems))
        if counted:
            del rows[-1]["answer_days"]
    return rows


class _Calendar:
    """The working-day calendar, loaded the first time a flush needs it (to count answer days)."""

    def __init__(self, session: Session, state: dict):
        self.session, self.state = session, state

    def between(self, start: dt.date, end: dt.date) -> int:
        if "calendar" not in self.state:
            self.state["calendar"] = Calendar.load(self.session)
        return self.state["calendar"].between(start, end)


def _record(session: Session, state: dict) -> None:
    """Before each flush: note every ticket with a new step, or whose state or deadlines changed (they
    may be set after the step's event was flushed), and every new rating, reopening, return and urge."""
    tickets, facts, fresh = state.setdefault("tickets", {}), state.setdefault("facts", []), state.setdefault("fresh", set())
    for item in session.new:
        if isinstance(item, TicketEvent):
            fresh.add(item)
        if isinstance(item, (TicketEvent, Rating)):
            for ticket in (item.ticket, item.ticket.merged_into if item.ticket is not None else None):
                if ticket is not None:  # a repeat's rating is its master's bad rating too (并单)
                    tickets[id(ticket)] = ticket
            if isinstance(item, Rating) or item.action in FACT_EVENTS:
                facts.append(item)
        elif isinstance(item, Urge):
            facts.append(item)
    for item in session.dirty:
        if isinstance(item, Ticket) and any(getattr(inspect(item).attrs, name).history.has_changes()
                                            for name in ("state", "sign_due", "reply_due")):
            tickets[id(item)] = item


def _write(session: Session, state: dict) -> None:
    """As the transaction commits, once (every key known after a last flush): the noted tickets'
    holdings written over with their final verdicts, the noted facts added; SQL statements only, so no
    stale copy is kept in the session."""
    session.flush()
    tickets, facts, fresh = state.pop("tickets", {}), state.pop("facts", []), state.pop("fresh", set())
    rows: dict[bool, list[dict]] = {True: [], False: []}  # with answer days, without
    gone = []
    for ticket in tickets.values():
        _skip_reading(ticket)
        held = holding_rows(ticket, _Calendar(session, state), fresh)
        for seq, values in enumerate(held):
            rows["answer_days" in values].append(dict(ticket_id=ticket.id, seq=seq, filed_at=ticket.created_at, **values))
        if len(held) < sum(e.action in ASSIGNING for e in ticket.events):  # merged (并单): its holdings go
            gone.append((ticket.id, len(held)))
    for ticket_id, kept in gone:
        session.execute(delete(H).where(H.ticket_id == ticket_id, H.seq >= kept))
    dialect = session.get_bind().dialect.name
    for with_days, batch in rows.items():
        if batch:
            session.execute(_upsert(dialect, with_days), batch)
    counted = [fact_of(item) for item in facts]
    if counted := [fact for fact in counted if fact is not None]:
        session.execute(insert(FigureFact), counted)


def _skip_reading(ticket: Ticket) -> None:
    """A ticket never rated has no ratings, one never given a repeat no repeats: nothing to read."""
    actions = {e.action for e in ticket.events}
    if "ratings" in inspect(ticket).unloaded and "rate" not in actions:
        set_committed_value(ticket, "ratings", [])
    if "repeats" in inspect(ticket).unloaded and "take_repeat" not in actions:
        set_committed_value(ticket, "repeats", [])


@functools.cache
def _upsert(dialect: str, with_days: bool):
    """INSERT … ON CONFLICT (ticket_id, seq) DO UPDATE of every verdict (answer days only if given)."""
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(H)
    kept = {"id", "ticket_id", "seq", "filed_at"} | (set() if with_days else {"answer_days"})
    return statement.on_conflict_do_update(
        index_elements=["ticket_id", "seq"],
        set_={c.name: statement.excluded[c.name] for c in H.__table__.columns if c.name not in kept})


def fact_of(item) -> dict | None:
    """The fact a rating, a reopening or return (with its bureau) or an urge counts as."""
    if item.bureau_id is None:
        return None
    if isinstance(item, Rating):
        kind = "bad" if item.score.bad else "satisfied"
    else:
        kind = "urged" if isinstance(item, Urge) else FACT_EVENTS[item.action]
    return dict(ticket_id=item.ticket_id, bureau_id=item.bureau_id, day=day_of(item.at), kind=kind)


def install() -> None:
    """Keep the figures in the transaction of every ticket step."""
    watch("figures", _record, before_commit=_write)


# -- rebuilding from the events ------------------------------------------------------------------

def rebuild(session: Session, batch: int = 1000) -> tuple[int, int]:
    """Write both tables anew from the tickets' events, ratings and urges; returns (holdings, facts)."""
    session.execute(delete(H))
    session.execute(delete(FigureFact))
    calendar = Calendar.load(session)
    held = 0
    last = 0
    while True:
        tickets = list(session.scalars(select(Ticket).where(Ticket.id > last).order_by(Ticket.id).limit(batch)
                                       .options(selectinload(Ticket.events), selectinload(Ticket.ratings),
                                                selectinload(Ticket.repeats).selectinload(Ticket.ratings))))
        if not tickets:
            break
        rows = [dict(ticket_id=t.id, seq=seq, filed_at=t.created_at, **values)
                for t in tickets for seq, values in enumerate(holding_rows(t, calendar))]
        if rows:
            session.execute(insert(H), rows)
        held += len(rows)
        last = tickets[-1].id
        session.expunge_all()
    facts = [fact_of(item) for kind in (Rating, Urge) for item in session.scalars(select(kind))]
    facts += [fact_of(item) for item in session.scalars(
        select(TicketEvent).where(TicketEvent.action.in_(list(FACT_EVENTS))))]
    facts = [fact for fact in facts if fact is not None]
    for start in range(0, len(facts), 5000):
        session.execute(insert(FigureFact), facts[start:start + 5000])
    return held, len(facts)


# -- reading: verdicts as of a day, in SQL --------------------------------------------------------

def late_sign(today: dt.date):
    return or_(H.signed_on_time.is_(False), H.sign_open_due < today)


def late_reply(today: dt.date):
    return or_(H.answered_on_time.is_(False), H.reply_open_due < today)


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


PROBLEM_CONDITIONS = {
    "late_sign": late_sign,
    "late_reply": late_reply,
    "bad_rating": lambda _today: H.bad_rating == true(),
    "reopened": lambda _today: H.reopened == true(),
}


def problems(today: dt.date, only: str = ""):
    """The condition for a holding on the ledger (with the problem `only`, if given)."""
    if only:
        return PROBLEM_CONDITIONS[only](today)
    return or_(*(condition(today) for condition in PROBLEM_CONDITIONS.values()))


def holding_sums(session: Session, start: dt.date, end: dt.date, today: dt.date, by_day: bool = False,
                 bureau_id: int | None = None) -> Iterator[tuple]:
    """(bureau id or day, channel, received, signed judged, signed on time, answered judged, answered
    on time, answered, answer days) for the holdings begun in the period, per bureau or (`by_day`) per
    day, and per channel the ticket came in by."""
    key = H.day if by_day else H.bureau_id
    stmt = select(key, H.channel, func.count(),
                  _count(or_(H.signed_on_time.is_not(None), H.sign_open_due < today)),
                  _count(H.signed_on_time == true()),
                  _count(or_(H.answered_on_time.is_not(None), H.reply_open_due < today)),
                  _count(H.answered_on_time == true()),
                  func.count(H.answer_days), func.coalesce(func.sum(H.answer_days), 0),
                  ).where(H.day >= start, H.day <= end).group_by(key, H.channel)
    if bureau_id is not None:
        stmt = stmt.where(H.bureau_id == bureau_id)
    return iter(session.execute(stmt).all())


def fact_sums(session: Session, start: dt.date, end: dt.date, by_day: bool = False,
              bureau_id: int | None = None) -> Iterator[tuple]:
    """(bureau id or day, kind, count) of the facts of the period, per bureau or (`by_day`) per day."""
    key = FigureFact.day if by_day else FigureFact.bureau_id
    stmt = (select(key, FigureFact.kind, func.count()).where(FigureFact.day >= start, FigureFact.day <= end)
            .group_by(key, FigureFact.kind))
    if bureau_id is not None:
        stmt = stmt.where(FigureFact.bureau_id == bureau_id)
    return iter(session.execute(stmt).all())


RATING_KINDS = ("satisfied", "bad")


def overdue_now(session: Session, today: dt.date) -> dict[int, int]:
    """Per bureau, its open tickets past their running deadline today."""
    return dict(session.execute(select(Ticket.bureau_id, func.count()).where(
        Ticket.state.in_(OPEN_STATES), Ticket.bureau_id.is_not(None), Ticket.running_due < today)
        .group_by(Ticket.bureau_id)).all())


def chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
