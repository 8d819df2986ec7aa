"""Policy subscriptions without an account (精准推送、不来即享, measure 13): who wants what, what
changed, and which change was mailed to whom."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import now
from portal.database import Base


class Subscriber(Base):
    """An e-mail address and what it wants to hear about; live once confirmed (double opt-in)."""

    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), index=True)
    topics: Mapped[list] = mapped_column(JSON, default=list)  # topic codes
    bureaus: Mapped[list] = mapped_column(JSON, default=list)  # bureau codes
    beneficiaries: Mapped[list] = mapped_column(JSON, default=list)  # 小微企业, 个体工商户 …
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    unsubscribed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Notice(Base):
    """A change subscribers may care about: a policy published or in force, a guide's time limits,
    fees or materials changed. Written in the same transaction as the change."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # policy or guide
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(300))
    what: Mapped[str] = mapped_column(String(200))  # 新发布, 开始施行, 办理时限调整 …
    bureau: Mapped[str] = mapped_column(String(32))  # bureau code
    topics: Mapped[list] = mapped_column(JSON, default=list)
    beneficiaries: Mapped[list] = mapped_column(JSON, default=list)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)


class Delivery(Base):
    """One notice mailed to one subscriber: recorded with the mail in one transaction, so a rerun or
    a crash never sends the same notice twice."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("subscriber_id", "notice_id", name="uq_deliveries_subscriber_id_notice_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"), index=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), index=True)
    mail_id: Mapped[int | None] = mapped_column(Integer)  # the outbox message carrying it
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)

    subscriber: Mapped[Subscriber] = relationship()
    notice: Mapped[Notice] = relationship()
