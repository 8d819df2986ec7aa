"""Likely repeats (疑似重复诉求): tickets on the same matter as another.

Two signs, computed on every staff view of a ticket (and the second on the filing form):
- the same company on the same topic within 30 days (the credit code, the topic, the filing dates);
- the same words: the ticket's subject and description are cut into words by the search package's
  analyzer (jieba's dictionary with the portal's domain words), the generic words of any complaint
  dropped. A word found in few candidates weighs more than one found in many, a word of the subject
  twice one of the description; a ticket is a likely repeat when the words it holds weigh at least
  MATCH of the whole, read both ways (the other ticket's own words against this one).

Each ticket's words (precise and search-mode, so that 登记 finds a ticket that wrote 变更登记) are kept in
`ticket_terms`, an inverted index in the database written in the transaction that files the ticket and
emptied in the one that takes it out of the candidates (merged, rejected, answered and not published).
A lookup asks the index for the candidates holding the asked words (one grouped statement for how many
hold each, one that sums the weights per ticket and keeps the best): its cost follows the tickets that
share the words, not all open tickets (benchmarks/RESULTS.md, "Likely repeats"). `flask --app portal
tickets rebuild-terms` writes the index anew from the tickets (after upgrading to revision 0019).

Why not the Whoosh index: tickets would be a non-public kind in the index that serves public search,
changing its statistics (and so the ranking businesses see) and needing a rebuild on every host; the
index trails the database by the writer's lag, while a repeat is typically filed minutes after the
first call; and every state change would become an index task. The database answers at once.

What a viewer is shown is limited to what the viewer may see (a bureau: its own tickets), and a match
by company is never shown to a bureau when either ticket is confidential: the match alone would tell
who is behind the 保密件."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import Select, case, delete, func, insert, inspect, or_, select, union_all
from sqlalchemy.orm import Session

from portal.changes import watch
from portal.clock import now
from portal.search.analyzer import normalize, segment, words
from portal.tickets.models import TERM_LENGTH, Ticket, TicketState, TicketTerm
from portal.tickets.viewers import Viewer

S = TicketState
WINDOW = dt.timedelta(days=30)  # the same company on the same topic within this is a likely repeat
UNANSWERED = (S.SUBMITTED, S.DISPATCH, S.ASSIGNED, S.ACCEPTED, S.REOPENED)  # "open": no answer yet
ANSWERED = (S.REPLIED, S.CLOSED)
MAX_WORDS = 12  # the query's words asked of the database: the subject's first, then the longest
MATCH = 0.4  # share of the weighed words two tickets must have in common, each way
PER_WORD = 100  # the newest candidates holding a rare word that a lookup reads
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


def _worth(word: str) -> bool:
    return 2 <= len(word) <= TERM_LENGTH and word not in GENERIC and not word.isdigit()


def key_words(subject: str, description: str) -> list[tuple[str, float]]:
    """The words worth matching, with their weight: a subject's word 2, a description's 1."""
    found: dict[str, float] = {}
    for text, weight in ((subject, 2.0), (description, 1.0)):
        for word in words(text):
            if _worth(word):
                found.setdefault(word, weight)
    subject_words = [w for w, weight in found.items() if weight == 2.0]
    rest = sorted((w for w, weight in found.items() if weight == 1.0), key=len, reverse=True)
    return [(w, found[w]) for w in (subject_words + rest)[:MAX_WORDS]]


def terms(subject: str, description: str) -> set[str]:
    """Every word of a ticket kept in the index: the precise words and the search mode's sub-words."""
    found = set()
    for text in (subject, description):
        found.update(w for w in words(text) if _worth(w))
        found.update(w for w, *_ in segment(normalize(text)) if _worth(w))
    return found


def text_matches(session: Session, subject: str, description: str, candidates: Select, limit: int = 5,
                 ) -> list[Ticket]:
    """The tickets of `candidates` (a select of Ticket) that hold the same words, best first."""
    asked = key_words(subject, description)
    if len(asked) < 2:
        return []
    candidates = candidates.order_by(None)
    asked_words = [w for w, _ in asked]

    def postings(*columns):  # the candidates' index rows, looked up by word
        return candidates.with_only_columns(*columns).select_from(TicketTerm).join(Ticket, Ticket.id == TicketTerm.ticket_id)

    held = dict(session.execute(postings(TicketTerm.term, func.count()).where(TicketTerm.term.in_(asked_words))
                                .group_by(TicketTerm.term)).all())
    if not held:
        return []
    population = session.scalar(select(func.count()).select_from(candidates.subquery())) or 0
    # The fewer tickets hold a word, the more it says (idf, smoothed so that a handful of tickets
    # does not make every shared word worthless).
    weights = {word: weight * math.log((population + 10) / (held.get(word, 0) + 1)) for word, weight in asked}
    needed = MATCH * sum(weights.values()) * (1 - 1e-9)  # (1 - 1e-9): the sum's rounding in SQL
    # A ticket that reaches MATCH holds at least one of the rarest words whose weight the others cannot
    # make up for: only their postings are read (the newest PER_WORD of each), so a lookup reads the rare
    # words' few rows, however many tickets hold the common ones.
    rare, rest = [], sum(weights[w] for w in held)
    for word in sorted(held, key=weights.get, reverse=True):
        if rest < needed:
            break
        rare.append(word)
        rest -= weights[word]
    if not rare:
        return []
    newest = [postings(TicketTerm.ticket_id).where(TicketTerm.term == word)
              .order_by(TicketTerm.ticket_id.desc()).limit(PER_WORD).subquery() for word in rare]
    holding_rare = union_all(*(select(sub.c.ticket_id) for sub in newest))
    score = func.sum(case({w: weights[w] for w in held}, value=TicketTerm.term, else_=0.0))
    best = [ticket_id for ticket_id, _ in session.execute(
        select(TicketTerm.ticket_id, score).where(TicketTerm.term.in_(list(held)), TicketTerm.ticket_id.in_(holding_rare))
        .group_by(TicketTerm.ticket_id).having(score >= needed)
        .order_by(score.desc(), TicketTerm.ticket_id.desc()).limit(limit * 4))]
    loaded = {t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_(best)))}
    text = f"{subject}\n{description}"
    # and the other ticket's own words in this one
    return [loaded[i] for i in best if _reverse_share(loaded[i], text) >= MATCH][:limit]


def _reverse_share(other: Ticket, text: str) -> float:
    """The weighed share of the other ticket's words that this text holds."""
    theirs = key_words(other.subject, other.description)
    whole = sum(weight for _, weight in theirs)
    return sum(weight for word, weight in theirs if word in text) / whole if whole else 0.0


# -- the index of words: written in the transaction of the change -----------------------------------------

def indexed(state: TicketState, publish: bool) -> bool:
    """Whether a ticket in `state` may be a candidate: open (the staff page), or answered and published
    (the filing form)."""
    return state in UNANSWERED or (bool(publish) and state in ANSWERED)


def _note_tickets(session: Session, state: dict) -> None:
    """Before each flush: note every new ticket, and every ticket whose state, publication or text
    changed, with whether its words were in the index when the transaction began."""
    noted = state.setdefault("tickets", {})
    for ticket in session.new:
        if isinstance(ticket, Ticket) and id(ticket) not in noted:
            noted[id(ticket)] = (ticket, False)
    for ticket in session.dirty:
        if not isinstance(ticket, Ticket) or id(ticket) in noted:
            continue
        attrs = inspect(ticket).attrs
        changed = {name: getattr(attrs, name).history for name in ("state", "publish", "subject", "description")}
        if not any(history.has_changes() for history in changed.values()):
            continue
        before = {name: history.deleted[0] if history.deleted else getattr(ticket, name)
                  for name, history in changed.items()}
        text_changed = changed["subject"].has_changes() or changed["description"].has_changes()
        # a changed text is written anew, as if the ticket had not been in the index
        noted[id(ticket)] = (ticket, indexed(before["state"], before["publish"]) and not text_changed)


def _write_terms(session: Session, state: dict) -> None:
    """As the transaction commits: the noted tickets' words added to the index or taken out of it."""
    session.flush()
    noted = state.pop("tickets", {})
    gone = [t.id for t, was in noted.values() if was and not indexed(t.state, t.publish)]
    fresh = [t for t, was in noted.values() if not was and indexed(t.state, t.publish) and t.id is not None]
    if gone or fresh:
        session.execute(delete(TicketTerm).where(TicketTerm.ticket_id.in_(gone + [t.id for t in fresh])))
    rows = [{"term": term, "ticket_id": t.id} for t in fresh for term in terms(t.subject, t.description)]
    if rows:
        session.execute(insert(TicketTerm), rows)


def install() -> None:
    """Keep the index of words in the transaction of every filing and state change."""
    watch("ticket_terms", _note_tickets, _write_terms)


def rebuild_terms(session: Session, batch: int = 1000) -> tuple[int, int]:
    """Write the index of words anew from the tickets that may be candidates; returns (tickets, words)."""
    session.execute(delete(TicketTerm))
    tickets = written = last = 0
    kept = or_(Ticket.state.in_(UNANSWERED), Ticket.publish.is_(True) & Ticket.state.in_(ANSWERED))
    while True:
        rows = session.execute(select(Ticket.id, Ticket.subject, Ticket.description)
                               .where(kept, Ticket.id > last).order_by(Ticket.id).limit(batch)).all()
        if not rows:
            return tickets, written
        values = [{"term": term, "ticket_id": row.id} for row in rows for term in terms(row.subject, row.description)]
        if values:
            session.execute(insert(TicketTerm), values)
        tickets, written, last = tickets + len(rows), written + len(values), rows[-1].id


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


