"""Likely repeats (疑似重复诉求): tickets on the same matter as another.

Two signs, computed on every staff view of a ticket; cheap for a county's open tickets (hundreds), growing
linearly with them (benchmarks/RESULTS.md, "Likely repeats": about 0.1 s at 1,000 for the office, more at 10,000):
- the same company on the same topic within 30 days (the credit code, the topic, the filing dates);
- the same words: the ticket's subject and description are cut into words by the search package's
  analyzer (jieba's dictionary with the portal's domain words), the generic words of any complaint
  dropped, and the open tickets are asked in one SQL statement which of those words each holds
  (substring match: `LIKE`). A word found in few tickets weighs more than one found in many, a word
  of the subject twice one of the description; a ticket is a likely repeat when the words it holds
  weigh at least MATCH of the whole, read both ways (the other ticket's own words against this one).

Why not the Whoosh index: tickets would be a non-public kind in the index that serves public search,
changing its statistics (and so the ranking businesses see) and needing a rebuild on every host; the
index trails the database by the writer's lag, while a repeat is typically filed minutes after the
first call; and every state change would become an index task. The database answers at once, and the
candidates are few: the open tickets, or, on the filing form, the published ones.

What a viewer is shown is limited to what the viewer may see (a bureau: its own tickets), and a match
by company is never shown to a bureau when either ticket is confidential: the match alone would tell
who is behind the 保密件."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from portal.clock import now
from portal.search.analyzer import words
from portal.tickets.models import Ticket, TicketState
from portal.tickets.visibility import Viewer

S = TicketState
WINDOW = dt.timedelta(days=30)  # the same company on the same topic within this is a likely repeat
UNANSWERED = (S.SUBMITTED, S.DISPATCH, S.ASSIGNED, S.ACCEPTED, S.REOPENED)  # "open": no answer yet
ANSWERED = (S.REPLIED, S.CLOSED)
MAX_WORDS = 12  # the query's words asked of the database: the subject's first, then the longest
MATCH = 0.4  # share of the weighed words two tickets must have in common, each way
# Words nearly every request holds: they say nothing about the matter.
GENERIC = frozenset("""企业 公司 我们 我公司 本公司 单位 本单位 办理 问题 情况 请问 希望 要求 反映 咨询 部门 工作 没有 已经
可以 需要 如何 什么 怎么 现在 目前 相关 进行 一直 至今 能否 是否 还是 因为 所以 但是 帮助 解决 处理 申请 提交 为什么
谢谢 建议 投诉 求助 领导 政府 有关 之后 以后 时候 多次 一下 一个 这个 那个 没人 不能 无法 不知 知道 告知""".split())


@dataclass(frozen=True)
class Likely:
    """A likely repeat and why: "company" (same company and topic within 30 days), "text", or both."""

    ticket: Ticket
    reasons: tuple[str, ...]

    @property
    def why(self) -> str:
        return "、".join({"company": "同一企业同一领域30日内", "text": "内容相近"}[r] for r in self.reasons)


def key_words(subject: str, description: str) -> list[tuple[str, float]]:
    """The words worth matching, with their weight: a subject's word 2, a description's 1."""
    found: dict[str, float] = {}
    for text, weight in ((subject, 2.0), (description, 1.0)):
        for word in words(text):
            if len(word) >= 2 and word not in GENERIC and not word.isdigit():
                found.setdefault(word, weight)
    subject_words = [w for w, weight in found.items() if weight == 2.0]
    rest = sorted((w for w, weight in found.items() if weight == 1.0), key=len, reverse=True)
    return [(w, found[w]) for w in (subject_words + rest)[:MAX_WORDS]]


def _holds(word: str):
    return or_(Ticket.subject.contains(word, autoescape=True), Ticket.description.contains(word, autoescape=True))


def text_matches(session: Session, subject: str, description: str, candidates: Select, limit: int = 5,
                 ) -> list[Ticket]:
    """The tickets of `candidates` (a select of Ticket) that hold the same words, best first."""
    asked = key_words(subject, description)
    if len(asked) < 2:
        return []
    bits = [case((_holds(word), 1), else_=0) for word, _ in asked]
    rows = session.execute(candidates.with_only_columns(Ticket.id, *bits)
                           .where(or_(*(_holds(word) for word, _ in asked)))).all()
    if not rows:
        return []
    population = session.scalar(select(func.count()).select_from(candidates.order_by(None).subquery())) or 0
    held = [sum(row[i + 1] for row in rows) for i in range(len(asked))]
    # The fewer tickets hold a word, the more it says (idf, smoothed so that a handful of tickets
    # does not make every shared word worthless).
    weights = [weight * math.log((population + 10) / (count + 1)) for (_, weight), count in zip(asked, held)]
    whole = sum(weights)
    scored = sorted(((sum(w for w, bit in zip(weights, row[1:]) if bit) / whole, row[0]) for row in rows),
                    reverse=True)
    found = []
    text = f"{subject}\n{description}"
    for score, ticket_id in scored[:limit * 4]:
        if score < MATCH:
            break
        other = session.get(Ticket, ticket_id)
        if _reverse_share(other, text) >= MATCH:  # and the other ticket's own words in this one
            found.append(other)
        if len(found) == limit:
            break
    return found


def _reverse_share(other: Ticket, text: str) -> float:
    """The weighed share of the other ticket's words that this text holds."""
    theirs = key_words(other.subject, other.description)
    whole = sum(weight for _, weight in theirs)
    return sum(weight for word, weight in theirs if word in text) / whole if whole else 0.0


def _visible(stmt: Select, viewer: Viewer, bureau_id: int | None) -> Select:
    """Only the tickets this viewer may see: every one for the office, its own for a bureau."""
    return stmt if viewer is Viewer.OFFICE else stmt.where(Ticket.bureau_id == bureau_id)


def likely_repeats(session: Session, ticket: Ticket, viewer: Viewer, bureau_id: int | None = None,
                   limit: int = 8) -> list[Likely]:
    """Tickets `viewer` may see that are likely repeats of `ticket` (or it of them): the same company and
    topic within 30 days, and open tickets with the same words. Merged tickets are not offered again."""
    reasons: dict[int, list[str]] = {}
    tickets: dict[int, Ticket] = {}
    hide_company = viewer is not Viewer.OFFICE and ticket.confidential
    if ticket.credit_code and not hide_company:
        around = _visible(select(Ticket).where(
            Ticket.credit_code == ticket.credit_code, Ticket.topic_id == ticket.topic_id, Ticket.id != ticket.id,
            Ticket.state != S.MERGED, Ticket.merged_into_id.is_(None),
            Ticket.created_at >= ticket.created_at - WINDOW, Ticket.created_at <= ticket.created_at + WINDOW,
        ), viewer, bureau_id).order_by(Ticket.created_at.desc()).limit(limit)
        for other in session.scalars(around):
            if viewer is not Viewer.OFFICE and other.confidential:
                continue
            tickets[other.id] = other
            reasons.setdefault(other.id, []).append("company")
    open_ones = _visible(select(Ticket).where(Ticket.state.in_(UNANSWERED), Ticket.id != ticket.id), viewer, bureau_id)
    for other in text_matches(session, ticket.subject, ticket.description, open_ones, limit):
        tickets[other.id] = other
        reasons.setdefault(other.id, []).append("text")
    return [Likely(tickets[i], tuple(reasons[i])) for i in list(tickets)[:limit]]


def earlier_filings(session: Session, ticket: Ticket) -> list[Ticket]:
    """What the business is told after filing: its company's tickets on the same topic in the 30 days
    before. A confidential one only when the phone is the same too, so that nobody learns of a 保密件 by
    typing a company's (public) credit code."""
    if not ticket.credit_code:
        return []
    stmt = select(Ticket).where(
        Ticket.credit_code == ticket.credit_code, Ticket.topic_id == ticket.topic_id, Ticket.id != ticket.id,
        Ticket.created_at >= ticket.created_at - WINDOW, Ticket.created_at <= ticket.created_at,
        or_(Ticket.confidential.is_(False), Ticket.phone == ticket.phone),
    ).order_by(Ticket.created_at.desc()).limit(3)
    return list(session.scalars(stmt))


def public_matches(session: Session, subject: str, description: str, limit: int = 5) -> list[Ticket]:
    """Published tickets of the last year, open or answered, on the same matter: what a business may
    read (and follow) instead of filing again."""
    candidates = select(Ticket).where(Ticket.publish.is_(True), Ticket.state.in_(UNANSWERED + ANSWERED),
                                      Ticket.created_at >= now() - dt.timedelta(days=365))
    return text_matches(session, subject, description, candidates, limit)


