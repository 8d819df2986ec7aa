"""The supervising office's rules: route from the dispatch queue, urge a bureau, remind bureaus of
deadlines. Transfers and extensions are decided by `decide_transfer` / `decide_extension` in the
ticket services. Callers commit."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from portal.accounts.services import bureau_addresses
from portal.actors import Actor
from portal.catalog.models import Bureau
from portal.catalog.models import Topic
from portal.clock import chinese_moment, local, now
from portal.errors import Invalid, Refused
from portal.mail import queue_mail
from portal.supervision.models import Reminder, Urge, UrgeKind
from portal.text import plain
from portal.tickets import cohandling
from portal.tickets.models import OPEN_STATES, Ticket
from portal.tickets.services import allowed, assign, correct_topic, move
from portal.tickets.workdays import Calendar


def route(session: Session, ticket: Ticket, bureau: Bureau | None, actor: Actor, note: str,
          topic: Topic | None = None, confirmed: bool = False) -> None:
    """Send a ticket from the dispatch queue to a bureau, correcting its topic first if asked (the new
    topic's deadline rules then apply). Back to the bureau that returned it only once confirmed."""
    allowed(ticket, "route")
    if bureau is None:
        raise Invalid("请选择承办单位。", "bureau")
    note = plain(note, "分办意见", 2000, "reason")
    back = ticket.return_event
    if back is not None and back.bureau_id == bureau.id and not confirmed:
        raise Invalid(f"{bureau.name}已于 {chinese_moment(back.at)} 退回该工单（{back.internal_note}）。"
                      f"确需再次分送该单位，请勾选“确认再次分送给退回单位”后分送。", "confirm")
    if topic is not None:
        correct_topic(session, ticket, actor, topic)
    assign(session, ticket, bureau, actor, "route", note=note)


def urge_kind(ticket: Ticket, today: dt.date) -> UrgeKind:
    """催办 while the running deadline has not passed, 督办 once it has."""
    due = ticket.running_due
    return UrgeKind.SUPERVISE if due is not None and today > due else UrgeKind.PRESS


def repeated(urges: list[Urge], kind: UrgeKind, today: dt.date, calendar: Calendar) -> Urge | None:
    """The urge of this kind (of `urges`, one ticket's of one bureau) made since the present working
    day began: no working day has started between its day and today."""
    last = next((u for u in reversed(urges) if u.kind is kind), None)
    if last is not None and calendar.between(local(last.at).date(), today) <= 0:
        return last
    return None


def urged_already(session: Session, ticket: Ticket, today: dt.date) -> Urge | None:
    """The same urge (its kind, the same holder bureau) already made within this working day."""
    if ticket.bureau_id is None:
        return None
    urges = list(session.scalars(select(Urge).where(Urge.ticket_id == ticket.id, Urge.bureau_id == ticket.bureau_id)
                                 .order_by(Urge.id)))
    return repeated(urges, urge_kind(ticket, today), today, Calendar.load(session))


def urge(session: Session, ticket: Ticket, actor: Actor, note: str, today: dt.date) -> tuple[Urge, int]:
    """Urge the holder bureau: 催办 while its deadline runs, 督办 once it has passed. The urge is
    recorded (and so counted), the bureau's accounts mailed and the business told that it was urged.
    The same urge again within a working day is refused: it would count twice and mail twice.
    Returns the urge and how many addresses were mailed."""
    due = ticket.running_due
    kind = urge_kind(ticket, today)
    allowed(ticket, kind.value)
    if (last := urged_already(session, ticket, today)) is not None:
        raise Refused(f"已于 {chinese_moment(last.at)} 对该工单{kind.label}（{last.actor_name}），同一工作日内不重复"
                      f"{kind.label}，也不再发邮件；下一个工作日可再次{kind.label}，有新情况请写内部备注。")
    note = plain(note, f"{kind.label}要求", 2000, "body")
    if not note:
        raise Invalid(f"{kind.label}须写明要求。", "body")
    bureau = ticket.bureau
    # The ticket's row is updated (its version checked) so that two urges made at the same moment,
    # each before the other was stored, end with the second refused instead of counted.
    flag_modified(ticket, "flagged")
    move(ticket, kind.value, actor, note=note, public_text=f"县营商环境办已对承办单位{kind.label}，要求抓紧办理。")
    record = Urge(ticket=ticket, bureau=bureau, kind=kind, note=note, due=due, actor_name=actor.name, at=now())
    session.add(record)
    addresses = bureau_addresses(session, bureau)
    for address in addresses:
        queue_mail(session, address, "mail/urge.txt", ticket=ticket, bureau=bureau, kind=kind, note=note, due=due)
    return record, len(addresses)


def remind(session: Session, today: dt.date) -> dict:
    """Mail each bureau once a day about its tickets due on the next working day and those overdue, and
    its co-handling tasks due by then or overdue (kinds `cohandle_due`, `cohandle_overdue`). Each
    (ticket, day, kind) and each task is sent at most once a day, so a second run the same day sends
    nothing; a bureau without any address is reported and not recorded, so it is reminded once one is set."""
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
    tasks: dict[Bureau, list] = {}
    for kind, task in cohandling.to_remind(session, today, tomorrow):
        by_bureau.setdefault(task.bureau, []).append((kind, task.ticket, task.due))
        tasks.setdefault(task.bureau, []).append(task)
    counts = {"bureaus": 0, "tickets": 0, "without_address": []}
    for bureau, items in sorted(by_bureau.items(), key=lambda pair: pair[0].id):
        addresses = bureau_addresses(session, bureau)
        if not addresses:
            counts["without_address"].append(bureau.name)
            continue
        for kind, ticket, _due in items:
            if not kind.startswith("cohandle"):
                session.add(Reminder(ticket_id=ticket.id, day=today, kind=kind, at=now()))
        for task in tasks.get(bureau, []):
            task.reminded_on = today
        for address in addresses:
            queue_mail(session, address, "mail/reminder.txt", bureau=bureau, items=items, today=today)
        counts["bureaus"] += 1
        counts["tickets"] += len(items)
    return counts
