"""The problem ledger (问题台账): every holding of a ticket by a bureau in which it was not signed or
not answered in time, or was badly rated or reopened, with the ticket's age in working days, the
bureau, the state and the urging history. A ticket held by two bureaus can be on it twice, once for
each (portal/supervision/holdings.py). A co-bureau's late co-handling task (协办超时: answered after its
deadline, or still open after it) is a row of its own, for that bureau. The page and the Excel and CSV
exports share these rows."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.catalog.models import Bureau
from portal.clock import chinese_date, county_midnight, local
from portal.supervision.holdings import Holding, holdings, judge
from portal.supervision.models import Urge
from portal.tickets.cohandling import CohandlingTask
from portal.tickets.models import OPEN_STATES, Ticket, TicketEvent, TicketState
from portal.tickets.visibility import Viewer, party
from portal.tickets.workdays import Calendar, tentative

S = TicketState
PROBLEMS = {"late_sign": "未按时签收", "late_reply": "未按时答复", "bad_rating": "差评", "reopened": "重新办理",
            "late_cohandle": "协办超时"}


@dataclass
class LedgerRow:
    ticket: Ticket
    bureau: Bureau
    problems: list[str]
    age: int  # working days from filing to today (open) or to closing
    open: bool  # the ticket is still with this bureau and not concluded
    due: dt.date | None
    overdue_days: int  # working days past the running deadline, 0 when none
    urges: list = field(default_factory=list)
    due_tentative: bool = False  # in a year whose State Council arrangement is not entered: may move
    task: CohandlingTask | None = None  # a late co-handling task's row: the co-bureau's, not the holder's

    @property
    def problem_labels(self) -> str:
        return "、".join(PROBLEMS[p] for p in self.problems)

    @property
    def urge_summary(self) -> str:
        return "；".join(f"{chinese_date(u.at)} {u.kind.label}" for u in self.urges)

    @property
    def due_note(self) -> str:
        return "（国务院放假安排未录入，可能调整）" if self.due is not None and self.due_tentative else ""

    @property
    def due_text(self) -> str:
        return chinese_date(self.due) + self.due_note if self.due is not None else ""


@dataclass(frozen=True)
class LedgerFilters:
    bureau: str = ""
    problem: str = ""
    open_only: bool = False
    filed_from: dt.date | None = None
    filed_to: dt.date | None = None


def problems_of(holding: Holding, today: dt.date, calendar: Calendar) -> list[str]:
    """Which of the ledger's problems one holding has."""
    verdict = judge(holding, today, calendar)
    found = []
    if verdict.signed_on_time is False:
        found.append("late_sign")
    if verdict.answered_on_time is False:
        found.append("late_reply")
    start = local(holding.start.at)
    end = local(holding.ended_by.at) if holding.ended_by is not None else None
    ratings = [*holding.ticket.ratings, *(r for repeat in holding.ticket.repeats for r in repeat.ratings)]  # 并单
    if any(r.score.bad and local(r.at) >= start and (end is None or local(r.at) < end) for r in ratings):
        found.append("bad_rating")
    if any(e.action == "reopen" for e in holding.events):
        found.append("reopened")
    return found


def ledger(session: Session, today: dt.date, filters: LedgerFilters = LedgerFilters()) -> list[LedgerRow]:
    """The ledger's rows, oldest ticket first."""
    stmt = (select(Ticket).options(selectinload(Ticket.events), selectinload(Ticket.ratings),
                                   selectinload(Ticket.repeats).selectinload(Ticket.ratings))
            .order_by(Ticket.created_at, Ticket.id))
    if filters.open_only:
        stmt = stmt.where(Ticket.state.in_(OPEN_STATES))
    if filters.bureau:  # only tickets the bureau ever held (or acted on) need judging
        held = select(TicketEvent.ticket_id).join(Bureau, TicketEvent.bureau_id == Bureau.id).where(
            Bureau.code == filters.bureau)
        asked = select(CohandlingTask.ticket_id).join(Bureau, CohandlingTask.bureau_id == Bureau.id).where(
            Bureau.code == filters.bureau)
        stmt = stmt.where(Ticket.id.in_(held.union(asked)))
    if filters.filed_from:
        stmt = stmt.where(Ticket.created_at >= county_midnight(filters.filed_from))
    calendar = Calendar.load(session)
    bureaus = {b.id: b for b in session.scalars(select(Bureau))}
    urges: dict[tuple[int, int], list[Urge]] = {}
    for item in session.scalars(select(Urge).order_by(Urge.id)):
        urges.setdefault((item.ticket_id, item.bureau_id), []).append(item)
    rows = []
    may_move: dict[int, bool] = {}
    for ticket in session.scalars(stmt):
        filed = local(ticket.created_at).date()
        if (filters.filed_from and filed < filters.filed_from) or (filters.filed_to and filed > filters.filed_to):
            continue
        concluded = ticket.state in (S.CLOSED, S.REJECTED)
        end = local(ticket.closed_at).date() if concluded and ticket.closed_at else today
        for holding in holdings(ticket):
            bureau = bureaus[holding.bureau_id]
            if filters.bureau and bureau.code != filters.bureau:
                continue
            problems = problems_of(holding, today, calendar)
            if not problems or (filters.problem and filters.problem not in problems):
                continue
            is_open = holding.current and ticket.state in OPEN_STATES
            due = ticket.running_due if is_open else None
            overdue = calendar.between(due, today) if due is not None and today > due else 0
            rows.append(LedgerRow(ticket, bureau, problems, calendar.between(filed, end), is_open, due, overdue,
                                  urges.get((ticket.id, holding.bureau_id), []),
                                  due is not None and may_move.setdefault(due.year, tentative(session, due))))
        for task in ticket.cohandling_tasks:
            if not task.late(today) or (filters.bureau and bureaus[task.bureau_id].code != filters.bureau) or (
                    filters.problem and filters.problem != "late_cohandle"):
                continue
            due = task.due if task.open else None
            rows.append(LedgerRow(ticket, bureaus[task.bureau_id], ["late_cohandle"], calendar.between(filed, end),
                                  task.open, due, calendar.between(task.due, today) if task.open else 0, [],
                                  due is not None and may_move.setdefault(due.year, tentative(session, due)), task))
    return rows


COLUMNS = ["流水号", "标题", "类型", "承办单位", "状态", "提交日期", "问题", "已历工作日", "当前期限", "逾期工作日",
           "催办督办次数", "催办督办记录", "渠道", "诉求人"]


def ledger_table(rows: list[LedgerRow], viewer: Viewer = Viewer.OFFICE) -> list[list]:
    """The rows as the page, the Excel file and the CSV file show them (the business as `viewer` may
    see it: portal/tickets/visibility.py)."""
    return [[r.ticket.number, r.ticket.subject, r.ticket.type.label, r.bureau.name, r.ticket.state.label,
             chinese_date(r.ticket.created_at), r.problem_labels, r.age, r.due_text, r.overdue_days, len(r.urges),
             r.urge_summary, r.ticket.channel.label, party(r.ticket, viewer).who] for r in rows]
