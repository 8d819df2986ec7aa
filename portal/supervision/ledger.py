"""The problem ledger (问题台账): every ticket not signed or not answered in time, and every badly
rated or reopened one, with its age in working days, bureau, state and urging history. The page and
the Excel and CSV exports are built from the same rows."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.clock import local
from portal.tickets.models import Ticket, TicketState
from portal.tickets.queries import OPEN_STATES, due_of
from portal.tickets.workdays import Calendar

S = TicketState
PROBLEMS = {"late_sign": "未按时签收", "late_reply": "未按时答复", "bad_rating": "差评", "reopened": "重新办理"}


@dataclass
class LedgerRow:
    ticket: Ticket
    problems: list[str]
    age: int  # working days from filing to today (open) or to closing
    open: bool
    due: dt.date | None
    overdue_days: int  # working days past the running deadline, 0 when none
    urges: list = field(default_factory=list)

    @property
    def problem_labels(self) -> str:
        return "、".join(PROBLEMS[p] for p in self.problems)

    @property
    def urge_summary(self) -> str:
        return "；".join(f"{local(u.at):%m-%d} {u.kind.label}" for u in self.urges)


@dataclass(frozen=True)
class LedgerFilters:
    bureau: str = ""
    problem: str = ""
    open_only: bool = False
    filed_from: dt.date | None = None
    filed_to: dt.date | None = None


def _late(ticket: Ticket, actions: tuple[str, ...], states: tuple[TicketState, ...]) -> bool:
    """Whether one of `actions`, taken from one of `states`, came after the deadline then running."""
    return any(e.action in actions and e.from_state in states and e.due is not None and local(e.at).date() > e.due
               for e in ticket.events)


def problems_of(ticket: Ticket, today: dt.date) -> list[str]:
    """Which of the ledger's problems a ticket has: a step taken after its deadline, or a deadline
    passed now with the step not taken (the reply clock runs from assignment, signed or not)."""
    found = []
    due = due_of(ticket)
    running_late = due is not None and today > due
    if _late(ticket, ("sign", "reject", "return"), (S.ASSIGNED,)) or (running_late and ticket.state is S.ASSIGNED):
        found.append("late_sign")
    reply_late = ticket.state in OPEN_STATES and ticket.reply_due is not None and today > ticket.reply_due
    if _late(ticket, ("reply", "reject"), (S.ACCEPTED, S.REOPENED)) or reply_late:
        found.append("late_reply")
    if any(r.score.bad for r in ticket.ratings):
        found.append("bad_rating")
    if ticket.reopen_count:
        found.append("reopened")
    return found


def ledger(session: Session, today: dt.date, filters: LedgerFilters = LedgerFilters()) -> list[LedgerRow]:
    """The ledger's rows, oldest problem first."""
    from portal.supervision.models import Urge

    stmt = (select(Ticket).options(selectinload(Ticket.events), selectinload(Ticket.ratings)).order_by(Ticket.created_at))
    if filters.bureau:
        from portal.catalog.models import Bureau

        stmt = stmt.where(Ticket.bureau_id.in_(select(Bureau.id).where(Bureau.code == filters.bureau)))
    if filters.open_only:
        stmt = stmt.where(Ticket.state.in_(OPEN_STATES))
    calendar = Calendar.load(session)
    tickets = list(session.scalars(stmt))
    urges: dict[int, list[Urge]] = {}
    for item in session.scalars(select(Urge).where(Urge.ticket_id.in_([t.id for t in tickets])).order_by(Urge.id)):
        urges.setdefault(item.ticket_id, []).append(item)
    rows = []
    for ticket in tickets:
        filed = local(ticket.created_at).date()
        if (filters.filed_from and filed < filters.filed_from) or (filters.filed_to and filed > filters.filed_to):
            continue
        problems = problems_of(ticket, today)
        if not problems or (filters.problem and filters.problem not in problems):
            continue
        is_open = ticket.state in OPEN_STATES or ticket.state is S.DISPATCH
        end = today if is_open or ticket.closed_at is None else local(ticket.closed_at).date()
        due = due_of(ticket)
        overdue = calendar.between(due, today) if due is not None and today > due else 0
        rows.append(LedgerRow(ticket, problems, calendar.between(filed, end), is_open, due, overdue,
                              urges.get(ticket.id, [])))
    return rows


COLUMNS = ["流水号", "标题", "类型", "承办单位", "状态", "提交日期", "问题", "已历工作日", "当前期限", "逾期工作日",
           "催办督办次数", "催办督办记录"]


def ledger_table(rows: list[LedgerRow]) -> list[list]:
    """The rows as the page, the Excel file and the CSV file show them."""
    return [[r.ticket.number, r.ticket.subject, r.ticket.type.label,
             r.ticket.bureau.name if r.ticket.bureau else "县营商环境办（待分办）", r.ticket.state.label,
             local(r.ticket.created_at).date().isoformat(), r.problem_labels, r.age,
             r.due.isoformat() if r.due else "", r.overdue_days, len(r.urges), r.urge_summary] for r in rows]
