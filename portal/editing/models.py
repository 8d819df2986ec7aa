"""Revisions of guides and policies kept by the bureaus' staff."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.catalog.models import Bureau
from portal.database import Base


class Revision(Base):
    """One saved version of a guide or a policy, as a content-file record: a draft, or what was
    published, by whom and when. Appended; publishing marks a draft published, never rewrites it."""

    __tablename__ = "content_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # guide or policy
    slug: Mapped[str] = mapped_column(String(80), index=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id", ondelete="RESTRICT"), index=True)
    record: Mapped[dict] = mapped_column(JSON)  # the content-file line, without "kind"
    note: Mapped[str] = mapped_column(String(200), default="")  # what changed, in the author's words
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[str] = mapped_column(String(50), default="")
    # A measure put into another bureau's document: that bureau agreed (who, when) before it is published
    part_approved_by: Mapped[str] = mapped_column(String(50), default="", server_default="")
    part_approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # The correction (纠错 ticket) this revision puts right: its reporter is told once it is published
    correction_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))

    bureau: Mapped[Bureau] = relationship()

    @property
    def title(self) -> str:
        return self.record.get("title", self.slug)
