"""API keys of the partners that file through Open311, and which key filed which ticket."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import now
from portal.database import Base, value_enum
from portal.tickets.models import Channel, Ticket


class ApiKey(Base):
    """A partner's key: stored only as its SHA-256 (the key is 256 random bits, so a slow hash buys
    nothing), shown once when made, revoked by name; its tickets carry its channel."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    channel: Mapped[Channel] = mapped_column(value_enum(Channel, "api_key_channel"))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # the key's first characters, to tell keys apart in a list
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class KeyedTicket(Base):
    """A ticket filed with a key: that key reads it back (reply included) whether or not it is published."""

    __tablename__ = "open311_tickets"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="RESTRICT"), index=True)

    ticket: Mapped[Ticket] = relationship()
    api_key: Mapped[ApiKey] = relationship()
