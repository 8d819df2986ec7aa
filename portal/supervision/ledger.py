"""The problem ledger (问题台账): every holding of a ticket by a bureau in which it was not signed or
not answered in time, or was badly rated or reopened, with the ticket's age in working days, the
bureau, the state and the urging history. A ticket held by two bureaus can be on it twice, once for
each (portal/supervision/holdings.py). A co-bureau's late co-handling task (协办超时: answered after its
deadline, or still open after it) is a row of its own, for that bureau. The page and the Excel and CSV
exports share these rows."""
from __future__ import annotations

import datetime as dt
import heapq
from dataclasses import dataclass, field

from collections.abc import Iterable, Iterator

from sqlalchemy import false, func, or_, select, true
from sqlalchemy.orm import Session

from portal.catalog.models import Bureau
from portal.clock import chinese_date, county_midnight, local
from portal.supervision import figures
from portal.supervision.models import HoldingFigure as H
from portal.supervision.models import Urge
from portal.tickets.cohandling import CohandlingTask
from portal.tickets.models import OPEN_STATES, Ticket, TicketState
from portal.tickets.viewers import Viewer, party, shows_identity
from portal.tickets.workdays import Calendar, tentative
from portal.web import Page

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


def _conditions(today: dt.date, filters: LedgerFilters) -> list:
    """Which stored holdings are on the ledger with these filters."""
    if filters.problem == "late_cohandle":
        return [false()]
    found = [figures.problems(today, filters.problem)]
    if filters.open_only:
        found.append(H.ticket_open == true())
    if filters.bureau:
        found.append(H.bureau_id == select(Bureau.id).where(Bureau.code == filters.bureau).scalar_subquery())
    if filters.filed_from:
        found.append(H.filed_at >= county_midnight(filters.filed_from))
    if filters.filed_to:
        found.append(H.filed_at < county_midnight(filters.filed_to + dt.timedelta(days=1)))
    return found


def _statement(today: dt.date, filters: LedgerFilters):
    """The stored holdings on the ledger, with their tickets, oldest ticket first."""
    return (select(H, Ticket).join(Ticket, Ticket.id == H.ticket_id).where(*_conditions(today, filters))
            .order_by(H.filed_at, H.ticket_id, H.seq)
            .execution_options(populate_existing=True))  # the rows are written by SQL: never a stale copy


class _Rows:
    """Ledger rows made from stored holdings, a batch at a time: the bureaus, the calendar and each
    year's state read once, the urges of each batch's tickets in one query."""

    def __init__(self, session: Session, today: dt.date):
        self.session, self.today = session, today
        self.calendar = Calendar.load(session)
        self.bureaus = {b.id: b for b in session.scalars(select(Bureau))}
        self.may_move: dict[int, bool] = {}

    def __call__(self, batch) -> list[LedgerRow]:
        today, calendar = self.today, self.calendar
        urges: dict[tuple[int, int], list[Urge]] = {}
        ids = list({ticket.id for _, ticket in batch})
        for item in self.session.scalars(select(Urge).where(Urge.ticket_id.in_(ids)).order_by(Urge.id)):
            urges.setdefault((item.ticket_id, item.bureau_id), []).append(item)
        rows = []
        for held, ticket in batch:
            filed = local(ticket.created_at).date()
            concluded = ticket.state in (S.CLOSED, S.REJECTED)
            end = local(ticket.closed_at).date() if concluded and ticket.closed_at else today
            found = [name for name, late in (("late_sign", held.signed_on_time is False or _past(held.sign_open_due, today)),
                                             ("late_reply", held.answered_on_time is False or _past(held.reply_open_due, today)),
                                             ("bad_rating", held.bad_rating), ("reopened", held.reopened)) if late]
            due = held.running_due
            overdue = calendar.between(due, today) if due is not None and today > due else 0
            rows.append(LedgerRow(ticket, self.bureaus[held.bureau_id], found, calendar.between(filed, end),
                                  held.current and held.ticket_open, due, overdue,
                                  urges.get((ticket.id, held.bureau_id), []),
                                  due is not None and self.may_move.setdefault(due.year, tentative(self.session, due))))
        return rows

    def task(self, task: CohandlingTask) -> LedgerRow:
        """A late co-handling task's row: the co-bureau's, not the holder's."""
        today, calendar, ticket = self.today, self.calendar, task.ticket
        concluded = ticket.state in (S.CLOSED, S.REJECTED)
        end = local(ticket.closed_at).date() if concluded and ticket.closed_at else today
        due = task.due if task.open else None
        return LedgerRow(ticket, self.bureaus[task.bureau_id], ["late_cohandle"],
                         calendar.between(local(ticket.created_at).date(), end), task.open, due,
                         calendar.between(task.due, today) if task.open else 0, [],
                         due is not None and self.may_move.setdefault(due.year, tentative(self.session, due)), task)


def _past(due: dt.date | None, today: dt.date) -> bool:
    return due is not None and today > due


def ledger_rows(session: Session, today: dt.date, filters: LedgerFilters = LedgerFilters(),
                batch: int = 500) -> Iterator[LedgerRow]:
    """Every row of the ledger, read and made a batch at a time (the exports stream them)."""
    make = _Rows(session, today)
    tasks = iter(_late_tasks(session, today, filters))
    task = next(tasks, None)
    for part in session.execute(_statement(today, filters).execution_options(yield_per=batch)).partitions():
        for (held, _), row in zip(part, make(part)):
            while task is not None and task[0] < (held.filed_at, held.ticket_id, held.seq):
                yield make.task(task[1])
                task = next(tasks, None)
            yield row
    while task is not None:
        yield make.task(task[1])
        task = next(tasks, None)


def ledger(session: Session, today: dt.date, filters: LedgerFilters = LedgerFilters()) -> list[LedgerRow]:
    """The ledger's rows, oldest ticket first."""
    return list(ledger_rows(session, today, filters))


def _late_tasks(session: Session, today: dt.date, filters: LedgerFilters) -> list[tuple[tuple, CohandlingTask]]:
    """The late co-handling tasks (协办超时) on the ledger with these filters, each with its place in the
    ledger's order (after its ticket's holdings). Tasks are few: judged here, not kept."""
    if filters.problem and filters.problem != "late_cohandle":
        return []
    stmt = (select(CohandlingTask).join(Ticket, Ticket.id == CohandlingTask.ticket_id)
            .where(or_(CohandlingTask.answered_at.is_not(None), CohandlingTask.due < today)))
    if filters.open_only:
        stmt = stmt.where(Ticket.state.in_(OPEN_STATES))
    if filters.bureau:
        stmt = stmt.where(CohandlingTask.bureau_id == select(Bureau.id).where(
            Bureau.code == filters.bureau).scalar_subquery())
    if filters.filed_from:
        stmt = stmt.where(Ticket.created_at >= county_midnight(filters.filed_from))
    if filters.filed_to:
        stmt = stmt.where(Ticket.created_at < county_midnight(filters.filed_to + dt.timedelta(days=1)))
    return sorted(((task.ticket.created_at, task.ticket_id, TASK_PLACE + task.id), task)
                  for task in session.scalars(stmt) if task.late(today))


TASK_PLACE = 1 << 40  # a task's row comes after every holding of its ticket


def ledger_count(session: Session, today: dt.date, filters: LedgerFilters = LedgerFilters()) -> int:
    held = session.scalar(select(func.count()).select_from(H).where(*_conditions(today, filters)))
    return held + len(_late_tasks(session, today, filters))


def ledger_page(session: Session, today: dt.date, filters: LedgerFilters, page: int, per_page: int) -> Page:
    """One page of the ledger (a page past the end shows the last one)."""
    tasks = _late_tasks(session, today, filters)
    held = session.scalar(select(func.count()).select_from(H).where(*_conditions(today, filters)))
    total = held + len(tasks)
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    make = _Rows(session, today)
    if not tasks:
        batch = session.execute(_statement(today, filters).limit(per_page).offset((page - 1) * per_page)).all()
        return Page(make(batch), page, per_page, total)
    # with late tasks: the page's places in the merged order, then only those rows read
    keys = session.execute(select(H.filed_at, H.ticket_id, H.seq, H.id).where(*_conditions(today, filters))).all()
    chosen = list(heapq.merge(((tuple(k[:3]), k[3]) for k in sorted(keys)), tasks, key=lambda pair: pair[0]))
    chosen = chosen[(page - 1) * per_page:page * per_page]
    ids = [item for _, item in chosen if not isinstance(item, CohandlingTask)]
    read = {held.id: (held, ticket) for held, ticket in session.execute(_statement(today, filters).where(H.id.in_(ids)))}
    made = dict(zip(ids, make([read[i] for i in ids])))
    return Page([made[item] if not isinstance(item, CohandlingTask) else make.task(item) for _, item in chosen],
                page, per_page, total)


COLUMNS = ["流水号", "标题", "类型", "承办单位", "状态", "提交日期", "问题", "已历工作日", "当前期限", "逾期工作日",
           "催办督办次数", "催办督办记录", "渠道", "诉求人"]


def ledger_line(r: LedgerRow, viewer: Viewer = Viewer.OFFICE) -> list:
    """One row as the page, the Excel file and the CSV file show it (the business as `viewer` may see
    it: portal/tickets/viewers.py)."""
    return [r.ticket.number, r.ticket.subject, r.ticket.type.label, r.bureau.name, r.ticket.state.label,
            chinese_date(r.ticket.created_at), r.problem_labels, r.age, r.due_text, r.overdue_days, len(r.urges),
            r.urge_summary, r.ticket.channel.label, party(r.ticket, shows_identity(viewer, r.ticket)).who]


def ledger_table(rows: Iterable[LedgerRow], viewer: Viewer = Viewer.OFFICE) -> list[list]:
    return [ledger_line(r, viewer) for r in rows]
