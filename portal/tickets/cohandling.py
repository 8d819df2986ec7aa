"""Co-handling (主办/协办): the bureau holding a ticket (主办), or the supervising office, asks one or
more other bureaus for their part, as the 12345 rules ask the centre to "组织协商确定主办和协办单位".

- Each co-bureau gets a task with its own deadline: `cohandle` working days (default 3) from the day
  it was asked, set with `flask --app portal tickets rule --clock cohandle` (a rule for the ticket's
  topic wins over one for the co-bureau, which wins over one for the ticket type).
- The co-bureau sees the ticket under 协办 in its workspace: the description and the attachments,
  never the business's personal data (portal/tickets/viewers.py decides). It answers with an opinion
  (协办意见) or declines with a reason (拒绝协办); the holder and the supervisor see either.
- The holder's reply is refused (409, naming the bureaus still due) while a task is open and its
  deadline has not passed; once every task is answered, declined or late, the holder replies, with the
  opinions beside the reply form.
- A task answered (or declined) after the end of its deadline's day, or still open after it, is late:
  the scoreboard counts it against the co-bureau and the ledger lists it.
- The business's timeline says “县住建局 协办” and later “县住建局 已提出协办意见。”, never a name.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.attributes import flag_modified

from portal.accounts.services import bureau_addresses
from portal.actors import Actor
from portal.catalog.models import Bureau
from portal.clock import chinese_date, local, now
from portal.database import Base
from portal.errors import Forbidden, Invalid, Refused
from portal.mail import queue_mail
from portal.text import plain
from portal.tickets.models import OPEN_STATES, Ticket, TicketState
from portal.tickets.services import allowed, deadline_days, local_day, move
from portal.tickets.workdays import Calendar


class CohandlingTask(Base):
    """One co-bureau's part in a ticket (协办): the question it was asked, its deadline, its answer."""

    __tablename__ = "cohandling_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id", ondelete="RESTRICT"), index=True)
    question: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    asked_by: Mapped[str] = mapped_column(String(80), default="")  # the holder bureau, or 县营商环境办
    due: Mapped[dt.date] = mapped_column(Date)
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))  # the opinion, or the decline
    answer: Mapped[str] = mapped_column(Text, default="")
    declined: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_by: Mapped[str] = mapped_column(String(80), default="")  # staff name: the holder and the office see it
    reminded_on: Mapped[dt.date | None] = mapped_column(Date)  # `tickets remind` mails each task once a day

    ticket: Mapped[Ticket] = relationship(back_populates="cohandling_tasks")
    bureau: Mapped[Bureau] = relationship()

    def asks(self, bureau_id: int | None) -> bool:
        """Whether this task is `bureau_id`'s (read through the relationship: right before a flush too)."""
        return bureau_id is not None and (self.bureau.id if self.bureau is not None else self.bureau_id) == bureau_id

    @property
    def open(self) -> bool:
        return self.answered_at is None

    def late(self, today: dt.date) -> bool | None:
        """Answered after its deadline's day, or still open after it; None while open and not yet due."""
        if self.answered_at is not None:
            return local(self.answered_at).date() > self.due
        return True if today > self.due else None

    @property
    def outcome(self) -> str:
        if self.answered_at is None:
            return "待答复"
        return "已拒绝协办" if self.declined else "已答复"


Ticket.cohandling_tasks = relationship(CohandlingTask, back_populates="ticket", order_by=CohandlingTask.id,
                                       cascade="all, delete-orphan")

ASKING_STATES = OPEN_STATES  # a bureau holds the ticket and its clock runs


def open_task(ticket: Ticket, bureau: Bureau | None) -> CohandlingTask | None:
    """`bureau`'s task on the ticket still waiting for its answer."""
    if bureau is None:
        return None
    return next((t for t in ticket.cohandling_tasks if t.asks(bureau.id) and t.open), None)


def waiting_for(ticket: Ticket, today: dt.date) -> list[CohandlingTask]:
    """The tasks the holder's reply waits for: open and not past their deadline."""
    return [t for t in ticket.cohandling_tasks if t.open and today <= t.due]


def hold_reply(ticket: Ticket, today: dt.date) -> None:
    """Refuse the holder's reply while a co-bureau's task is open and not past its deadline, naming them."""
    if due := waiting_for(ticket, today):
        names = "、".join(f"{t.bureau.name}（协办期限 {chinese_date(t.due)}）" for t in due)
        raise Refused(f"尚待协办单位答复：{names}。请在其答复或协办期限届满后再答复企业。")


def ask(session: Session, ticket: Ticket, actor: Actor, bureaus: list[Bureau], question: str) -> list[CohandlingTask]:
    """Ask each of `bureaus` for its part (the holder bureau or the supervising office, while a bureau
    holds the ticket): never the holder itself, nor a bureau already asked and not yet answered. Each
    task's deadline counts from today in its bureau's `cohandle` working days; its accounts are mailed."""
    allowed(ticket, "cohandle")
    if not (actor.is_supervisor or actor.acts_for(ticket.bureau)):
        raise Forbidden("只有承办单位和县营商环境办可以商请协办。")
    question = plain(question, "协办事项", 2000, "question")
    chosen = list(dict.fromkeys(bureaus))  # the same bureau ticked twice is asked once
    if not chosen:
        raise Invalid("请选择至少一个协办单位。", "bureau")
    if ticket.bureau in chosen:
        raise Invalid(f"{ticket.bureau.name}是承办单位，不能同时作为协办单位。", "bureau")
    if asked := [b.name for b in chosen if open_task(ticket, b) is not None]:
        raise Invalid(f"已商请{'、'.join(asked)}协办，尚未答复，不必重复商请。", "bureau")
    if not question:
        raise Invalid("请写明需要协办单位办理或答复的事项。", "question")
    # The ticket's row is updated (its version checked) so that the same bureau asked twice at the same
    # moment, each request before the other was stored, ends with the second refused.
    flag_modified(ticket, "flagged")
    calendar = Calendar.load(session)
    start = local_day(now())
    asked_by = actor.bureau.name if actor.bureau is not None else "县营商环境办"
    tasks = []
    for bureau in chosen:
        due = calendar.add(start, deadline_days(session, ticket, "cohandle", bureau))
        task = CohandlingTask(bureau=bureau, question=question, asked_at=now(), asked_by=asked_by, due=due)
        ticket.cohandling_tasks.append(task)
        move(ticket, "cohandle", actor, public_text=f"{bureau.name} 协办",
             note=f"商请{bureau.name}协办，协办期限 {chinese_date(due)}：{question}", detail=f"{bureau.code}：{question}")
        for address in bureau_addresses(session, bureau):
            queue_mail(session, address, "mail/cohandle_asked.txt", ticket=ticket, task=task)
        tasks.append(task)
    return tasks


def _own_task(ticket: Ticket, actor: Actor) -> CohandlingTask:
    """The actor's bureau's open task on the ticket; refused when it has answered already."""
    if not actor.is_bureau_staff or not any(t.asks(actor.bureau_id) for t in ticket.cohandling_tasks):
        raise Forbidden("只有被商请协办的单位可以答复协办事项。")
    task = open_task(ticket, actor.bureau)
    if task is None:
        raise Refused("本单位的协办事项已经答复，不能再次答复。")
    return task


def _answer(session: Session, ticket: Ticket, actor: Actor, task: CohandlingTask, action: str, text: str,
            declined: bool) -> None:
    flag_modified(ticket, "flagged")  # a double submission at the same moment: the second is refused
    task.answered_at, task.answer, task.declined, task.answered_by = now(), text, declined, actor.name
    public = "" if declined else f"{actor.bureau.name} 已提出协办意见。"
    event = move(ticket, action, actor, public_text=public, note=("拒绝协办：" if declined else "") + text,
                 detail=text)
    event.due = task.due  # the deadline that was running for this step: the task's own
    if ticket.bureau is not None:
        for address in bureau_addresses(session, ticket.bureau):
            queue_mail(session, address, "mail/cohandle_answered.txt", ticket=ticket, task=task)


def give_opinion(session: Session, ticket: Ticket, actor: Actor, body: str) -> CohandlingTask:
    """The co-bureau's opinion on its task, for the holder to answer the business with (late when
    given after the task's deadline); the holder's accounts are mailed."""
    task = _own_task(ticket, actor)
    allowed(ticket, "opinion")
    body = plain(body, "协办意见", 5000, "body")
    if len(body) < 10:
        raise Invalid("协办意见至少 10 个字。", "body")
    _answer(session, ticket, actor, task, "opinion", body, declined=False)
    return task


def decline(session: Session, ticket: Ticket, actor: Actor, reason: str) -> CohandlingTask:
    """The co-bureau says the matter is not its part, with a reason the holder and the office see
    (the business does not); it ends the task as an answer does."""
    task = _own_task(ticket, actor)
    allowed(ticket, "decline")
    reason = plain(reason, "拒绝理由", 2000, "reason")
    if not reason:
        raise Invalid("拒绝协办须写明理由（如所依据的职责）。", "reason")
    _answer(session, ticket, actor, task, "decline", reason, declined=True)
    return task


def tasks_of(bureau: Bureau | None):
    """The co-handling tasks a bureau was asked (every bureau's for the supervising office, `None`),
    open ones first, by deadline."""
    stmt = select(CohandlingTask)
    if bureau is not None:
        stmt = stmt.where(CohandlingTask.bureau_id == bureau.id)
    return stmt.order_by(CohandlingTask.answered_at.is_not(None), CohandlingTask.due, CohandlingTask.id)


def open_count(session: Session, bureau: Bureau | None) -> int:
    stmt = select(func.count(CohandlingTask.id)).where(CohandlingTask.answered_at.is_(None))
    if bureau is not None:
        stmt = stmt.where(CohandlingTask.bureau_id == bureau.id)
    return session.scalar(stmt) or 0


def to_remind(session: Session, today: dt.date, tomorrow: dt.date) -> list[tuple[str, CohandlingTask]]:
    """Open tasks due by the next working day (`cohandle_due`) or overdue (`cohandle_overdue`), each
    once a day, on a ticket still being handled or replied to."""
    found = []
    for task in session.scalars(select(CohandlingTask).join(Ticket).where(
            CohandlingTask.answered_at.is_(None), Ticket.state.notin_((TicketState.REJECTED,)))
            .order_by(CohandlingTask.id)):
        if task.reminded_on == today:
            continue
        if task.due < today:
            found.append(("cohandle_overdue", task))
        elif task.due <= tomorrow:
            found.append(("cohandle_due", task))
    return found


def cohandlers_json(ticket: Ticket) -> list[dict]:
    """The staff JSON's `cohandlers`: each task's bureau code, deadline and when it was answered
    (an opinion or a decline), or null."""
    return [{"bureau": t.bureau.code, "due": t.due.isoformat(),
             "answered_at": local(t.answered_at).isoformat(timespec="minutes") if t.answered_at else None}
            for t in ticket.cohandling_tasks]
