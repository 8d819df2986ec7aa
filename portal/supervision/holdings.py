"""A ticket's history cut into holdings: from each assignment to a bureau (routing, or an approved
transfer) until the next one or a return. Each holding is judged on its own, for the bureau that held
it, so a transfer or a return never wipes a bureau's late record, and the ledger and the scoreboard
judge alike."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from portal.clock import local
from portal.tickets.models import OPEN_STATES, Ticket, TicketEvent, TicketState
from portal.tickets.workdays import Calendar

S = TicketState
ASSIGNING = ("route", "approve_transfer")


def day_of(moment: dt.datetime) -> dt.date:
    return local(moment).date()


@dataclass
class Holding:
    ticket: Ticket
    bureau_id: int
    start: TicketEvent
    events: list[TicketEvent] = field(default_factory=list)
    ended_by: TicketEvent | None = None  # the next assignment, or the return that closed it

    @property
    def current(self) -> bool:
        return self.ended_by is None

    @property
    def day(self) -> dt.date:
        return day_of(self.start.at)


def holdings(ticket: Ticket) -> list[Holding]:
    """The ticket's holdings in order; events before the first assignment belong to none. A repeat
    merged into its master (并单) has none: the matter counts once, through the master."""
    if ticket.state is S.MERGED:
        return []
    found: list[Holding] = []
    holding: Holding | None = None
    for event in ticket.events:
        if event.action in ASSIGNING and event.bureau_id is not None:
            if holding is not None:
                holding.ended_by = event
            holding = Holding(ticket, event.bureau_id, event)
            found.append(holding)
        elif holding is not None and holding.ended_by is None:
            holding.events.append(event)
            if event.action == "return":
                holding.ended_by = event
    return found


@dataclass(frozen=True)
class Judgement:
    signed_on_time: bool | None  # None: nothing to judge (yet)
    answered_on_time: bool | None
    answer_days: int | None  # working days from assignment to the first answer


def _late(moment: dt.datetime, due: dt.date | None) -> bool | None:
    """Whether a step taken at `moment` missed `due` (None when no deadline is known)."""
    return None if due is None else day_of(moment) > due


def judge(holding: Holding, today: dt.date, calendar: Calendar) -> Judgement:
    """Signing: the first sign, rejection or return from 待签收 against the sign deadline then running.
    Answering: the first reply or rejection against the reply deadline then running (extensions
    included). A holding ended by a transfer before the step counts as late only if the deadline had
    already passed; the current holding with its step still to take is late once its deadline passes."""
    ticket = holding.ticket
    signed = answered = None
    days = None
    step = next((e for e in holding.events if e.action in ("sign", "reject", "return") and e.from_state is S.ASSIGNED), None)
    end = holding.ended_by
    if step is not None:
        late = _late(step.at, step.due)
        signed = None if late is None else not late
    elif end is not None and end.action == "approve_transfer" and end.from_state is S.ASSIGNED:
        signed = False if _late(end.at, end.due) else None
    elif holding.current and ticket.state is S.ASSIGNED and ticket.sign_due is not None:
        signed = False if today > ticket.sign_due else None

    step = next((e for e in holding.events if e.action in ("reply", "reject")), None)
    if step is not None:
        if step.from_state in (S.ACCEPTED, S.REOPENED):
            due = step.due
        else:  # rejected before signing: the reply deadline runs from assignment all the same
            due = ticket.reply_due if holding.current else None
        late = _late(step.at, due)
        answered = None if late is None else not late
        days = calendar.between(holding.day, day_of(step.at))
    elif end is not None and end.action == "approve_transfer" and end.from_state in (S.ACCEPTED, S.REOPENED):
        answered = False if _late(end.at, end.due) else None
    elif holding.current and ticket.state in OPEN_STATES and ticket.reply_due is not None:
        answered = False if today > ticket.reply_due else None
    return Judgement(signed, answered, days)
