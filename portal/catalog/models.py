"""Bureaus, topics, service guides, policies and search synonyms."""
from __future__ import annotations

import datetime as dt
import enum
import re

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import Base, value_enum

# A condition or material that leaves the list open ("其他材料") breaks 一次告知.
CATCH_ALL = re.compile(r"其他(有关|相关|必要)?(材料|条件|资料|文件)|规定的其他")


class CaseType(enum.Enum):
    IMMEDIATE = "immediate"  # 即办件: done on the spot
    PROMISED = "promised"  # 承诺件: done within the promised working days

    @property
    def label(self) -> str:
        return {"immediate": "即办件", "promised": "承诺件"}[self.value]


class PolicyStatus(enum.Enum):
    DRAFT = "draft"
    CONSULTATION = "consultation"
    IN_FORCE = "in_force"
    EXPIRED = "expired"
    REPEALED = "repealed"

    @property
    def label(self) -> str:
        return POLICY_STATUS_LABELS[self]


POLICY_STATUS_LABELS = {
    PolicyStatus.DRAFT: "草稿",
    PolicyStatus.CONSULTATION: "征求意见中",
    PolicyStatus.IN_FORCE: "现行有效",
    PolicyStatus.EXPIRED: "已失效",
    PolicyStatus.REPEALED: "已废止",
}


class Bureau(Base):
    """A county bureau (部门/单位) that leads topics, owns guides and policies, and answers tickets."""

    __tablename__ = "bureaus"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    supervisor: Mapped[bool] = mapped_column(default=False)
    description: Mapped[str] = mapped_column(Text, default="")

    led_topics: Mapped[list[Topic]] = relationship(
        back_populates="lead", order_by="Topic.id", passive_deletes=True
    )
    guides: Mapped[list[Guide]] = relationship(back_populates="bureau", order_by="Guide.id")
    policies: Mapped[list[Policy]] = relationship(back_populates="bureau", order_by="Policy.id", foreign_keys="Policy.bureau_id")


class TopicCoBureau(Base):
    """A co-operating bureau (配合单位) of a topic, in the plan's order."""

    __tablename__ = "topic_co_bureaus"

    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    topic: Mapped[Topic] = relationship(back_populates="co_links")
    bureau: Mapped[Bureau] = relationship()


class Topic(Base):
    """A key indicator or measure subject (领域/指标); its lead bureau receives its tickets."""

    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("bureaus.id", ondelete="SET NULL"))
    key_indicator: Mapped[bool] = mapped_column(default=False)
    measures: Mapped[list] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")

    lead: Mapped[Bureau | None] = relationship(back_populates="led_topics")
    co_links: Mapped[list[TopicCoBureau]] = relationship(
        back_populates="topic", order_by=TopicCoBureau.position, cascade="all, delete-orphan"
    )

    @property
    def co_bureaus(self) -> list[Bureau]:
        return [link.bureau for link in self.co_links]


class GuideTopic(Base):
    __tablename__ = "guide_topics"

    guide_id: Mapped[int] = mapped_column(ForeignKey("guides.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    guide: Mapped[Guide] = relationship(back_populates="topic_links")
    topic: Mapped[Topic] = relationship()


class Guide(Base):
    """A service guide (办事指南): everything a business needs for one procedure, told once."""

    __tablename__ = "guides"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(64))
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id", ondelete="RESTRICT"), index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    applicants: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[str] = mapped_column(Text, default="")
    materials: Mapped[list] = mapped_column(JSON, default=list)
    steps: Mapped[list] = mapped_column(JSON, default=list)
    case_type: Mapped[CaseType] = mapped_column(value_enum(CaseType, "case_type"), default=CaseType.PROMISED)
    statutory_days: Mapped[int | None] = mapped_column(Integer)
    promised_days: Mapped[int | None] = mapped_column(Integer)
    visits: Mapped[int] = mapped_column(Integer, default=1)
    fee: Mapped[str] = mapped_column(String(200), default="不收费")
    fee_basis: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(300), default="")
    hours: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    complaint_phone: Mapped[str] = mapped_column(String(40), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    fully_online: Mapped[bool] = mapped_column(default=False)
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    faq: Mapped[list] = mapped_column(JSON, default=list)
    updated_on: Mapped[dt.date] = mapped_column(Date)
    # English, optional (materials' and questions' English inside their JSON): shown to readers in English
    title_en: Mapped[str] = mapped_column(String(300), default="", server_default="")
    summary_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    body_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    applicants_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    conditions_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    steps_en: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    views: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # 最近核对: the day a published revision or a bureau's confirmation (核对无误) last vouched for the guide
    checked_on: Mapped[dt.date | None] = mapped_column(Date)
    checked_by_revision: Mapped[bool] = mapped_column(default=False, server_default=false())
    modified_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    bureau: Mapped[Bureau] = relationship(back_populates="guides")
    topic_links: Mapped[list[GuideTopic]] = relationship(
        back_populates="guide", order_by=GuideTopic.position, cascade="all, delete-orphan"
    )

    @property
    def topics(self) -> list[Topic]:
        return [link.topic for link in self.topic_links]

    @property
    def catch_all_items(self) -> list[str]:
        """Conditions or materials that leave the list open, which 一次告知 forbids."""
        found = [line.strip(" -*·") for line in self.conditions.splitlines() if CATCH_ALL.search(line)]
        found += [m["name"] for m in self.materials if CATCH_ALL.search(m["name"])]
        return found


class PolicyTopic(Base):
    __tablename__ = "policy_topics"

    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    policy: Mapped[Policy] = relationship(back_populates="topic_links")
    topic: Mapped[Topic] = relationship()


class Policy(Base):
    """A policy document (政策文件) with its number, dates, status and interpretation."""

    __tablename__ = "policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id", ondelete="RESTRICT"), index=True)
    doc_number: Mapped[str | None] = mapped_column(String(100), index=True)
    published_on: Mapped[dt.date] = mapped_column(Date)
    effective_from: Mapped[dt.date | None] = mapped_column(Date)
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[PolicyStatus] = mapped_column(
        value_enum(PolicyStatus, "policy_status"), default=PolicyStatus.IN_FORCE, index=True
    )
    beneficiaries: Mapped[list] = mapped_column(JSON, default=list)
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    interpretation: Mapped[str] = mapped_column(Text, default="")
    title_en: Mapped[str] = mapped_column(String(500), default="", server_default="")
    summary_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    body_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    interpretation_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    part_of_id: Mapped[int | None] = mapped_column(ForeignKey("policies.id", ondelete="SET NULL"), index=True)
    measure_no: Mapped[int | None] = mapped_column(Integer)
    # A draft put out for public comment (征求意见): when comments are taken, and which bureau answers them.
    consultation_opens_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    consultation_closes_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    consultation_bureau_id: Mapped[int | None] = mapped_column(ForeignKey("bureaus.id", ondelete="SET NULL"))
    modified_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    bureau: Mapped[Bureau] = relationship(back_populates="policies", foreign_keys=[bureau_id])
    consultation_bureau: Mapped[Bureau | None] = relationship(foreign_keys=[consultation_bureau_id])
    topic_links: Mapped[list[PolicyTopic]] = relationship(
        back_populates="policy", order_by=PolicyTopic.position, cascade="all, delete-orphan"
    )
    part_of: Mapped[Policy | None] = relationship(remote_side=[id], back_populates="parts")
    parts: Mapped[list[Policy]] = relationship(back_populates="part_of", order_by="Policy.measure_no")
    status_changes: Mapped[list[PolicyStatusChange]] = relationship(
        back_populates="policy", order_by="PolicyStatusChange.id", cascade="all, delete-orphan"
    )

    @property
    def topics(self) -> list[Topic]:
        return [link.topic for link in self.topic_links]

    def status_on(self, day: dt.date) -> PolicyStatus:
        """The status a reader sees on `day`: an in-force policy past its expiry date is expired at once."""
        if self.status is PolicyStatus.IN_FORCE and self.expires_on is not None and self.expires_on < day:
            return PolicyStatus.EXPIRED
        return self.status

    def pending_on(self, day: dt.date) -> bool:
        """In force by decision but not yet effective on `day` (尚未施行)."""
        return (
            self.status is PolicyStatus.IN_FORCE
            and self.effective_from is not None
            and self.effective_from > day
        )


class PolicyStatusChange(Base):
    """One recorded change of a policy's status; appended, never edited."""

    __tablename__ = "policy_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[PolicyStatus] = mapped_column(value_enum(PolicyStatus, "from_status"))
    to_status: Mapped[PolicyStatus] = mapped_column(value_enum(PolicyStatus, "to_status"))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(Text, default="")

    policy: Mapped[Policy] = relationship(back_populates="status_changes")


class Synonym(Base):
    """An everyday word and the catalog terms search expands it to (开公司 → 企业开办)."""

    __tablename__ = "synonyms"

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(50), unique=True)
    means: Mapped[list] = mapped_column(JSON, default=list)


class AnswerStatus(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"

    @property
    def label(self) -> str:
        return {"draft": "草稿", "published": "已发布", "retired": "已撤下"}[self.value]


class AnswerTopic(Base):
    __tablename__ = "answer_topics"

    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    answer: Mapped[Answer] = relationship(back_populates="topic_links")
    topic: Mapped[Topic] = relationship()


class AnswerGuide(Base):
    """A guide an answer cites (and on whose page it is shown)."""

    __tablename__ = "answer_guides"

    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True)
    guide_id: Mapped[int] = mapped_column(ForeignKey("guides.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    answer: Mapped[Answer] = relationship(back_populates="guide_links")
    guide: Mapped[Guide] = relationship()


class AnswerPolicy(Base):
    """A policy an answer cites."""

    __tablename__ = "answer_policies"

    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    answer: Mapped[Answer] = relationship(back_populates="policy_links")
    policy: Mapped[Policy] = relationship()


class Answer(Base):
    """A question as businesses ask it and the public answer (知识库), written anew from a replied
    ticket without personal data, or imported; public once published, withdrawn when retired."""

    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    question: Mapped[str] = mapped_column(String(300))
    answer: Mapped[str] = mapped_column(Text, default="")
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id", ondelete="RESTRICT"), index=True)
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[AnswerStatus] = mapped_column(
        value_enum(AnswerStatus, "answer_status"), default=AnswerStatus.DRAFT, index=True
    )
    helpful: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # 这解决了您的问题吗？ yes
    not_helpful: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # … no
    modified_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    bureau: Mapped[Bureau] = relationship()
    topic_links: Mapped[list[AnswerTopic]] = relationship(
        back_populates="answer", order_by=AnswerTopic.position, cascade="all, delete-orphan"
    )
    guide_links: Mapped[list[AnswerGuide]] = relationship(
        back_populates="answer", order_by=AnswerGuide.position, cascade="all, delete-orphan"
    )
    policy_links: Mapped[list[AnswerPolicy]] = relationship(
        back_populates="answer", order_by=AnswerPolicy.position, cascade="all, delete-orphan"
    )

    @property
    def title(self) -> str:
        return self.question

    @property
    def topics(self) -> list[Topic]:
        return [link.topic for link in self.topic_links]

    @property
    def guides(self) -> list[Guide]:
        return [link.guide for link in self.guide_links]

    @property
    def policies(self) -> list[Policy]:
        return [link.policy for link in self.policy_links]

    @property
    def public(self) -> bool:
        return self.status is AnswerStatus.PUBLISHED
