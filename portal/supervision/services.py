"""The supervising office's rules: route from the dispatch queue, urge a bureau, remind bureaus of
deadlines. Transfers and extensions are decided by `decide_transfer` / `decide_extension` in the
ticket services. Callers commit."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.services import bureau_addresses
from portal.actors import Actor
from portal.catalog.models import Bureau
from portal.clock import now
from portal.errors import Invalid
from portal.mail import queue_mail
from portal.supervision.models import Reminder, Urge, UrgeKind
from portal.text import plain
from portal.tickets.models import OPEN_STATES, Ticket
from portal.tickets.services import allowed, assign, move
from portal.tickets.workdays import Calendar


def route(session: Session, ticket: Ticket, bureau: Bureau | None, actor: Actor, note: str) -> None:
    """Send a ticket from the dispatch queue to a bureau (also back to the one that returned it)."""
    allowed(ticket, "route")
    if bureau is None:
        raise Invalid("请选择承办单位。", "bureau")
    assign(session, ticket, bureau, actor, "route", note=plain(note, "分办意见", 2000, "reason"))


def urge(session: Session, ticket: Ticket, actor: Actor, note: str, today: dt.date) -> tuple[Urge, int]:
    """Urge the holder bureau: 催办 while its deadline runs, 督办 once it has passed. The urge is
    recorded (and so counted), the bureau's accounts mailed and the business told that it was urged.
    Returns the urge and how many addresses were mailed."""
    due = ticket.running_due
    kind = UrgeKind.SUPERVISE if due is not None and today > due else UrgeKind.PRESS
    allowed(ticket, kind.value)
    note = plain(note, f"{kind.label}要求", 2000, "body")
    if not note:
        raise Invalid(f"{kind.label}须写明要求。", "body")
    bureau = ticket.bureau
    move(ticket, kind.value, actor, note=note, public_text=f"县营商环境办已对承办单位{kind.label}，要求抓紧办理。")
    record = Urge(ticket=ticket, bureau=bureau, kind=kind, note=note, due=due, actor_name=actor.name, at=now())
    session.add(record)
    addresses = bureau_addresses(session, bureau)
    for address in addresses:
        queue_mail(session, address, "mail/urge.txt", ticket=ticket, bureau=bureau, kind=kind, note=note, due=due)
    return record, len(addresses)


def remind(session: Session, today: dt.date) -> dict:
    """Mail each bureau once a day about its tickets due on the next working day and those overdue.
    Each (ticket, day, kind) is sent at most once, so a second run the same day sends nothing; a
    bureau without any address is reported and not recorded, so it is reminded once one is set."""
    calendar = Calendar.load(session)
    tomorrow = calendar.add(today, 1)
    sent = set(session.execute(select(Reminder.ticket_id, Reminder.kind).where(Reminder.day == today)).all())
    by_bureau: dict[Bureau, list[tuple[str, Ticket, dt.date]]] = {}
    for ticket in session.scalars(select(Ticket).where(Ticket.state.in_(OPEN_STATES)).order_by(Ticket.id)):
        due = ticket.running_due
        if due is None or ticket.bureau is None:
            continue
        kind = "overdue" if due < today else "due_tomorrow" if due <= tomorrow else None
        if kind is None or (ticket.id, kind) in sent:
            continue
        by_bureau.setdefault(ticket.bureau, []).append((kind, ticket, due))
    counts = {"bureaus": 0, "tickets": 0, "without_address": []}
    for bureau, items in sorted(by_bureau.items(), key=lambda pair: pair[0].id):
        addresses = bureau_addresses(session, bureau)
        if not addresses:
            counts["without_address"].append(bureau.name)
            continue
        for kind, ticket, _due in items:
            session.add(Reminder(ticket_id=ticket.id, day=today, kind=kind, at=now()))
        for address in addresses:
            queue_mail(session, address, "mail/reminder.txt", bureau=bureau, items=items, today=today)
        counts["bureaus"] += 1
        counts["tickets"] += len(items)
    return counts
