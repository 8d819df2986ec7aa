"""What a business may see of its ticket: no staff names, no internal notes, personal data its own."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from portal.clock import local

from portal.tickets.citations import cited_policies
from portal.tickets.deadlines import Deadlines
from portal.tickets.merging import answered, master_summary
from portal.tickets.models import OPEN_STATES, TicketState, Ticket
from portal.tickets.services import ACTION_LABELS


def speaker(event) -> str:
    """Public text appears under a bureau's name, never a staff member's."""
    if event.actor_kind == "business":
        return "企业"
    if event.actor_kind == "supervisor":
        return "县营商环境办"
    if event.actor_kind == "staff" and event.bureau is not None:
        return event.bureau.name
    return "系统"


def public_events(ticket: Ticket) -> list[tuple]:
    """The steps the business sees, each with who it appears under: those with public text."""
    return [(e, speaker(e)) for e in ticket.events if e.public_text]


def public_view(session: Session, ticket: Ticket, today: dt.date, deadlines: Deadlines | None = None) -> dict:
    """The ticket as its business sees it (the tracking page and the API): `*_days_left` while that
    clock runs (negative once passed), `*_tentative` when the deadline lies in a year whose State
    Council holiday arrangement has not been entered and may still move."""
    deadlines = deadlines or Deadlines(session, today)
    sign = deadlines(ticket.sign_due) if ticket.state is TicketState.ASSIGNED else None
    answer = deadlines(ticket.reply_due) if ticket.state in OPEN_STATES else None
    reply = ticket.reply_event
    if ticket.state is TicketState.MERGED:  # 并单: the master's reply is this business's answer too
        reply = ticket.merged_into.reply_event if answered(ticket) else None
    rating = ticket.ratings[-1] if ticket.ratings else None
    return {
        "number": ticket.number,
        "type": ticket.type.value,
        "type_label": ticket.type.label,
        "subject": ticket.subject,
        "status": ticket.state.value,
        "status_label": ticket.state.label,
        "topic": ticket.topic.code,
        "topic_name": ticket.topic.name,
        "bureau": ticket.bureau.code if ticket.bureau else None,
        "bureau_name": ticket.bureau.name if ticket.bureau else "县营商环境办（待分办）",
        "filed_at": local(ticket.created_at).isoformat(timespec="minutes"),
        "sign_due": ticket.sign_due.isoformat() if ticket.sign_due else None,
        "reply_due": ticket.reply_due.isoformat() if ticket.reply_due else None,
        "sign_days_left": sign.left if sign else None,
        "reply_days_left": answer.left if answer else None,
        "sign_due_tentative": bool(sign and sign.tentative),
        "reply_due_tentative": bool(answer and answer.tentative),
        "events": [
            {"at": local(e.at).isoformat(timespec="minutes"), "action": e.action, "label": ACTION_LABELS.get(e.action, e.action),
             "by": by, "text": e.public_text}
            for e, by in public_events(ticket)
        ],
        "reply": {"text": reply.public_text, "by": reply.bureau.name if reply.bureau else "",
                  "at": local(reply.at).isoformat(timespec="minutes"),
                  "cites": [{"doc_number": p.doc_number, "slug": p.slug, "title": p.title}
                            for _, _, p in cited_policies(session, reply.public_text)]}
        if reply else None,
        "rating": {"score": rating.score.value, "label": rating.score.label, "comment": rating.comment} if rating else None,
        "can_rate": ticket.state.value == "replied" or (ticket.state is TicketState.MERGED and answered(ticket)
                                                         and not ticket.ratings),
        "merged_into": master_summary(ticket),
    }


def published_summary(ticket: Ticket) -> dict:
    """A published ticket as the filing form offers it to another business: what it asked, where it is,
    and the answer once there is one; no personal data, no number to open it by."""
    reply = ticket.reply_event if ticket.state in (TicketState.REPLIED, TicketState.CLOSED) else None
    return {"subject": ticket.subject, "topic_name": ticket.topic.name, "status_label": ticket.state.label,
            "bureau_name": ticket.bureau.name if ticket.bureau else "县营商环境办（待分办）",
            "filed_on": local(ticket.created_at).date().isoformat(),
            "reply_due": ticket.reply_due.isoformat() if ticket.reply_due and reply is None else None,
            "reply": reply.public_text if reply is not None else None}
