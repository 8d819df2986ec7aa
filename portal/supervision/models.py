"""Urging (催办 before a deadline, 督办 after it) and the reminders the daily job has sent."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from portal.catalog.models import Bureau
from portal.clock import now
from portal.database import Base, value_enum
from portal.tickets.models import Ticket


class UrgeKind(enum.Enum):
    PRESS = "press"  # 催办: before the deadline
    SUPERVISE = "supervise"  # 督办: after it

    @property
    def label(self) -> str:
        return {"press": "催办", "supervise": "督办"}[self.value]


class Urge(Base):
    """The supervising office urged the holder bureau about a ticket; counted per ticket and bureau."""

    __tablename__ = "urges"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[UrgeKind] = mapped_column(value_enum(UrgeKind, "urge_kind"))
    note: Mapped[str] = mapped_column(Text)
    due: Mapped[dt.date | None] = mapped_column(Date)  # the deadline running when urged
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    actor_name: Mapped[str] = mapped_column(String(50))

    ticket: Mapped[Ticket] = relationship()
    bureau: Mapped[Bureau] = relationship()


# How often the office urged a ticket, read from the urges themselves rather than kept beside them.
Ticket.urge_count = column_property(
    select(func.count(Urge.id)).where(Urge.ticket_id == Ticket.id).correlate_except(Urge).scalar_subquery())


class Reminder(Base):
    """One reminder mail about one ticket on one day: `tickets remind` sends each at most once."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("ticket_id", "day", "kind", name="uq_reminders_ticket_id_day_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(12))  # due_tomorrow or overdue
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)


class RiskWord(Base):
    """A word the supervising office watches for (群体, 上访, 欠薪 …): a ticket whose subject or
    description holds one is flagged when it is filed. Kept by the office, every change audited."""

    __tablename__ = "risk_words"

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(20), unique=True)
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    added_by: Mapped[str] = mapped_column(String(50), default="")


class TicketRisk(Base):
    """The risk words a ticket held when it was filed, written in the filing's own transaction."""

    __tablename__ = "ticket_risks"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    words: Mapped[str] = mapped_column(String(200))  # the words found, joined by "、"
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)

    ticket: Mapped[Ticket] = relationship()


class TicketWords(Base):
    """The words of a ticket's subject and description (the search analyzer's, function words, single
    characters and numbers out; each once, joined by spaces), written as it is filed: the trends count
    a week's words from these rows instead of segmenting every ticket's text again."""

    __tablename__ = "ticket_words"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    words: Mapped[str] = mapped_column(Text)

    ticket: Mapped[Ticket] = relationship()


class TrendDigest(Base):
    """The weekly trends digest sent for one ISO week (its Monday): `tickets digest` sends each once."""

    __tablename__ = "trend_digests"

    week: Mapped[dt.date] = mapped_column(Date, primary_key=True, autoincrement=False)
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    recipients: Mapped[int] = mapped_column(default=0)
    flagged: Mapped[int] = mapped_column(default=0)


class HoldingFigure(Base):
    """One holding of a ticket by a bureau (portal/supervision/holdings.py) with its verdicts as far as
    the events have settled them, rewritten in the transaction of every step of the ticket
    (portal/supervision/figures.py). What still depends on the day is kept as the deadline it depends
    on: `sign_open_due` / `reply_open_due` hold the running deadline of a step still to take, and the
    holding is late once today is past it (compared in SQL), so nothing needs rewriting as days pass."""

    __tablename__ = "holding_figures"
    __table_args__ = (UniqueConstraint("ticket_id", "seq", name="uq_holding_figures_ticket_id_seq"),
                      Index("ix_holding_figures_day_bureau_id", "day", "bureau_id"),
                      Index("ix_holding_figures_filed_at", "filed_at", "ticket_id", "seq"))

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)  # 0, 1, … in the ticket's order of holdings
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id", ondelete="RESTRICT"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)  # county day of the assignment: the period it counts in
    channel: Mapped[str] = mapped_column(String(10))  # the ticket's channel's value
    filed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))  # the ticket's: the ledger's order
    current: Mapped[bool] = mapped_column(Boolean)  # the ticket's last holding, not ended by a return
    ticket_open: Mapped[bool] = mapped_column(Boolean)  # the ticket is in OPEN_STATES
    running_due: Mapped[dt.date | None] = mapped_column(Date)  # the ticket's running deadline, current and open only
    signed_on_time: Mapped[bool | None] = mapped_column(Boolean)
    sign_open_due: Mapped[dt.date | None] = mapped_column(Date)
    answered_on_time: Mapped[bool | None] = mapped_column(Boolean)
    reply_open_due: Mapped[dt.date | None] = mapped_column(Date)
    answer_days: Mapped[int | None] = mapped_column(Integer)
    bad_rating: Mapped[bool] = mapped_column(Boolean)
    reopened: Mapped[bool] = mapped_column(Boolean)

    ticket: Mapped[Ticket] = relationship()
    bureau: Mapped[Bureau] = relationship()


class FigureFact(Base):
    """One counted step on its county day for the bureau it counts for: a rating (kind `satisfied` or
    `bad`), a reopening, a return, an urge. Written with the step; never changed."""

    __tablename__ = "figure_facts"
    __table_args__ = (Index("ix_figure_facts_day_bureau_id", "day", "bureau_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id", ondelete="RESTRICT"))
    day: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))

    ticket: Mapped[Ticket] = relationship()
