"""Appeals of bad ratings (差评申诉, the 申诉复核 of the 好差评 rules, 国办发〔2019〕51号).

- The rated bureau (the one that held the ticket when it was rated) may appeal a bad rating (不满意,
  非常不满意) once, within APPEAL_DAYS working days of the rating's day, with a reason:
  `POST /staff/tickets/<number>/appeal`.
- The supervising office upholds or dismisses it with a reason: `POST /supervision/tickets/<number>/appeal`.
- An upheld appeal takes the rating out of the bureau's figures (the scoreboard, its exports and
  `/performance` count it under 申诉核减 instead); the rating stays on the ticket and the office still
  sees it. A dismissed appeal changes nothing.
- The business sees neither: both steps are internal events, never in its timeline, mail or API.
"""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import DateTime, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.attributes import flag_modified

from portal.actors import Actor
from portal.catalog.models import Bureau
from portal.clock import chinese_date, now
from portal.database import Base, value_enum
from portal.errors import Forbidden, Invalid, Refused
from portal.text import plain
from portal.tickets.models import Rating, Ticket
from portal.tickets.services import allowed, local_day, move
from portal.tickets.workdays import Calendar

APPEAL_DAYS = 5  # working days after the rating's day


class Decision(enum.Enum):
    PENDING = "pending"
    UPHELD = "upheld"  # the rating leaves the bureau's figures
    DISMISSED = "dismissed"

    @property
    def label(self) -> str:
        return {"pending": "待复核", "upheld": "申诉成立", "dismissed": "申诉不成立"}[self.value]


class RatingAppeal(Base):
    """A bureau's appeal of one bad rating, and the supervising office's decision on it."""

    __tablename__ = "rating_appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ticket_ratings.id", ondelete="CASCADE"), unique=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id", ondelete="RESTRICT"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    actor_name: Mapped[str] = mapped_column(String(80), default="")
    decision: Mapped[Decision] = mapped_column(value_enum(Decision, "appeal_decision"), default=Decision.PENDING)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str] = mapped_column(String(80), default="")

    rating: Mapped[Rating] = relationship()
    ticket: Mapped[Ticket] = relationship()
    bureau: Mapped[Bureau] = relationship()


def appeals_of(session: Session, ticket: Ticket) -> list[RatingAppeal]:
    return list(session.scalars(select(RatingAppeal).where(RatingAppeal.ticket_id == ticket.id).order_by(RatingAppeal.id)))


def appealable(session: Session, ticket: Ticket, bureau: Bureau | None, today: dt.date) -> tuple[Rating | None, str]:
    """The bad rating `bureau` may appeal today (its latest not yet appealed), or None and why not."""
    bad = [r for r in ticket.ratings if r.score.bad and bureau is not None and r.bureau_id == bureau.id]
    if not bad:
        return None, "该工单没有本单位可以申诉的差评。"
    appealed = {a.rating_id for a in appeals_of(session, ticket)}
    left = [r for r in bad if r.id not in appealed]
    if not left:
        return None, "本单位已对该工单的差评提出过申诉，每条差评只能申诉一次。"
    rating = left[-1]
    last_day = Calendar.load(session).add(local_day(rating.at), APPEAL_DAYS)
    if today > last_day:
        return None, (f"差评申诉须在评价后 {APPEAL_DAYS} 个工作日内提出（该评价的申诉期限为 {chinese_date(last_day)}），"
                      "已超过期限。")
    return rating, ""


def appeal(session: Session, ticket: Ticket, actor: Actor, reason: str, today: dt.date) -> RatingAppeal:
    """The rated bureau appeals a bad rating: once per rating, within APPEAL_DAYS working days, with a
    reason; an internal step the business never sees."""
    if not actor.is_bureau_staff:
        raise Forbidden("只有被评价的承办单位可以申诉差评。")
    allowed(ticket, "appeal")
    rating, why = appealable(session, ticket, actor.bureau, today)
    if rating is None:
        raise Refused(why)
    reason = plain(reason, "申诉理由", 2000, "reason")
    if not reason:
        raise Invalid("差评申诉须写明理由（如评价与诉求无关、恶意差评的依据）。", "reason")
    flag_modified(ticket, "flagged")  # the same appeal sent twice at once: the second is refused
    record = RatingAppeal(rating=rating, ticket=ticket, bureau=actor.bureau, reason=reason, at=now(),
                          actor_name=actor.name)
    session.add(record)
    move(ticket, "appeal", actor, note=f"对{chinese_date(rating.at)}的评价“{rating.score.label}”申诉：{reason}",
         detail=reason)
    return record


def decide(session: Session, ticket: Ticket, actor: Actor, upheld: bool, reason: str) -> RatingAppeal:
    """The supervising office upholds (the rating leaves the bureau's figures) or dismisses the
    ticket's appeal waiting for it, with a reason; an internal step the business never sees."""
    if not actor.is_supervisor:
        raise Forbidden("差评申诉由县营商环境办复核。")
    pending = next((a for a in appeals_of(session, ticket) if a.decision is Decision.PENDING), None)
    if pending is None:
        raise Refused("该工单没有待复核的差评申诉。")
    allowed(ticket, "decide_appeal")
    reason = plain(reason, "复核意见", 2000, "reason")
    if not reason:
        raise Invalid("复核差评申诉须写明理由。", "reason")
    flag_modified(ticket, "flagged")
    pending.decision = Decision.UPHELD if upheld else Decision.DISMISSED
    pending.decision_reason, pending.decided_at, pending.decided_by = reason, now(), actor.name
    move(ticket, "decide_appeal", actor, note=f"差评申诉{pending.decision.label}：{reason}",
         detail=f"{pending.decision.value}：{reason}")
    return pending


def pending_appeals(session: Session) -> list[RatingAppeal]:
    """Appeals waiting for the office, oldest first."""
    return list(session.scalars(select(RatingAppeal).where(RatingAppeal.decision == Decision.PENDING)
                                .order_by(RatingAppeal.at, RatingAppeal.id)))


def upheld_ratings(session: Session) -> set[int]:
    """The ratings taken out of their bureau's figures."""
    return set(session.scalars(select(RatingAppeal.rating_id).where(RatingAppeal.decision == Decision.UPHELD)))
