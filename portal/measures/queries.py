"""Reading the measures: the plan's parts with their progress, their targets quoted from the plan, and
the tickets and consultation comments that bear on each."""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from portal.catalog.models import Bureau, Policy, PolicyTopic
from portal.clock import local
from portal.consultations.models import Comment, Decision, Visibility
from portal.measures.models import MeasureProgress, MeasureStatus, MeasureTicket, Milestone
from portal.supervision.scoreboard import Figures, ratings_by
from portal.tickets.models import Ticket, TicketState, TicketType

STALE_DAYS = 30  # a lead bureau that has not reported for this long is listed on the supervisor's page

# A sentence of the plan that sets a number to reach: working days, a percentage, a date to be done by.
TARGET = re.compile(r"\d+\s*个?工作日|\d+(\.\d+)?%|\d+日内|年底前|不超过\d")
CO_BUREAUS = re.compile(r"配合单位[：:]\**\s*(.+)$", re.M)

S = TicketState
ANSWERED = (S.REPLIED, S.CLOSED)
RUNNING = (S.SUBMITTED, S.DISPATCH, S.ASSIGNED, S.ACCEPTED, S.REOPENED)


@dataclass
class Measure:
    """A measure of the plan as readers see it: the plan's words and the lead bureau's record."""

    policy: Policy
    progress: MeasureProgress | None

    @property
    def no(self) -> int:
        return self.policy.measure_no

    @property
    def title(self) -> str:
        return re.sub(r"^措施\s*\d+\s*[：:]\s*", "", self.policy.title)

    @property
    def lead(self) -> Bureau:
        return self.policy.bureau

    @property
    def co_bureaus(self) -> str:
        """The co-operating bureaus as the plan names them (some are 各乡镇, not a bureau of the portal)."""
        found = CO_BUREAUS.search(self.policy.body or "")
        return found.group(1).strip().rstrip("）)。").strip() if found else ""

    @property
    def targets(self) -> list[str]:
        """The plan's own targets for the measure, quoted sentence by sentence."""
        text = (self.policy.body or "").split("\n\n")[0]
        sentences = [s.strip() + "。" for s in text.split("。") if s.strip()]
        return [s for s in sentences if TARGET.search(s)]

    @property
    def status(self) -> MeasureStatus:
        return self.progress.status if self.progress else MeasureStatus.NOT_STARTED

    @property
    def percent(self) -> int:
        return self.progress.percent if self.progress else 0

    @property
    def reported_at(self) -> dt.datetime | None:
        return self.progress.reported_at if self.progress else None

    def days_since_report(self, today: dt.date) -> int | None:
        return (today - local(self.reported_at).date()).days if self.reported_at else None

    @property
    def topic_ids(self) -> list[int]:
        return [link.topic_id for link in self.policy.topic_links]


def _measure_policies(session: Session, plan: str):
    parent = select(Policy.id).where(Policy.slug == plan).scalar_subquery()
    return (select(Policy).where(Policy.part_of_id == parent, Policy.measure_no.is_not(None))
            .options(selectinload(Policy.bureau), selectinload(Policy.topic_links).selectinload(PolicyTopic.topic))
            .order_by(Policy.measure_no))


def measures(session: Session, plan: str, bureau: Bureau | None = None) -> list[Measure]:
    """Every measure of `plan` (a policy slug) in the plan's order, or those `bureau` leads."""
    stmt = _measure_policies(session, plan)
    if bureau is not None:
        stmt = stmt.where(Policy.bureau_id == bureau.id)
    policies = list(session.scalars(stmt))
    progress = {p.policy_id: p for p in session.scalars(
        select(MeasureProgress).where(MeasureProgress.policy_id.in_([p.id for p in policies])))}
    return [Measure(p, progress.get(p.id)) for p in policies]


def measure(session: Session, plan: str, no: int) -> Measure | None:
    policy = session.scalars(_measure_policies(session, plan).where(Policy.measure_no == no)).first()
    if policy is None:
        return None
    return Measure(policy, session.get(MeasureProgress, policy.id))


def milestones(session: Session, item: Measure) -> list[Milestone]:
    """The measure's timeline, newest first."""
    return list(session.scalars(select(Milestone).where(Milestone.policy_id == item.policy.id)
                                .order_by(Milestone.day.desc(), Milestone.id.desc())))


def linked_ids(session: Session, item: Measure) -> set[int]:
    """The tickets staff linked to the measure by hand."""
    return set(session.scalars(select(MeasureTicket.ticket_id).where(MeasureTicket.policy_id == item.policy.id)))


def _related_condition(item: Measure):
    linked = select(MeasureTicket.ticket_id).where(MeasureTicket.policy_id == item.policy.id)
    conditions = [Ticket.id.in_(linked)]
    if item.topic_ids:
        conditions.append(Ticket.topic_id.in_(item.topic_ids))
    return or_(*conditions)


def related_tickets(session: Session, item: Measure, *, see_confidential: bool = False,
                    limit: int = 100) -> list[Ticket]:
    """Tickets of the measure's topics and those staff linked to it, newest first (confidential ones
    only for the supervising office)."""
    stmt = select(Ticket).where(_related_condition(item))
    if not see_confidential:
        stmt = stmt.where(Ticket.confidential.is_(False))
    return list(session.scalars(stmt.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)))


@dataclass
class Answered:
    """How the related tickets were answered: counts only, nothing of any one ticket."""

    total: int = 0
    answered: int = 0
    running: int = 0
    rejected: int = 0
    merged: int = 0  # repeats answered through their master (并单)
    by_type: dict[str, int] = field(default_factory=dict)
    ratings: Figures = field(default_factory=Figures)  # the scoreboard's rating counts of these tickets

    @property
    def rated(self) -> int:
        return self.ratings.rated

    @property
    def satisfaction(self) -> float | None:
        """评价满意率, as the scoreboard defines it (portal/supervision/scoreboard.py)."""
        return self.ratings.satisfaction


def answered(session: Session, item: Measure) -> Answered:
    """Counts of the related tickets by outcome and type, and their 评价满意率 (every rating, an upheld
    appeal's left out, as the scoreboard counts); confidential tickets are left out altogether (this is
    shown to the public)."""
    return answered_each(session, [item])[item.policy.id]


def answered_each(session: Session, items: list[Measure]) -> dict[int, Answered]:
    """`answered` for several measures at once (the supervisor's start page lists up to 37): the tickets
    are counted once per topic, and per measure for those staff linked to it, in four grouped queries
    whatever the number of measures; a ticket both in a measure's topics and linked to it counts once."""
    topics = {topic for item in items for topic in item.topic_ids}
    public = Ticket.confidential.is_(False)
    outcomes = [Ticket.state, Ticket.type]
    by_topic: dict[int, list] = defaultdict(list)
    by_measure: dict[int, list] = defaultdict(list)
    rated_by_topic: dict[tuple, Figures] = {}
    if topics:
        for topic, *row in session.execute(select(Ticket.topic_id, *outcomes, func.count())
                                           .where(Ticket.topic_id.in_(topics), public).group_by(Ticket.topic_id, *outcomes)):
            by_topic[topic].append(row)
        rated_by_topic = ratings_by(session, select(Ticket.topic_id, Ticket.id).where(Ticket.topic_id.in_(topics), public))
    linked = select(MeasureTicket.policy_id, Ticket.topic_id).join(Ticket, Ticket.id == MeasureTicket.ticket_id).where(
        MeasureTicket.policy_id.in_([item.policy.id for item in items]), public)
    for policy, topic, *row in session.execute(linked.add_columns(*outcomes, func.count())
                                               .group_by(MeasureTicket.policy_id, Ticket.topic_id, *outcomes)):
        by_measure[policy].append((topic, row))
    rated_linked = ratings_by(session, linked.add_columns(Ticket.id))
    found = {}
    for item in items:
        own = set(item.topic_ids)
        result = _added_up([row for topic in own for row in by_topic[topic]] +
                           [row for topic, row in by_measure[item.policy.id] if topic not in own])
        for topic in own:
            result.ratings.add(rated_by_topic.get((topic,), Figures()))
        for (policy, topic), counts in rated_linked.items():
            if policy == item.policy.id and topic not in own:  # a linked ticket of its own topics counted above
                result.ratings.add(counts)
        found[item.policy.id] = result
    return found


def _added_up(rows: list[tuple]) -> Answered:
    """The outcome counts of (state, type, count) rows."""
    result = Answered()
    for state, kind, count in rows:
        result.total += count
        if state in ANSWERED:
            result.answered += count
        elif state in RUNNING:
            result.running += count
        elif state is S.REJECTED:
            result.rejected += count
        else:
            result.merged += count
        result.by_type[kind.label] = result.by_type.get(kind.label, 0) + count
    result.by_type = {t.label: result.by_type[t.label] for t in TicketType if t.label in result.by_type}
    return result


@dataclass
class Comments:
    published: int = 0
    adopted: int = 0
    partly: int = 0
    not_adopted: int = 0


def comments(session: Session, item: Measure) -> Comments:
    """Published consultation comments on the measure: on its own page, or on the plan's page about it."""
    result = Comments()
    stmt = select(Comment.decision, func.count()).where(
        Comment.visibility == Visibility.PUBLISHED,
        or_(Comment.policy_id == item.policy.id,
            and_(Comment.policy_id == item.policy.part_of_id, Comment.article == item.policy.title)),
    ).group_by(Comment.decision)
    for decision, count in session.execute(stmt):
        result.published += count
        if decision is Decision.ADOPTED:
            result.adopted += count
        elif decision is Decision.PARTLY:
            result.partly += count
        elif decision is Decision.NOT_ADOPTED:
            result.not_adopted += count
    return result


def stale(session: Session, plan: str, today: dt.date) -> list[tuple[Measure, int | None, Answered]]:
    """Measures not done whose lead bureau has not reported for STALE_DAYS days or more (or never),
    never reported first, then the oldest report first; each with the days since and its related
    tickets' figures."""
    late = [(item, item.days_since_report(today)) for item in measures(session, plan)
            if item.status is not MeasureStatus.DONE]
    late = [(item, days) for item, days in late if days is None or days >= STALE_DAYS]
    figures = answered_each(session, [item for item, _ in late])
    found = [(item, days, figures[item.policy.id]) for item, days in late]
    return sorted(found, key=lambda f: (f[1] is not None, -(f[1] or 0), f[0].no))
