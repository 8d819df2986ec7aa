"""Public comment on draft policies (征求意见, measure 14): comments, their moderation and the
bureau's decision on each, and the adoption report (意见采纳情况说明) published afterwards."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.catalog.models import Policy
from portal.clock import now
from portal.database import Base, value_enum


class Visibility(enum.Enum):
    PENDING = "pending"  # not yet looked at: not public
    PUBLISHED = "published"
    HIDDEN = "hidden"  # with the reason kept

    @property
    def label(self) -> str:
        return {"pending": "待审核", "published": "已公开", "hidden": "不公开"}[self.value]


class Decision(enum.Enum):
    ADOPTED = "adopted"
    PARTLY = "partly"
    NOT_ADOPTED = "not_adopted"

    @property
    def label(self) -> str:
        return {"adopted": "采纳", "partly": "部分采纳", "not_adopted": "不采纳"}[self.value]


class Comment(Base):
    """A business's comment on a draft: on the whole text or one article."""

    __tablename__ = "consultation_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id", ondelete="CASCADE"), index=True)
    company: Mapped[str] = mapped_column(String(100), default="")
    contact_name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    article: Mapped[str] = mapped_column(String(100), default="全文")
    body: Mapped[str] = mapped_column(Text)
    consented_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    visibility: Mapped[Visibility] = mapped_column(value_enum(Visibility, "comment_visibility"),
                                                   default=Visibility.PENDING)
    moderation_reason: Mapped[str] = mapped_column(Text, default="")
    moderated_by: Mapped[str] = mapped_column(String(50), default="")
    moderated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decision: Mapped[Decision | None] = mapped_column(value_enum(Decision, "comment_decision"))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(50), default="")
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    policy: Mapped[Policy] = relationship()


class AdoptionReport(Base):
    """The bureau's account of which comments were adopted and why (意见采纳情况说明), kept on the
    policy's page also after it comes into force."""

    __tablename__ = "adoption_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id", ondelete="CASCADE"), unique=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[str] = mapped_column(String(50))

    policy: Mapped[Policy] = relationship()
