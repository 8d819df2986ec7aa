"""Risk words (风险性诉求及时预警): the list the supervising office keeps, and the flag a ticket gets
when it is filed with one of them in its subject or description, written in the filing's transaction."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.actors import Actor
from portal.audit import audit, name_actions
from portal.changes import watch
from portal.clock import now
from portal.errors import InvalidFields
from portal.supervision.models import RiskWord, TicketRisk
from portal.text import CONTROL
from portal.tickets.models import Ticket

MAX_WORDS = 200
MAX_LENGTH = 20

name_actions({"risk_word_add": "增加风险词", "risk_word_remove": "删除风险词"})


def risk_words(session: Session) -> list[str]:
    """The words watched for, in the order they were added."""
    return list(session.scalars(select(RiskWord.word).order_by(RiskWord.id)))


def matches(text: str, words: list[str]) -> list[str]:
    """The listed words `text` holds, in the list's order. A plain substring match, not the search
    analyzer's words: 拖欠薪资 segments as 拖欠/薪资 and would hide 欠薪 from a word match."""
    return [w for w in words if w in text]


def save_risk_words(session: Session, actor: Actor, text: str) -> tuple[list[str], list[str]]:
    """Replace the list with the words of `text` (one a line, or separated by commas or spaces); each
    word added or removed is an audit line. Returns (added, removed)."""
    wanted: list[str] = []
    errors = []
    for raw in text.replace("，", "\n").replace(",", "\n").replace("、", "\n").split():
        word = CONTROL.sub("", raw).strip()
        if not word:
            continue
        if len(word) > MAX_LENGTH:
            errors.append(f"“{word[:MAX_LENGTH]}…”超过 {MAX_LENGTH} 个字。")
        elif word not in wanted:
            wanted.append(word)
    if len(wanted) > MAX_WORDS:
        errors.append(f"风险词最多 {MAX_WORDS} 个。")
    if errors:
        raise InvalidFields({"words": errors})
    existing = {w.word: w for w in session.scalars(select(RiskWord))}
    added = [w for w in wanted if w not in existing]
    removed = [w for w in existing if w not in wanted]
    for word in removed:
        session.delete(existing[word])
        audit(session, actor, "risk_word_remove", word)
    for word in added:
        session.add(RiskWord(word=word, added_at=now(), added_by=actor.name[:50]))
        audit(session, actor, "risk_word_add", word)
    session.flush()
    return added, removed


def _flag_new_tickets(session: Session, state: dict) -> None:
    """On each flush of a filing: a new ticket holding a risk word gets its flag in the same flush."""
    new = [obj for obj in session.new if isinstance(obj, Ticket) and obj not in state.setdefault("seen", set())]
    if not new:
        return
    if "words" not in state:
        state["words"] = risk_words(session)
    for ticket in new:
        state["seen"].add(ticket)
        found = matches(f"{ticket.subject}\n{ticket.description}", state["words"])
        if found:
            session.add(TicketRisk(ticket=ticket, words="、".join(found)[:200], at=ticket.created_at or now()))


watch("risk_words", _flag_new_tickets)
