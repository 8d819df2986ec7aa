"""Tickets (工单), their events, attachments and ratings; the working-day overrides; deadline rules."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, case, false
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.catalog.models import Bureau, Guide, Policy, Topic
from portal.clock import now
from portal.database import Base, value_enum


class TicketType(enum.Enum):
    CONSULTATION = "consultation"
    HELP = "help"
    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"
    CORRECTION = "correction"  # 纠错: a reader reports a mistake on a guide, a policy or any page

    @property
    def label(self) -> str:
        return {"consultation": "咨询", "help": "求助", "complaint": "投诉", "suggestion": "建议",
                "correction": "纠错"}[self.value]


FILING_TYPES = (TicketType.CONSULTATION, TicketType.HELP, TicketType.COMPLAINT, TicketType.SUGGESTION)  # the form's


class Problem(enum.Enum):
    """What a correction says is wrong."""

    TIME_LIMIT = "time_limit"
    MATERIAL = "material"
    LINK = "link"
    OUTDATED = "outdated"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"time_limit": "办理时限有误", "material": "申请材料有误", "link": "链接打不开",
                "outdated": "内容已过时", "other": "其他问题"}[self.value]


class TicketState(enum.Enum):
    SUBMITTED = "submitted"
    DISPATCH = "dispatch"  # with the supervising office: no lead bureau, or sent back
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    REPLIED = "replied"
    REOPENED = "reopened"  # badly rated: redone by the same bureau
    CLOSED = "closed"
    REJECTED = "rejected"  # not admissible
    MERGED = "merged"  # a repeat (重复诉求), answered through its master (并单)

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


OPEN_STATES = (TicketState.ASSIGNED, TicketState.ACCEPTED, TicketState.REOPENED)  # a bureau holds it, a clock runs
ANSWERING_STATES = (TicketState.ACCEPTED, TicketState.REOPENED)  # the reply clock runs

TERM_LENGTH = 50  # a longer "word" (a run of letters or digits) is never a likely repeat's sign

STATE_LABELS = {
    TicketState.SUBMITTED: "已提交",
    TicketState.DISPATCH: "待分办",
    TicketState.ASSIGNED: "待签收",
    TicketState.ACCEPTED: "办理中",
    TicketState.REPLIED: "已答复",
    TicketState.REOPENED: "重新办理",
    TicketState.CLOSED: "已办结",
    TicketState.REJECTED: "不予受理",
    TicketState.MERGED: "已并单",
}


class Channel(enum.Enum):
    """How a ticket reached the portal: by itself (web, api, open311) or recorded by staff."""

    WEB = "web"
    API = "api"
    OPEN311 = "open311"
    PHONE = "phone"
    LETTER = "letter"
    VISIT = "visit"
    HOTLINE = "hotline"  # forwarded by the 12345 hotline
    WECHAT = "wechat"

    @property
    def label(self) -> str:
        return CHANNEL_LABELS[self]


CHANNEL_LABELS = {
    Channel.WEB: "网站", Channel.API: "接口", Channel.OPEN311: "Open311", Channel.PHONE: "电话",
    Channel.LETTER: "来信", Channel.VISIT: "来访", Channel.HOTLINE: "12345转办", Channel.WECHAT: "微信",
}
STAFF_CHANNELS = (Channel.PHONE, Channel.LETTER, Channel.VISIT, Channel.HOTLINE, Channel.WECHAT)  # staff record them
KEY_CHANNELS = (Channel.OPEN311, Channel.HOTLINE, Channel.WECHAT)  # an Open311 key's tickets carry one of these


class Score(enum.Enum):
    """The national 好差评 scale; the last two are bad ratings."""

    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    BASIC = "basic"
    DISSATISFIED = "dissatisfied"
    VERY_DISSATISFIED = "very_dissatisfied"

    @property
    def label(self) -> str:
        return SCORE_LABELS[self]

    @property
    def bad(self) -> bool:
        return self in (Score.DISSATISFIED, Score.VERY_DISSATISFIED)


SCORE_LABELS = {
    Score.VERY_SATISFIED: "非常满意",
    Score.SATISFIED: "满意",
    Score.BASIC: "基本满意",
    Score.DISSATISFIED: "不满意",
    Score.VERY_DISSATISFIED: "非常不满意",
}


class Ticket(Base):
    """A complaint, request, question or suggestion filed by a business, followed to its answer."""

    __tablename__ = "tickets"
    # the measures' figures count tickets by topic and outcome from this index alone (a ticket's row is long)
    __table_args__ = (Index("ix_tickets_topic_outcome", "topic_id", "state", "type", "confidential"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    code_hash: Mapped[str] = mapped_column(String(200))
    type: Mapped[TicketType] = mapped_column(value_enum(TicketType, "ticket_type"))
    state: Mapped[TicketState] = mapped_column(value_enum(TicketState, "ticket_state"), index=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="RESTRICT"))  # none: a page's correction
    guide_id: Mapped[int | None] = mapped_column(ForeignKey("guides.id", ondelete="SET NULL"))
    bureau_id: Mapped[int | None] = mapped_column(ForeignKey("bureaus.id", ondelete="RESTRICT"), index=True)
    subject: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    company_name: Mapped[str] = mapped_column(String(100), default="")
    credit_code: Mapped[str] = mapped_column(String(18), default="", index=True)
    contact_name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(200), default="")
    publish: Mapped[bool] = mapped_column(Boolean, default=False)
    lang: Mapped[str] = mapped_column(String(2), default="zh", server_default="zh")  # the filer's: mail in it
    consented_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    assigned_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    sign_due: Mapped[dt.date | None] = mapped_column(Date)
    reply_due: Mapped[dt.date | None] = mapped_column(Date)
    replied_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)  # on the supervisor's ledger
    pending_transfer_to_id: Mapped[int | None] = mapped_column(ForeignKey("bureaus.id", ondelete="SET NULL"))
    pending_extension_days: Mapped[int | None] = mapped_column(Integer)
    transfer_requested: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    channel: Mapped[Channel] = mapped_column(value_enum(Channel, "ticket_channel"), default=Channel.WEB,
                                             server_default=Channel.WEB.value)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)  # staff: when it came; trends count by it
    confidential: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # 保密件
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    # A correction (纠错): what is wrong, and the policy or page it is about (a guide's is guide_id)
    problem: Mapped[Problem | None] = mapped_column(value_enum(Problem, "correction_problem"))
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("policies.id", ondelete="SET NULL"))
    page: Mapped[str] = mapped_column(String(200), default="", server_default="")

    # Two changes made at once from the same state (a double rating, a rating and autoclose): the
    # second finds the version moved on and is refused instead of writing a second history.
    __mapper_args__ = {"version_id_col": version}

    topic: Mapped[Topic | None] = relationship()
    guide: Mapped[Guide | None] = relationship()
    policy: Mapped[Policy | None] = relationship()
    bureau: Mapped[Bureau | None] = relationship(foreign_keys=[bureau_id])
    pending_transfer_to: Mapped[Bureau | None] = relationship(foreign_keys=[pending_transfer_to_id])
    assignee: Mapped[User | None] = relationship()
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="ticket", order_by="Attachment.id", cascade="all, delete-orphan"
    )
    ratings: Mapped[list[Rating]] = relationship(
        back_populates="ticket", order_by="Rating.id", cascade="all, delete-orphan"
    )
    merged_into: Mapped[Ticket | None] = relationship(
        remote_side="Ticket.id", back_populates="repeats", foreign_keys=[merged_into_id])  # the master
    repeats: Mapped[list[Ticket]] = relationship(
        back_populates="merged_into", foreign_keys=[merged_into_id], order_by="Ticket.id")  # merged into this one

    @hybrid_property
    def running_due(self) -> dt.date | None:
        """The deadline that runs now: signing while assigned, replying while accepted or reopened;
        none in any other state. The same rule in Python and in SQL (see the expression below)."""
        if self.state is TicketState.ASSIGNED:
            return self.sign_due
        if self.state in ANSWERING_STATES:
            return self.reply_due
        return None

    @running_due.inplace.expression
    @classmethod
    def _running_due_expression(cls):
        return case((cls.state == TicketState.ASSIGNED, cls.sign_due),
                    (cls.state.in_(ANSWERING_STATES), cls.reply_due), else_=None)

    @property
    def reply_event(self) -> TicketEvent | None:
        replies = [e for e in self.events if e.action == "reply"]
        return replies[-1] if replies else None

    @property
    def return_event(self) -> TicketEvent | None:
        """While the ticket waits in the dispatch queue because a bureau sent it back: that return."""
        if self.state is not TicketState.DISPATCH:
            return None
        last = next((e for e in reversed(self.events) if e.to_state is TicketState.DISPATCH
                     and e.from_state is not TicketState.DISPATCH), None)
        return last if last is not None and last.action == "return" else None


class TicketEvent(Base):
    """One step in a ticket's history; appended, never edited or deleted."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    action: Mapped[str] = mapped_column(String(30))
    actor_kind: Mapped[str] = mapped_column(String(20))  # business, staff, supervisor, system
    actor_name: Mapped[str] = mapped_column(String(80), default="")
    bureau_id: Mapped[int | None] = mapped_column(ForeignKey("bureaus.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_state: Mapped[TicketState | None] = mapped_column(value_enum(TicketState, "event_from_state"))
    to_state: Mapped[TicketState] = mapped_column(value_enum(TicketState, "event_to_state"))
    public_text: Mapped[str] = mapped_column(Text, default="")
    internal_note: Mapped[str] = mapped_column(Text, default="")
    due: Mapped[dt.date | None] = mapped_column(Date)  # the deadline running when this step was taken

    ticket: Mapped[Ticket] = relationship(back_populates="events")
    bureau: Mapped[Bureau | None] = relationship()
    user: Mapped[User | None] = relationship()


class TicketTerm(Base):
    """A word of a ticket's subject or description, kept while the ticket may be offered as a likely
    repeat (portal/tickets/similar.py): the inverted index that finds the tickets holding a word."""

    __tablename__ = "ticket_terms"

    term: Mapped[str] = mapped_column(String(TERM_LENGTH), primary_key=True)  # first: the lookup by word
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True, index=True)


class Attachment(Base):
    """A file a business attached: stored outside static/ under a random name."""

    __tablename__ = "ticket_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer)

    ticket: Mapped[Ticket] = relationship(back_populates="attachments")


class Rating(Base):
    """A business's 好差评 of a reply."""

    __tablename__ = "ticket_ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    bureau_id: Mapped[int | None] = mapped_column(ForeignKey("bureaus.id", ondelete="SET NULL"), index=True)  # rated
    score: Mapped[Score] = mapped_column(value_enum(Score, "score"))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)

    ticket: Mapped[Ticket] = relationship(back_populates="ratings")


class TicketCounter(Base):
    """The last number handed out per day: tracking numbers are unique under concurrency."""

    __tablename__ = "ticket_counters"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class CalendarYear(Base):
    """A year whose holidays the operator has entered in full, for a year chinesecalendar lacks."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    confirmed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)


class CalendarOverride(Base):
    """An operator's word on one day: a holiday or a make-up workday (调休), winning over the package."""

    __tablename__ = "calendar_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, unique=True)
    workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(100), default="")


class DeadlineRule(Base):
    """A number of working days for one clock, set for a ticket type, a topic or a bureau."""

    __tablename__ = "deadline_rules"
    __table_args__ = (UniqueConstraint("scope", "key", "clock", name="uq_deadline_rules_scope_key_clock"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(10))  # type, topic, bureau
    key: Mapped[str] = mapped_column(String(32))  # the type's value, the topic's or bureau's code
    clock: Mapped[str] = mapped_column(String(10))  # sign, reply, autoclose
    days: Mapped[int] = mapped_column(Integer)


class ReplyTemplate(Base):
    """A bureau's stock wording for a reply, filled in and adapted by its staff."""

    __tablename__ = "reply_templates"
    __table_args__ = (UniqueConstraint("bureau_id", "title", name="uq_reply_templates_bureau_id_title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_by: Mapped[str] = mapped_column(String(50), default="")

    bureau: Mapped[Bureau] = relationship()
