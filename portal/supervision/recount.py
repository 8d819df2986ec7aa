"""The full recount: every ticket of the span loaded with its events and judged in Python, as the
pages did before the figures were kept as rows (portal/supervision/figures.py). It is the reference
the stored figures are checked against (`flask --app portal figures check`, the recount test), not
what the pages read."""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from portal.catalog.models import Bureau
from portal.clock import county_midnight
from portal.supervision.callbacks import Callback
from portal.supervision.holdings import ASSIGNING, day_of, holdings, judge, problems_of
from portal.supervision.models import Urge
from portal.supervision.scoreboard import Figures, callback_counts, task_counts
from portal.tickets.appeals import upheld_ratings
from portal.tickets.cohandling import CohandlingTask
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
    return found + _beside(session, start, end, today)


def _beside(session: Session, start: dt.date, end: dt.date, today: dt.date) -> list[tuple[int, dt.date, Figures]]:
    """The office's callbacks reached and the co-handling tasks asked in the period, ticket by ticket:
    each ticket with a call or a task of the period read with all of its, and those of the period's
    county days counted (reached calls for the bureau that answered, tasks for the co-bureau)."""
    low, high = county_midnight(start), county_midnight(end + dt.timedelta(days=1))
    called = select(Callback.ticket_id).where(Callback.at >= low, Callback.at < high)
    asked = select(CohandlingTask.ticket_id).where(CohandlingTask.asked_at >= low, CohandlingTask.asked_at < high)
    tickets = list(session.scalars(select(Ticket).where(or_(Ticket.id.in_(called), Ticket.id.in_(asked)))
                                   .options(selectinload(Ticket.cohandling_tasks)).order_by(Ticket.id)))
    calls: dict[int, list[Callback]] = defaultdict(list)
    for call in session.scalars(select(Callback).where(Callback.ticket_id.in_([t.id for t in tickets]))):
        calls[call.ticket_id].append(call)
    found = []
    for ticket in tickets:
        for call in calls[ticket.id]:
            if call.reached and call.bureau_id is not None and start <= day_of(call.at) <= end:
                found.append((call.bureau_id, day_of(call.at), callback_counts(call)))
        for task in ticket.cohandling_tasks:
            if start <= day_of(task.asked_at) <= end:
                found.append((task.bureau_id, day_of(task.asked_at), task_counts(task, today)))
    return found


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


def ledger(session: Session, today: dt.date) -> list[tuple[int, int, tuple[str, ...], dt.date | None, bool, bool]]:
    """(ticket id, bureau id, problems, running deadline if still open with it, still open with it,
    ticket open) of every row of the ledger, in the ledger's order, recounted: a ticket's holdings with
    a problem, then its co-handling tasks late as of today (协办超时, for the co-bureau)."""
    calendar = Calendar.load(session)
    rows = []
    for ticket in session.scalars(select(Ticket).options(selectinload(Ticket.events), selectinload(Ticket.ratings),
                                                         selectinload(Ticket.repeats).selectinload(Ticket.ratings),
                                                         selectinload(Ticket.cohandling_tasks))
                                  .order_by(Ticket.created_at, Ticket.id)):
        ticket_open = ticket.state in OPEN_STATES
        for holding in holdings(ticket):
            found = problems_of(holding, today, calendar)
            if found:
                is_open = holding.current and ticket_open
                rows.append((ticket.id, holding.bureau_id, tuple(found), ticket.running_due if is_open else None,
                             is_open, ticket_open))
        for task in ticket.cohandling_tasks:
            if task.late(today):
                rows.append((ticket.id, task.bureau_id, ("late_cohandle",), task.due if task.open else None,
                             task.open, ticket_open))
    return rows


def differences(session: Session, today: dt.date) -> list[str]:
    """Where the kept figures, read as the pages read them, differ from a full recount as of `today`:
    the scoreboard per bureau and per bureau and week over every day with a ticket step (every field of
    `Figures`, so every column and rate shown: 响应率, 解决率, 满意率 …), and the ledger's rows (with
    their deadline and whether still open), whole, by page and counted, with no filter, 仅在办 (the
    start page's count) and each problem. Empty when they agree."""
    from portal.supervision import scoreboard as kept

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
    return found + _ledger_differences(session, today)


PAGE = 7  # rows a page when the ledger's pages are compared: small, so that pages end inside a ticket's rows


def _ledger_differences(session: Session, today: dt.date) -> list[str]:
    """The kept ledger against the recount, as the pages read it: every row, the first two pages and
    the last, the count (the start page's), with no filter, 仅在办, and each problem."""
    from portal.supervision import ledger as kept

    def shown(rows) -> list[tuple]:
        return [(r.ticket.id, r.bureau.id, tuple(r.problems), r.due, r.open) for r in rows]

    expected = ledger(session, today)
    views = [("", kept.LedgerFilters(), expected),
             ("（仅在办）", kept.LedgerFilters(open_only=True), [r for r in expected if r[5]])]
    views += [(f"（{label}）", kept.LedgerFilters(problem=name), [r for r in expected if name in r[2]])
              for name, label in kept.PROBLEMS.items()]
    found = []
    for label, filters, wanted in views:
        wanted = [r[:5] for r in wanted]
        rows = shown(kept.ledger(session, today, filters))
        last = max(1, -(-len(wanted) // PAGE))
        pages = {n: shown(kept.ledger_page(session, today, filters, n, PAGE).items) for n in {1, 2, last}}
        count = kept.ledger_count(session, today, filters)
        paged = all(items == wanted[(n - 1) * PAGE:n * PAGE] for n, items in pages.items() if n <= last)
        if rows != wanted or count != len(wanted) or not paged:
            missing, extra = set(wanted) - set(rows), set(rows) - set(wanted)
            found.append(f"问题台账{label}：保存 {len(rows)} 行（计数 {count}），重算 {len(wanted)} 行；"
                         f"缺 {sorted(missing, key=repr)[:5]}，多 {sorted(extra, key=repr)[:5]}"
                         + ("" if paged else "；分页所列不同"))
    return found
