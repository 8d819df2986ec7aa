"""并单: a repeated request about one matter is merged into its master and answered once (国办发〔2020〕53号:
"重复诉求事项原则上并单处理").

The repeat becomes `merged` (a state in the transitions table, its event `merge`), its business is
mailed the master's number, and the master records what it took in (`take_repeat`, internal). When the
master is answered, `services.reply` mails every repeat's business the same reply, the repeat's
tracking page shows it, and the repeat's business rates it on the repeat (`rate_merged`): its rating
counts for the bureau that answered, a bad one flags the repeat for the supervisor and puts the
master's holding on the ledger, but reopens nothing (the master's own business decides that). A
repeat counts once for the bureau: only its master is received, judged and ledgered
(portal/supervision/holdings.py).

Who may merge: the holding bureau, when it holds both tickets; the supervising office, always (a merge
across bureaus, or of a ticket still in the dispatch queue, needs the office)."""
from __future__ import annotations

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from portal.actors import Actor
from portal.clock import chinese_date, now
from portal.errors import Forbidden, Invalid, Refused
from portal.mail import queue_mail
from portal.text import plain
from portal.tickets.models import Rating, Score, Ticket, TicketState
from portal.tickets.services import TRANSITIONS, _drop_requests, allowed, move

S = TicketState


def may_merge(actor: Actor, repeat: Ticket, master: Ticket | None = None) -> bool:
    """The office always; a bureau's staff when their bureau holds the repeat (and the master, if named)."""
    if actor.is_supervisor:
        return True
    holds = lambda ticket: ticket.bureau is not None and actor.acts_for(ticket.bureau)  # noqa: E731
    return holds(repeat) and (master is None or holds(master))


def mergeable(ticket: Ticket) -> bool:
    """Whether the ticket's state lets it be merged into another (not yet answered, not concluded)."""
    return ticket.state in TRANSITIONS["merge"][0]


def merge(session: Session, repeat: Ticket, master: Ticket | None, actor: Actor, reason: str) -> None:
    """Merge `repeat` into `master`: the repeat's business is told the master's number and gets its
    reply; a merge across bureaus needs the supervising office."""
    reason = plain(reason, "并单理由", 2000, "reason")
    if master is None:
        raise Invalid("请填写要并入的工单流水号。", "into")
    if master.id == repeat.id:
        raise Invalid("不能将工单并入它自己。", "into")
    if master.state is S.MERGED:
        raise Invalid(f"工单 {master.number} 本身已并入工单 {master.merged_into.number}，请并入该工单。", "into")
    if master.state not in TRANSITIONS["take_repeat"][0]:
        raise Invalid(f"工单 {master.number} 当前状态为“{master.state.label}”，不能作为并单的主工单。", "into")
    if not reason:
        raise Invalid("并单须写明理由（如：同一企业就同一事项重复反映）。", "reason")
    allowed(repeat, "merge")
    if repeat.repeats:
        raise Refused(f"已有 {len(repeat.repeats)} 件诉求并入工单 {repeat.number}，它只能作为主工单。")
    if not may_merge(actor, repeat, master):
        raise Forbidden("两件工单不在同一承办单位，跨单位并单须由县营商环境办办理。")
    # Both rows are updated (their versions checked): a merge made at the same moment into the repeat,
    # or of the master into a third ticket, ends with the second refused instead of a chain.
    flag_modified(master, "flagged")
    move(repeat, "merge", actor, note=reason, detail=f"并入 {master.number}：{reason}",
         public_text=f"经核实，您的诉求与工单 {master.number} 反映的是同一事项，已并入该工单一并办理，答复将同时告知您。")
    move(master, "take_repeat", actor, note=f"并入重复诉求 {repeat.number}：{reason}", detail=repeat.number)
    repeat.merged_into = master
    _drop_requests(repeat)
    repeat.assignee = None
    reply = master.reply_event
    queue_mail(session, repeat.email, "mail/ticket_merged.txt", ticket=repeat, master=master,
               reply=reply.public_text if reply is not None and master.state in (S.REPLIED, S.CLOSED) else "",
               lang=repeat.lang)


def answered(repeat: Ticket) -> bool:
    """A merged ticket whose master has been answered: its business may rate the reply."""
    master = repeat.merged_into
    return master is not None and master.state in (S.REPLIED, S.CLOSED, S.REOPENED) and master.reply_event is not None


def rate_merged(session: Session, repeat: Ticket, score: Score, comment: str, actor: Actor) -> None:
    """The repeat's business rates the master's reply, once; a bad rating flags the repeat for the office."""
    allowed(repeat, "rate_merged")
    if not answered(repeat):
        raise Refused("主工单尚未答复，答复后才能评价。")
    if repeat.ratings:
        raise Refused("您已评价过该答复。")
    comment = plain(comment, "评价意见", 1000, "comment")
    master = repeat.merged_into
    session.add(Rating(ticket=repeat, bureau_id=master.bureau_id, score=score, comment=comment, at=now()))
    if score.bad:
        repeat.flagged = True
    move(repeat, "rate_merged", actor, public_text=f"评价：{score.label}")


def master_summary(repeat: Ticket) -> dict | None:
    """What the repeat's business sees of the master: its number, state, holder and reply deadline."""
    master = repeat.merged_into
    if master is None:
        return None
    return {"number": master.number, "status": master.state.value, "status_label": master.state.label,
            "bureau_name": master.bureau.name if master.bureau else "县营商环境办（待分办）",
            "reply_due": master.reply_due.isoformat() if master.reply_due else None,
            "reply_due_text": chinese_date(master.reply_due) if master.reply_due else ""}
