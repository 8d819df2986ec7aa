"""The full recount: every ticket of the span loaded with its events and judged in Python, as the
pages did before the figures were kept as rows (portal/supervision/figures.py). It is the reference
the stored figures are checked against (`flask --app portal figures check`, the recount test), not
what the pages read."""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from portal.catalog.models import Bureau
from portal.clock import county_midnight
from portal.supervision.holdings import ASSIGNING, day_of, holdings, judge, problems_of
from portal.supervision.models import Urge
from portal.supervision.scoreboard import Figures, few_facts
from portal.tickets.appeals import upheld_ratings
from portal.tickets.models import OPEN_STATES, Rating, Ticket, TicketEvent
from portal.tickets.workdays import Calendar


def facts(session: Session, start: dt.date, end: dt.date, today: dt.date) -> list[tuple[int, dt.date, Figures]]:
    """Every counted thing in the period as (bureau id, county day, its contribution)."""
    calendar = Calendar.load(session)
    low, high = county_midnight(start), county_midnight(end + dt.timedelta(days=1))
    found: list[tuple[int, dt.date, Figures]] = []
    assigned = select(TicketEvent.ticket_id).where(TicketEvent.action.in_(ASSIGNING), TicketEvent.at >= low,
                                                   TicketEvent.at < high)
    for ticket in session.scalars(select(Ticket).where(Ticket.id.in_(assigned)).options(selectinload(Ticket.events))):
        for holding in holdings(ticket):
            if not start <= holding.day <= end:
                continue
            verdict = judge(holding, today, calendar)
            item = Figures(received=1, channels=Counter({ticket.channel.value: 1}))
            if verdict.signed_on_time is not None:
                item.signed_judged, item.signed_on_time = 1, int(verdict.signed_on_time)
            if verdict.answered_on_time is not None:
                item.answered_judged, item.answered_on_time = 1, int(verdict.answered_on_time)
            if verdict.answer_days is not None:
                item.answered, item.answer_days = 1, verdict.answer_days
            found.append((holding.bureau_id, holding.day, item))
    upheld = upheld_ratings(session)
    for rating in session.scalars(select(Rating).where(Rating.at >= low, Rating.at < high,
                                                       Rating.bureau_id.is_not(None))):
        if rating.id in upheld:  # the office upheld the bureau's appeal: out of its figures, and said so
            found.append((rating.bureau_id, day_of(rating.at), Figures(appeals_upheld=1)))
            continue
        found.append((rating.bureau_id, day_of(rating.at), Figures(rated=1, satisfied=int(not rating.score.bad),
                                                                   bad=int(rating.score.bad))))
    for event in session.scalars(select(TicketEvent).where(
            TicketEvent.action.in_(("reopen", "return")), TicketEvent.at >= low, TicketEvent.at < high,
            TicketEvent.bureau_id.is_not(None))):
        counted = Figures(reopened=1) if event.action == "reopen" else Figures(returns=1)
        found.append((event.bureau_id, day_of(event.at), counted))
    for urge in session.scalars(select(Urge).where(Urge.at >= low, Urge.at < high)):
        found.append((urge.bureau_id, day_of(urge.at), Figures(urges=1)))
    for event in session.scalars(select(TicketEvent).where(  # 并单: on the master, for the bureau holding it
            TicketEvent.action == "take_repeat", TicketEvent.at >= low, TicketEvent.at < high)):
        if event.bureau_id is not None:  # the master's holder when merged (portal/tickets/services.move)
            found.append((event.bureau_id, day_of(event.at), Figures(repeats=1)))
    return found + few_facts(session, start, end, today)


def scoreboard(session: Session, start: dt.date, end: dt.date, today: dt.date) -> dict[int, Figures]:
    """Per bureau id, the period's figures (and overdue now), recounted."""
    totals: dict[int, Figures] = defaultdict(Figures)
    for bureau_id, _day, item in facts(session, start, end, today):
        totals[bureau_id].add(item)
    for ticket in session.scalars(select(Ticket).where(Ticket.state.in_(OPEN_STATES), Ticket.bureau_id.is_not(None))):
        due = ticket.running_due
        if due is not None and today > due:
            totals[ticket.bureau_id].overdue_now += 1
    return dict(totals)


def weekly(session: Session, start: dt.date, end: dt.date, today: dt.date) -> dict[tuple[int, dt.date], Figures]:
    """Per (bureau id, Monday), the period's figures, recounted."""
    buckets: dict[tuple[int, dt.date], Figures] = defaultdict(Figures)
    for bureau_id, day, item in facts(session, start, end, today):
        buckets[(bureau_id, day - dt.timedelta(days=day.weekday()))].add(item)
    return dict(buckets)


def ledger(session: Session, today: dt.date) -> list[tuple[int, int, tuple[str, ...], dt.date | None]]:
    """(ticket id, bureau id, problems, running deadline if still open with it) of every holding on
    the ledger, in the ledger's order, recounted."""
    calendar = Calendar.load(session)
    rows = []
    for ticket in session.scalars(select(Ticket).options(selectinload(Ticket.events), selectinload(Ticket.ratings),
                                                         selectinload(Ticket.repeats).selectinload(Ticket.ratings))
                                  .order_by(Ticket.created_at, Ticket.id)):
        for holding in holdings(ticket):
            found = problems_of(holding, today, calendar)
            if found:
                is_open = holding.current and ticket.state in OPEN_STATES
                rows.append((ticket.id, holding.bureau_id, tuple(found), ticket.running_due if is_open else None))
    return rows


def differences(session: Session, today: dt.date) -> list[str]:
    """Where the kept figures, read as the pages read them, differ from a full recount as of `today`:
    the scoreboard per bureau and per bureau and week over every day with a ticket step, and the
    ledger's rows. Empty when they agree."""
    from portal.supervision import scoreboard as kept
    from portal.supervision.ledger import ledger as kept_ledger

    first, last = session.execute(select(func.min(TicketEvent.at), func.max(TicketEvent.at))).one()
    if first is None:
        return []
    start, end = day_of(first), max(day_of(last), today)
    found = []
    stored = {bureau.id: item for bureau, item in kept.scoreboard(session, start, end, today)}
    counted = scoreboard(session, start, end, today)
    for bureau in sorted(set(stored) | set(counted)):
        if stored.get(bureau, Figures()) != counted.get(bureau, Figures()):
            found.append(f"部门 {bureau}：保存 {stored.get(bureau)}，重算 {counted.get(bureau)}")
    weeks = weekly(session, start, end, today)
    for bureau in sorted({b for b, _ in weeks} | set(stored)):
        holder = session.get(Bureau, bureau)
        for monday, item in kept.weekly(session, start, end, today, holder):
            if item != weeks.get((bureau, monday), Figures()):
                found.append(f"部门 {bureau} {monday} 当周：保存 {item}，重算 {weeks.get((bureau, monday))}")
    rows = [(r.ticket.id, r.bureau.id, tuple(r.problems), r.due) for r in kept_ledger(session, today)]
    expected = ledger(session, today)
    if rows != expected:
        missing, extra = set(expected) - set(rows), set(rows) - set(expected)
        found.append(f"问题台账：保存 {len(rows)} 行，重算 {len(expected)} 行；缺 {sorted(missing)[:5]}，多 {sorted(extra)[:5]}")
    return found
