"""Where an answer came from: the replied ticket it was written from, never shown to the public."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import now
from portal.database import Base
from portal.tickets.models import Ticket


class AnswerSource(Base):
    """The ticket an answer (by slug: it may exist only as a draft) was written from; every save of the
    answer is checked against that ticket's personal data."""

    __tablename__ = "answer_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)

    ticket: Mapped[Ticket] = relationship()
