"""The index log: one row per change to searchable content, written in the same transaction and
numbered in commit order; and how far each host's index has read it."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import now
from portal.database import Base


class IndexTask(Base):
    """A document whose index entry must be brought up to date (or `synonyms` for the synonym table).

    `seq` is given as the transaction commits, under a lock that makes numbers follow commit order
    (portal/search/outbox.py), so a host that has applied everything up to n has missed nothing below
    n. Rows stay until every live host has applied them (several hosts, each with its own index, read
    the one log); applying a row twice does no harm.
    """

    __tablename__ = "index_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    doc_kind: Mapped[str] = mapped_column(String(16))  # guide, policy, answer or synonyms
    doc_key: Mapped[str] = mapped_column(String(80))  # slug ("" for synonyms)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)


PRUNED = "~pruned"  # the cursor row holding the highest log position already deleted


class IndexCursor(Base):
    """How far one host's index has applied the log; `seen_at` says the host is alive. The row named
    PRUNED holds the highest position already deleted from the log."""

    __tablename__ = "index_cursors"

    host: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)


class SearchGap(Base):
    """A query that found nothing: its words, how many searches, the first and last time. No address
    and nothing that looks like personal data is kept (portal.search.gaps.recordable)."""

    __tablename__ = "search_gaps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(String(50), unique=True)
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    last_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)


class SearchCount(Base):
    """How many people searched a query that found something, per county day: the 热搜 of the home page."""

    __tablename__ = "search_counts"
    __table_args__ = (UniqueConstraint("text", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(String(50))
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    count: Mapped[int] = mapped_column(Integer, default=1)
