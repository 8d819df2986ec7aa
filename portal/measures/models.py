"""A measure's progress record, its milestones (appended, never changed) and the tickets staff linked
to it. A measure itself is the plan's part (a `Policy` with `measure_no`, in the content files)."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.audit import append_only
from portal.catalog.models import Bureau, Policy
from portal.clock import now
from portal.database import Base, value_enum
from portal.tickets.models import Ticket


class MeasureStatus(enum.Enum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    BEHIND = "behind"

    @property
    def label(self) -> str:
        return {"not_started": "未启动", "in_progress": "推进中", "done": "已完成", "behind": "滞后"}[self.value]


class MeasureProgress(Base):
    """Where a measure stands, as its lead bureau last reported it."""

    __tablename__ = "measure_progress"

    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id", ondelete="CASCADE"), primary_key=True,
                                           autoincrement=False)
    status: Mapped[MeasureStatus] = mapped_column(value_enum(MeasureStatus, "measure_status"),
                                                  default=MeasureStatus.NOT_STARTED)
    percent: Mapped[int] = mapped_column(Integer, default=0)
    reported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    reported_by: Mapped[str] = mapped_column(String(50), default="")
    bureau_id: Mapped[int | None] = mapped_column(ForeignKey("bureaus.id", ondelete="SET NULL"))  # who reported

    policy: Mapped[Policy] = relationship()
    bureau: Mapped[Bureau | None] = relationship()


class Milestone(Base):
    """A dated note of what was done for a measure (进展); appended, never edited or deleted."""

    __tablename__ = "measure_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id", ondelete="CASCADE"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text)
    status: Mapped[MeasureStatus] = mapped_column(value_enum(MeasureStatus, "milestone_status"))
    percent: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    actor_name: Mapped[str] = mapped_column(String(50))
    bureau_id: Mapped[int | None] = mapped_column(ForeignKey("bureaus.id", ondelete="SET NULL"))

    bureau: Mapped[Bureau | None] = relationship()


class MeasureTicket(Base):
    """A ticket staff linked to a measure by hand (tickets of its topics are related without a link)."""

    __tablename__ = "measure_tickets"

    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id", ondelete="CASCADE"), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    linked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    linked_by: Mapped[str] = mapped_column(String(50))

    ticket: Mapped[Ticket] = relationship()


append_only(Milestone, "进展记录只能追加，不能修改或删除。")
