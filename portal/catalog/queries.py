"""Reads for the public catalog pages."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from portal.catalog.models import (Answer, AnswerStatus, Bureau, Guide, GuideTopic, Policy, PolicyStatus, PolicyTopic,
                                   Topic)
from portal.text import is_key

# The statuses a reader can pick on the policy list; "current" is the default view.
POLICY_VIEWS = {
    "current": "现行及征求意见",
    "in_force": "现行有效",
    "consultation": "征求意见中",
    "expired": "已失效",
    "repealed": "已废止",
    "all": "全部",
}


def bureaus(session: Session) -> list[Bureau]:
    return list(session.scalars(select(Bureau).order_by(Bureau.id)))


def topics(session: Session) -> list[Topic]:
    """Key indicators first, in the plan's order, then the measures' other subjects."""
    return list(
        session.scalars(
            select(Topic).options(selectinload(Topic.lead)).order_by(Topic.key_indicator.desc(), Topic.id)
        )
    )


def bureau_by_code(session: Session, code: str) -> Bureau | None:
    if not is_key(code):
        return None
    return session.scalars(select(Bureau).where(Bureau.code == code)).one_or_none()


def topic_by_code(session: Session, code: str) -> Topic | None:
    if not is_key(code):
        return None
    return session.scalars(select(Topic).where(Topic.code == code)).one_or_none()


def guide_by_slug(session: Session, slug: str) -> Guide | None:
    if not is_key(slug):
        return None
    return session.scalars(select(Guide).where(Guide.slug == slug)).one_or_none()


def public_policy_by_slug(session: Session, slug: str) -> Policy | None:
    """A policy readers may see: drafts are not public."""
    if not is_key(slug):
        return None
    return session.scalars(
        select(Policy).where(Policy.slug == slug, Policy.status != PolicyStatus.DRAFT)
    ).one_or_none()


def guides_query(
    topic: Topic | None = None, bureau: Bureau | None = None, online: bool = False, words: str = ""
) -> Select:
    """Guides filtered by topic, bureau, fully online and words in the title or summary."""
    stmt = select(Guide).options(selectinload(Guide.bureau)).order_by(Guide.id)
    if topic is not None:
        stmt = stmt.where(Guide.topic_links.any(GuideTopic.topic_id == topic.id))
    if bureau is not None:
        stmt = stmt.where(Guide.bureau_id == bureau.id)
    if online:
        stmt = stmt.where(Guide.fully_online.is_(True))
    for word in words.split()[:8]:
        pattern = f"%{_escape_like(word)}%"
        stmt = stmt.where(or_(Guide.title.like(pattern, escape="\\"), Guide.summary.like(pattern, escape="\\")))
    return stmt


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _expired_on(day: dt.date):
    return and_(Policy.status == PolicyStatus.IN_FORCE, Policy.expires_on.is_not(None), Policy.expires_on < day)


def policies_query(
    day: dt.date,
    view: str = "current",
    topic: Topic | None = None,
    bureau: Bureau | None = None,
    include_parts: bool = False,
) -> Select:
    """Public policies as readers see them on `day`; an in-force policy past its expiry counts as expired."""
    stmt = (
        select(Policy)
        .options(selectinload(Policy.bureau))
        .where(Policy.status != PolicyStatus.DRAFT)
        .order_by(Policy.published_on.desc(), Policy.measure_no, Policy.id.desc())
    )
    expired = _expired_on(day)
    if view == "current":
        stmt = stmt.where(Policy.status.in_([PolicyStatus.IN_FORCE, PolicyStatus.CONSULTATION]), ~expired)
    elif view == "in_force":
        stmt = stmt.where(Policy.status == PolicyStatus.IN_FORCE, ~expired)
    elif view == "expired":
        stmt = stmt.where(or_(Policy.status == PolicyStatus.EXPIRED, expired))
    elif view in ("consultation", "repealed"):
        stmt = stmt.where(Policy.status == PolicyStatus(view))
    if topic is not None:
        stmt = stmt.where(Policy.topic_links.any(PolicyTopic.topic_id == topic.id))
    if bureau is not None:
        stmt = stmt.where(Policy.bureau_id == bureau.id)
    if not include_parts:
        stmt = stmt.where(Policy.part_of_id.is_(None))
    return stmt


def most_used_guides(session: Session, limit: int = 8) -> list[Guide]:
    return list(session.scalars(select(Guide).order_by(Guide.views.desc(), Guide.id).limit(limit)))


def latest_policies(session: Session, day: dt.date, limit: int = 6) -> list[Policy]:
    return list(session.scalars(policies_query(day).limit(limit)))


def counts_by_topic(session: Session) -> dict[int, int]:
    """Number of guides per topic id, for the topic tiles."""
    rows = session.execute(select(GuideTopic.topic_id, func.count()).group_by(GuideTopic.topic_id))
    return dict(rows.all())


def answers_for_guide(session: Session, guide: Guide, limit: int = 10) -> list[Answer]:
    """Published answers that cite a guide, newest first."""
    return list(session.scalars(
        select(Answer).where(Answer.status == AnswerStatus.PUBLISHED, Answer.guide_links.any(guide_id=guide.id))
        .order_by(Answer.published_on.desc(), Answer.id.desc()).limit(limit)))
