"""Reads for the workspace: a bureau's tickets ordered by urgency, counts by state (who may see what of
one ticket: portal/tickets/viewers.py)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.orm import Session

from portal.accounts.models import Role, User
from portal.catalog.models import Topic
from portal.clock import county_midnight
from portal.tickets.models import OPEN_STATES, Ticket, TicketState, TicketType
from portal.tickets.viewers import identity_searchable, viewer_of

VIEWS = {"open": "待办", "overdue": "已逾期", "due_today": "今日到期", "mine": "我经办的", "all": "全部"}


@dataclass(frozen=True)
class Filters:
    view: str = "open"
    state: str = ""
    type: str = ""
    topic: str = ""
    filed_from: dt.date | None = None
    filed_to: dt.date | None = None
    q: str = ""


def _scope(stmt: Select, user: User) -> Select:
    """Every ticket for the supervisor; the bureau's own for its members; nothing for anyone else."""
    if user.role is Role.SUPERVISOR:
        return stmt
    if not user.is_bureau_member:
        return stmt.where(false())
    return stmt.where(Ticket.bureau_id == user.bureau_id)


def workspace_tickets(user: User, filters: Filters, today: dt.date) -> Select:
    """The user's tickets, overdue and due today first, then by deadline, then newest."""
    due = Ticket.running_due
    stmt = _scope(select(Ticket), user)
    if filters.view == "open":
        stmt = stmt.where(Ticket.state.in_(OPEN_STATES))
    elif filters.view == "overdue":  # a deadline runs only in the open states: read through their index
        stmt = stmt.where(Ticket.state.in_(OPEN_STATES), due < today)
    elif filters.view == "due_today":
        stmt = stmt.where(Ticket.state.in_(OPEN_STATES), due == today)
    elif filters.view == "mine":
        stmt = stmt.where(Ticket.assignee_id == user.id, Ticket.state.in_(OPEN_STATES))
    if filters.state:
        stmt = stmt.where(Ticket.state == TicketState(filters.state))
    if filters.type:
        stmt = stmt.where(Ticket.type == TicketType(filters.type))
    if filters.topic:
        stmt = stmt.where(Ticket.topic_id.in_(select(Topic.id).where(Topic.code == filters.topic)))
    if filters.filed_from:
        stmt = stmt.where(Ticket.created_at >= county_midnight(filters.filed_from))
    if filters.filed_to:
        stmt = stmt.where(Ticket.created_at < county_midnight(filters.filed_to + dt.timedelta(days=1)))
    if filters.q:
        words = filters.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(or_(Ticket.number.like(f"%{words}%", escape="\\"),
                              and_(Ticket.company_name.like(f"%{words}%", escape="\\"),
                                   identity_searchable(viewer_of(user))),  # a 保密件 is not found by its company
                              Ticket.subject.like(f"%{words}%", escape="\\")))
    return stmt.order_by(due.is_(None), due, Ticket.created_at.desc(), Ticket.id.desc())


def counts(session: Session, user: User, today: dt.date) -> dict[str, int]:
    """How many tickets the user's bureau holds per state, and how many are overdue or due today."""
    by_state = dict(session.execute(
        _scope(select(Ticket.state, func.count()), user).group_by(Ticket.state)).all())
    due = Ticket.running_due
    overdue, due_today, mine = session.execute(_scope(select(
        func.count().filter(due < today),
        func.count().filter(due == today),
        func.count().filter(Ticket.assignee_id == user.id),
    ), user).where(Ticket.state.in_(OPEN_STATES))).one()  # every count of open tickets: through the state index
    result = {state.value: by_state.get(state, 0) for state in TicketState}
    result.update(open=sum(by_state.get(s, 0) for s in OPEN_STATES), overdue=overdue, due_today=due_today,
                  mine=mine, all=sum(by_state.values()))
    return result
