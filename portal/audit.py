"""The audit log: one line per staff action, written by the service that acts, from its actor.

A line says who (the account and the client address, or "cli"), what, on what, and when. Services
write it in the transaction of the action, so the CLI twins record the same line as the pages.
Each part of the portal names its actions in Chinese with `name_actions`; the audit page shows them.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.actors import Actor
from portal.clock import now
from portal.database import Base
from portal.text import CONTROL

ACTION_NAMES: dict[str, str] = {}


class AuditEntry(Base):
    """One staff action: who, what, on what, when and from which address; appended, never changed."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    username: Mapped[str] = mapped_column(String(40), default="")  # kept as typed, also for failed logins
    action: Mapped[str] = mapped_column(String(40), index=True)
    target: Mapped[str] = mapped_column(String(120), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(64), default="")


class AppendOnly(Exception):
    """An attempt to change or delete history."""


_APPEND_ONLY: dict[type, str] = {}


def append_only(model: type, message: str) -> None:
    """Rows of `model` are history: a flush that would change or delete one raises AppendOnly(message)."""
    _APPEND_ONLY[model] = message


@event.listens_for(Session, "before_flush")
def _history_is_append_only(session: Session, _context, _instances) -> None:
    for obj in (*session.dirty, *session.deleted):
        message = _APPEND_ONLY.get(type(obj))
        if message is not None and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnly(message)


append_only(AuditEntry, "审计日志只能追加，不能修改或删除。")


def name_actions(names: dict[str, str]) -> None:
    """Give logged actions their Chinese names for the audit page."""
    ACTION_NAMES.update(names)


def audit(session: Session, actor: Actor, action: str, target: str = "", detail: str = "",
          username: str = "") -> AuditEntry:
    """Append one line for `actor`'s `action` on `target` (`username`: what a failed login typed)."""

    def clean(value: str, limit: int) -> str:  # a failed login's username is whatever was typed
        return CONTROL.sub("", value or "")[:limit]

    entry = AuditEntry(user_id=actor.user_id, username=clean(actor.username or username, 40), action=action,
                       target=clean(target, 120), detail=clean(detail, 2000), address=actor.address[:64], at=now())
    session.add(entry)
    return entry
