"""The index outbox: one row per change to searchable content, written in the same transaction."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import now
from portal.database import Base


class IndexTask(Base):
    """A document whose index entry must be brought up to date (or `synonyms` for the synonym table).

    Rows are applied in id order by the single index writer and deleted after its index commit;
    applying a row twice does no harm, so a crash between the two loses nothing.
    """

    __tablename__ = "index_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    doc_kind: Mapped[str] = mapped_column(String(16))  # guide, policy or synonyms
    doc_key: Mapped[str] = mapped_column(String(80))  # slug ("" for synonyms)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
