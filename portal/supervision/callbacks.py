"""The supervising office's own callback (回访) of replied and closed tickets: it calls the business
and records whether it reached it, whether the problem was resolved and how satisfied it is, so that
the bureaus' 解决率 and 满意率 rest on more than the ratings businesses chose to leave
(portal/supervision/scoreboard.py defines them).

- A callback not reached (未接通) is recorded and can be tried again; one reached is final.
- A reached callback of `unresolved` (未解决), or of 不满意 / 非常不满意, reopens the ticket once, as a bad
  rating does: only if it was never reopened before (a ticket already redone is flagged, not reopened).
- `/supervision/callbacks` offers the tickets replied in the last N working days (today included;
  CALLBACK_DAYS by default) that have no reached callback yet, with the phone number to call. Those
  already tried and not reached are always offered again; of the others, when there are more than
  SAMPLE_SIZE, the sample (`sample()`) is the SAMPLE_SIZE whose SHA-256 of “<today>:<number>” (e.g.
  “2026-11-25:20261125-0003”) is smallest in hexadecimal: the same all day, another the next day, and
  no bureau can tell in advance which of its tickets will be called.
"""
from __future__ import annotations

import datetime as dt
import enum
import hashlib
from dataclasses import dataclass, field

from sqlalchemy import Boolean, DateTime, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, selectinload
from sqlalchemy.orm.attributes import flag_modified

from portal.actors import Actor
from portal.catalog.models import Bureau
from portal.clock import chinese_moment, county_midnight, local, now
from portal.database import Base, value_enum
from portal.errors import Forbidden, Invalid, Refused
from portal.text import plain
from portal.tickets.models import Score, Ticket, TicketState
from portal.tickets.services import allowed, move, reopen
from portal.tickets.workdays import Calendar

CALLBACK_DAYS = 5  # working days of replies the list offers, today included
SAMPLE_SIZE = 10  # tickets not yet tried offered a day, at most


class Resolution(enum.Enum):
    RESOLVED = "resolved"
    PARTLY = "partly"
    UNRESOLVED = "unresolved"

    @property
    def label(self) -> str:
        return {"resolved": "已解决", "partly": "部分解决", "unresolved": "未解决"}[self.value]

    @property
    def halves(self) -> int:
        """What it counts towards 解决率, in halves: resolved 2, partly 1, unresolved 0."""
        return {"resolved": 2, "partly": 1, "unresolved": 0}[self.value]


class Callback(Base):
    """One call of the supervising office to a ticket's business, reached or not."""

    __tablename__ = "callbacks"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    bureau_id: Mapped[int | None] = mapped_column(ForeignKey("bureaus.id", ondelete="SET NULL"), index=True)  # answered
    reached: Mapped[bool] = mapped_column(Boolean)
    resolved: Mapped[Resolution | None] = mapped_column(value_enum(Resolution, "callback_resolution"))
    satisfaction: Mapped[Score | None] = mapped_column(value_enum(Score, "callback_satisfaction"))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    actor_name: Mapped[str] = mapped_column(String(80), default="")

    ticket: Mapped[Ticket] = relationship()
    bureau: Mapped[Bureau | None] = relationship()

    @property
    def summary(self) -> str:
        if not self.reached:
            return "未接通" + (f"：{self.note}" if self.note else "")
        return f"已接通，{self.resolved.label}，{self.satisfaction.label}" + (f"：{self.note}" if self.note else "")

    @property
    def bad(self) -> bool:
        return self.reached and (self.resolved is Resolution.UNRESOLVED or self.satisfaction.bad)


def callbacks_of(session: Session, ticket: Ticket) -> list[Callback]:
    return list(session.scalars(select(Callback).where(Callback.ticket_id == ticket.id).order_by(Callback.id)))


def record_callback(session: Session, ticket: Ticket, actor: Actor, reached: bool, resolved: Resolution | None,
                    satisfaction: Score | None, note: str) -> Callback:
    """Record the office's call to the business of a replied or closed ticket. Not reached: tried
    again later. Reached: final, with whether it was resolved and how satisfied the business is; an
    unresolved problem or a bad satisfaction reopens the ticket once (as a bad rating does)."""
    if not actor.is_supervisor:
        raise Forbidden("回访由县营商环境办进行。")
    allowed(ticket, "callback")
    done = next((c for c in callbacks_of(session, ticket) if c.reached), None)
    if done is not None:
        raise Refused(f"该工单已于 {chinese_moment(done.at)} 回访（{done.summary}，{done.actor_name}），回访结果不再更改。")
    note = plain(note, "回访记录", 2000, "note")
    if reached and (resolved is None or satisfaction is None):
        raise Invalid("已接通的回访须选择问题是否解决和企业的满意程度。",
                      "resolved" if resolved is None else "satisfaction")
    if not reached:
        resolved = satisfaction = None  # nothing was asked
    flag_modified(ticket, "flagged")  # two records of the same call at once: the second is refused
    record = Callback(ticket=ticket, bureau=ticket.bureau, reached=reached, resolved=resolved,
                      satisfaction=satisfaction, note=note, at=now(), actor_name=actor.name)
    session.add(record)
    move(ticket, "callback", actor, public_text="县营商环境办已回访。" if reached else "", note=record.summary,
         detail=record.summary)
    if record.bad:
        ticket.flagged = True
        if ticket.reopen_count == 0:
            why = "问题未解决" if resolved is Resolution.UNRESOLVED else f"对办理结果{satisfaction.label}"
            reopen(session, ticket, f"经县营商环境办回访，企业反映{why}", f"县营商环境办回访时，您反映{why}")
    return record


@dataclass
class Candidate:
    """A ticket to call back: its latest reply's day and the calls already tried without reaching anyone."""

    ticket: Ticket
    replied_on: dt.date
    attempts: list[Callback] = field(default_factory=list)


def window_start(calendar: Calendar, today: dt.date, days: int) -> dt.date:
    """The first day of the last `days` working days, today included (days off before it belong to it)."""
    day = today
    while calendar.between(day - dt.timedelta(days=1), today) < days:
        day -= dt.timedelta(days=1)
    return day


def candidates(session: Session, today: dt.date, days: int = CALLBACK_DAYS) -> list[Candidate]:
    """Replied or closed tickets whose latest reply falls in the last `days` working days and that have
    no reached callback yet, by number."""
    start = window_start(Calendar.load(session), today, days)
    reached = select(Callback.ticket_id).where(Callback.reached.is_(True))
    tickets = session.scalars(select(Ticket).options(selectinload(Ticket.bureau)).where(
        Ticket.state.in_((TicketState.REPLIED, TicketState.CLOSED)), Ticket.replied_at >= county_midnight(start),
        Ticket.replied_at < county_midnight(today + dt.timedelta(days=1)), Ticket.id.notin_(reached))
        .order_by(Ticket.number))
    found = [Candidate(t, local(t.replied_at).date()) for t in tickets]
    tried: dict[int, list[Callback]] = {}
    for call in session.scalars(select(Callback).where(Callback.ticket_id.in_([c.ticket.id for c in found]))
                                .order_by(Callback.id)):
        tried.setdefault(call.ticket_id, []).append(call)
    for candidate in found:
        candidate.attempts = tried.get(candidate.ticket.id, [])
    return found


def sample(found: list[Candidate], today: dt.date, size: int = SAMPLE_SIZE) -> list[Candidate]:
    """The day's calls: every candidate already tried, and of the others, when more than `size`, the
    `size` whose SHA-256 of “<today>:<number>” is smallest; by number."""
    tried = [c for c in found if c.attempts]
    fresh = [c for c in found if not c.attempts]
    if len(fresh) > size:
        fresh = sorted(fresh, key=lambda c: hashlib.sha256(f"{today.isoformat()}:{c.ticket.number}".encode()).hexdigest())[:size]
    return sorted(tried + fresh, key=lambda c: c.ticket.number)
