"""The ticket lifecycle: every state change goes through `move`, which checks the transitions table,
appends the event and, for a person's step, the audit line, in the same transaction. Each service
takes the actor who acts and raises a DomainError (portal.errors) when the rules refuse; callers
commit (the request boundary does)."""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, object_session
from werkzeug.security import check_password_hash, generate_password_hash

from portal.actors import BUSINESS, SYSTEM, Actor
from portal.audit import audit, name_actions
from portal.catalog.models import Bureau, Guide, Policy, Topic
from portal.clock import chinese_date, local, now
from portal.errors import Invalid, InvalidFields, NotFound, Refused
from portal.mail import queue_mail
from portal.text import CONTROL, plain
from portal.tickets.models import (
    Channel,
    DeadlineRule,
    Problem,
    ReplyTemplate,
    Rating,
    Score,
    Ticket,
    TicketCounter,
    TicketEvent,
    TicketState,
    TicketType,
)
from portal.tickets.workdays import Calendar

S = TicketState
# action -> (states it may start from, state it leads to; None keeps the state)
TRANSITIONS: dict[str, tuple[frozenset[TicketState], TicketState | None]] = {
    "file": (frozenset({None}), S.SUBMITTED),
    "route": (frozenset({S.SUBMITTED, S.DISPATCH}), S.ASSIGNED),
    "dispatch": (frozenset({S.SUBMITTED}), S.DISPATCH),
    "sign": (frozenset({S.ASSIGNED}), S.ACCEPTED),
    "return": (frozenset({S.ASSIGNED}), S.DISPATCH),
    "request_transfer": (frozenset({S.ASSIGNED, S.ACCEPTED, S.REOPENED}), None),
    "approve_transfer": (frozenset({S.ASSIGNED, S.ACCEPTED, S.REOPENED}), S.ASSIGNED),
    "refuse_transfer": (frozenset({S.ASSIGNED, S.ACCEPTED, S.REOPENED}), None),
    "request_extension": (frozenset({S.ACCEPTED, S.REOPENED}), None),
    "approve_extension": (frozenset({S.ACCEPTED, S.REOPENED}), None),
    "refuse_extension": (frozenset({S.ACCEPTED, S.REOPENED}), None),
    "reply": (frozenset({S.ACCEPTED, S.REOPENED}), S.REPLIED),
    "reject": (frozenset({S.SUBMITTED, S.DISPATCH, S.ASSIGNED, S.ACCEPTED, S.REOPENED}), S.REJECTED),
    "rate": (frozenset({S.REPLIED}), S.CLOSED),
    "reopen": (frozenset({S.REPLIED, S.CLOSED}), S.REOPENED),  # a bad rating, or a bad callback of a closed one
    "autoclose": (frozenset({S.REPLIED}), S.CLOSED),
    "retopic": (frozenset({S.SUBMITTED, S.DISPATCH, S.ASSIGNED, S.ACCEPTED, S.REOPENED}), None),  # 更正领域
    "note": (frozenset({S.ASSIGNED, S.ACCEPTED, S.REOPENED, S.REPLIED, S.CLOSED, S.REJECTED, S.DISPATCH}), None),
    "handover": (frozenset({S.ASSIGNED, S.ACCEPTED, S.REOPENED}), None),
    "press": (frozenset({S.ASSIGNED, S.ACCEPTED, S.REOPENED}), None),  # 催办, before the deadline
    "supervise": (frozenset({S.ASSIGNED, S.ACCEPTED, S.REOPENED}), None),  # 督办, after it
    # 并单 (portal/tickets/merging.py): the repeat becomes `merged`, its master records it; the repeat's
    # business rates the master's reply on the repeat itself
    "merge": (frozenset({S.SUBMITTED, S.DISPATCH, S.ASSIGNED, S.ACCEPTED, S.REOPENED}), S.MERGED),
    "take_repeat": (frozenset({S.ASSIGNED, S.ACCEPTED, S.REOPENED, S.REPLIED, S.CLOSED}), None),
    "rate_merged": (frozenset({S.MERGED}), None),
    # co-handling (portal/tickets/cohandling.py): asked while a bureau holds the ticket; a task once asked
    # may still be answered (late) whatever became of the ticket
    "cohandle": (frozenset({S.ASSIGNED, S.ACCEPTED, S.REOPENED}), None),  # 商请协办
    "opinion": (frozenset({S.ASSIGNED, S.ACCEPTED, S.REOPENED, S.REPLIED, S.CLOSED, S.REJECTED}), None),
    "decline": (frozenset({S.ASSIGNED, S.ACCEPTED, S.REOPENED, S.REPLIED, S.CLOSED, S.REJECTED}), None),
    "callback": (frozenset({S.REPLIED, S.CLOSED}), None),  # 回访 by the supervising office
    # a bad rating's appeal (portal/tickets/appeals.py), whatever the ticket's state since
    "appeal": (frozenset({S.ASSIGNED, S.ACCEPTED, S.REOPENED, S.REPLIED, S.CLOSED, S.REJECTED, S.DISPATCH}), None),
    "decide_appeal": (frozenset({S.ASSIGNED, S.ACCEPTED, S.REOPENED, S.REPLIED, S.CLOSED, S.REJECTED, S.DISPATCH}), None),
    # A correction's page was revised (the content editor links the revision): the reporter is told
    "revise": (frozenset({S.ASSIGNED, S.ACCEPTED, S.REOPENED, S.REPLIED, S.CLOSED}), None),
}
ACTION_LABELS = {
    "file": "提交诉求", "route": "分送承办单位", "dispatch": "转县营商环境办分办", "sign": "签收",
    "return": "退回分办", "request_transfer": "申请转办", "approve_transfer": "同意转办", "refuse_transfer": "不同意转办",
    "request_extension": "申请延期", "approve_extension": "同意延期", "refuse_extension": "不同意延期",
    "reply": "答复", "reject": "不予受理", "rate": "评价", "reopen": "重新办理", "autoclose": "自动办结",
    "retopic": "更正领域", "note": "内部备注", "handover": "指派经办人", "press": "催办", "supervise": "督办",
    "merge": "并单", "take_repeat": "并入重复诉求", "rate_merged": "评价",
    "cohandle": "商请协办", "opinion": "协办意见", "decline": "拒绝协办", "callback": "回访",
    "appeal": "差评申诉", "decide_appeal": "复核差评申诉",
    "revise": "内容已更正",
}
name_actions({f"ticket_{action}": f"工单{label}" for action, label in ACTION_LABELS.items()}
             | {"ticket_note": "工单内部备注", "ticket_handover": "指派经办人",
                "template_save": "保存答复模板", "template_delete": "删除答复模板"})

# Built-in deadlines in working days; a rule for the topic wins over one for the bureau, which wins
# over one for the ticket type, which wins over these (DESIGN.md: sign in 1; reply in 3/5/10/15).
DEFAULT_DAYS = {
    "sign": 1,
    "reply": {TicketType.CONSULTATION: 3, TicketType.HELP: 5, TicketType.COMPLAINT: 10, TicketType.SUGGESTION: 15,
              TicketType.CORRECTION: 5},  # a correction: PORTAL_CORRECTION_REPLY_DAYS wins over this
    "autoclose": 5,
    "cohandle": 3,  # a co-bureau's answer (portal/tickets/cohandling.py)
}
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone
CODE_LENGTH = 12
# The retrieval code is 12 random symbols of 32 (60 bits) and tracking is rate-limited, so a slow
# password hash buys nothing and would cost ~150 ms of CPU per filing; a salted PBKDF2 of 1,000
# rounds is enough. Codes stored with werkzeug's scrypt before still check (the method is in the hash).
CODE_HASH = "pbkdf2:sha256:1000"
PEOPLE = ("staff", "supervisor", "admin")  # actors whose steps go into the audit log


def local_day(moment: dt.datetime) -> dt.date:
    return local(moment).date()


def deadline_days(session: Session, ticket: Ticket, clock: str, bureau: Bureau | None = None) -> int:
    """Working days for `clock` (sign, reply, autoclose, cohandle): topic rule, then bureau, then type,
    then default."""
    bureau = bureau or ticket.bureau
    candidates = [("topic", ticket.topic.code)] if ticket.topic is not None else []
    if bureau is not None:
        candidates.append(("bureau", bureau.code))
    candidates.append(("type", ticket.type.value))
    for scope, key in candidates:
        days = session.scalar(select(DeadlineRule.days).where(
            DeadlineRule.scope == scope, DeadlineRule.key == key, DeadlineRule.clock == clock))
        if days is not None:
            return days
    if clock == "reply" and ticket.type is TicketType.CORRECTION and has_app_context():
        return current_app.config["CORRECTION_REPLY_DAYS"]
    default = DEFAULT_DAYS[clock]
    return default[ticket.type] if isinstance(default, dict) else default


def allowed(ticket: Ticket, action: str) -> None:
    """Refuse, before anything is changed, an action the transitions table does not allow now."""
    if ticket.state not in TRANSITIONS[action][0]:
        label = ticket.state.label if ticket.state else "新建"
        raise Refused(f"工单当前状态为“{label}”，不能{ACTION_LABELS[action]}。")


def move(ticket: Ticket, action: str, actor: Actor, *, to_state: TicketState | None = None,
         public_text: str = "", note: str = "", detail: str | None = None) -> TicketEvent:
    """Apply one allowed transition and append its event, with the deadline running until now;
    refuse anything the table does not allow. A person's step is also written to the audit log
    (`detail`: what the line says, by default the internal note)."""
    allowed(ticket, action)
    current = ticket.state
    target = to_state or TRANSITIONS[action][1] or current
    event = TicketEvent(
        action=action, actor_kind=actor.kind, actor_name=actor.name,
        bureau=actor.bureau or ticket.bureau, user_id=actor.user_id, from_state=current, to_state=target,
        public_text=public_text, internal_note=note, at=now(), due=ticket.running_due,
    )
    ticket.events.append(event)
    ticket.state = target
    if actor.kind in PEOPLE:
        session = object_session(ticket)
        if session is not None:
            audit(session, actor, f"ticket_{action}", target=ticket.number or "",
                  detail=(note if detail is None else detail)[:500])
    return event


def next_number(session: Session, day: dt.date) -> str:
    """The day's next tracking number, e.g. 20261126-0007. The day's counter row is created if
    missing (a concurrent creator is ignored, not an error) and then incremented under its row lock,
    so concurrent filings on several workers never share a number."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(TicketCounter).values(day=day, value=0).on_conflict_do_nothing())
    value = session.execute(
        update(TicketCounter).where(TicketCounter.day == day).values(value=TicketCounter.value + 1)
        .returning(TicketCounter.value)
    ).scalar_one()
    return f"{day:%Y%m%d}-{value:04d}"


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def check_code(ticket: Ticket | None, code: str) -> bool:
    """Whether `code` opens `ticket`; an unknown ticket costs the same time as a wrong code."""
    normalized = (code or "").strip().upper()
    if ticket is None:
        check_password_hash(_DUMMY_HASH, normalized)
        return False
    return check_password_hash(ticket.code_hash, normalized)


_DUMMY_HASH = generate_password_hash("not-a-real-code", method=CODE_HASH)


@dataclass(frozen=True)
class TicketInput:
    """A filing whose every field has been checked."""

    type: TicketType
    topic: Topic | None
    guide: Guide | None
    subject: str
    description: str
    company_name: str
    credit_code: str
    contact_name: str
    phone: str
    email: str
    publish: bool
    confidential: bool = False  # 保密件: the holding bureau is not told who the business is
    # A correction (纠错): what is wrong, the policy or page it is about, and the bureau that owns it
    problem: Problem | None = None
    policy: Policy | None = None
    page: str = ""
    owner: Bureau | None = None
    lang: str = "zh"  # the filer's language: the ticket's mail is written in it


def file_ticket(session: Session, data: TicketInput, actor: Actor = BUSINESS, channel: Channel = Channel.WEB,
                received_at: dt.datetime | None = None, note: str = "") -> tuple[Ticket, str]:
    """Store a filing and route it: to the topic's lead bureau, or to the dispatch queue. Returns the
    ticket and its retrieval code, which is stored only hashed and shown (and mailed) once. Every
    channel comes through here: the web form and the API by themselves, Open311 with its key's
    channel, staff with what they took by phone, letter or visit (`received_at`, when it came;
    `note`, internal, such as how consent was given)."""
    moment = now()
    if received_at is not None:  # stored as the instant in UTC: SQLite keeps no zone
        received_at = received_at.astimezone(dt.timezone.utc)
    code = new_code()
    ticket = Ticket(
        number=next_number(session, local_day(moment)), code_hash=generate_password_hash(code, method=CODE_HASH),
        type=data.type, topic=data.topic, guide=data.guide, subject=data.subject,
        description=data.description, company_name=data.company_name, credit_code=data.credit_code,
        contact_name=data.contact_name, phone=data.phone, email=data.email, publish=data.publish,
        lang=data.lang, consented_at=received_at or moment, created_at=moment, state=None,
        channel=channel, received_at=received_at or moment, confidential=data.confidential,
        problem=data.problem, policy=data.policy, page=data.page,
    )
    session.add(ticket)
    how = "" if channel in (Channel.WEB, Channel.API) else f"（{channel.label}）"
    move(ticket, "file", actor, public_text=f"已收到您的{data.type.label}{how}：{data.subject}", note=note)
    lead = data.owner or (data.topic.lead if data.topic is not None else None)  # a correction: the page's owner
    if lead is not None:
        assign(session, ticket, lead, SYSTEM, "route")
    else:
        move(ticket, "dispatch", SYSTEM, public_text="该领域未明确牵头单位，由县营商环境办分办。")
    queue_mail(session, data.email, "mail/ticket_filed.txt", ticket=ticket, code=code, lang=ticket.lang)
    return ticket, code


def assign(session: Session, ticket: Ticket, bureau: Bureau, actor: Actor, action: str = "route",
           note: str = "") -> None:
    """Hand the ticket to `bureau` and start its sign and reply clocks. The event keeps the deadline
    the previous holder was running, so a late transfer stays late."""
    allowed(ticket, action)
    calendar = Calendar.load(session)
    moment = now()
    event = move(ticket, action, actor, note=note)
    event.bureau = ticket.bureau = bureau
    ticket.assigned_at = moment
    start = local_day(moment)
    ticket.sign_due = calendar.add(start, deadline_days(session, ticket, "sign", bureau))
    ticket.reply_due = calendar.add(start, deadline_days(session, ticket, "reply", bureau))
    ticket.pending_transfer_to = None
    ticket.assignee = None
    event.public_text = f"已交由{bureau.name}办理，答复期限 {chinese_date(ticket.reply_due)}。"


def sign(session: Session, ticket: Ticket, actor: Actor) -> None:
    """The holder bureau takes responsibility (签收); the signer is its handler until someone else is named."""
    move(ticket, "sign", actor, public_text=f"{ticket.bureau.name}已签收，正在办理。")
    if ticket.assignee_id is None and actor.user_id is not None:
        ticket.assignee_id = actor.user_id


def add_note(session: Session, ticket: Ticket, actor: Actor, text: str) -> None:
    """An internal note: seen by the holder bureau and the supervisor, never by the business."""
    text = plain(text, "备注", 2000, "body")
    if not text:
        raise Invalid("备注内容不能为空。", "body")
    move(ticket, "note", actor, note=text, detail="")


def hand_over(session: Session, ticket: Ticket, actor: Actor, assignee) -> None:
    """Name the colleague who handles the ticket; only an active account of the holder bureau."""
    allowed(ticket, "handover")
    if (assignee is None or not assignee.active or assignee.bureau_id != ticket.bureau_id
            or not assignee.role.needs_bureau):
        raise Invalid("经办人须为本单位在用账号。", "assignee")
    if assignee.id == ticket.assignee_id:
        raise Invalid(f"该工单的经办人已是{assignee.display_name}。", "assignee")
    ticket.assignee = assignee
    move(ticket, "handover", actor, note=f"指派经办人：{assignee.display_name}", detail=assignee.username)


def _drop_requests(ticket: Ticket) -> None:
    """A reply, a rejection or a return ends whatever transfer or extension was still waiting."""
    ticket.pending_transfer_to = None
    ticket.transfer_requested = False
    ticket.pending_extension_days = None


def clause(text: str) -> str:
    """A typed sentence made a clause of a longer one: its closing punctuation dropped, so that
    clauses join as “甲；乙” and never as “甲。；乙”."""
    return text.rstrip("。；;，,.！!？? \n")


def return_to_dispatch(session: Session, ticket: Ticket, actor: Actor, reason: str, duty: str) -> None:
    """Send a misrouted ticket back before signing; the reason and the duty it rests on are required."""
    reason, duty = plain(reason, "退回理由", 2000, "reason"), plain(duty, "职责依据", 2000, "body")
    if not reason or not duty:
        raise Invalid("退回须写明理由和所依据的职责。", "reason" if not reason else "body")
    move(ticket, "return", actor, public_text="承办单位认为不属其职责，已退回县营商环境办重新分办。",
         note=f"退回理由：{clause(reason)}；职责依据：{clause(duty)}。", detail=reason)
    ticket.bureau = None
    ticket.assignee = None
    _drop_requests(ticket)
    ticket.sign_due = ticket.reply_due = None


def correct_topic(session: Session, ticket: Ticket, actor: Actor, topic: Topic | None) -> TicketEvent | None:
    """Put a ticket filed under the wrong topic under the right one (the supervisor when routing, the
    holder bureau when it asks for a transfer): an event the business sees, under the office's or the
    bureau's name. The same topic again records nothing."""
    if topic is None:
        raise Invalid("请选择领域。", "topic")
    if topic == ticket.topic:
        return None
    allowed(ticket, "retopic")
    old = ticket.topic
    was, was_code = (old.name, old.code) if old is not None else ("未选", "-")
    event = move(ticket, "retopic", actor, public_text=f"领域由“{was}”更正为“{topic.name}”。",
                 detail=f"{was_code} → {topic.code}")
    ticket.topic = topic
    return event


def waiting(ticket: Ticket, action: str, today: dt.date) -> str | None:
    """Why a request its state allows must still wait: one already pending, or the reply deadline
    passed for an extension. The workspace offers no form for it either."""
    if action == "request_transfer" and ticket.transfer_requested:
        return "该工单已有待审批的转办申请。"
    if action == "request_extension":
        if ticket.pending_extension_days:
            return "该工单已有待审批的延期申请。"
        if ticket.reply_due is not None and today > ticket.reply_due:
            return "已超过答复期限，不能再申请延期。"
    return None


def request_transfer(session: Session, ticket: Ticket, actor: Actor, to: Bureau | None, reason: str,
                     topic: Topic | None = None) -> None:
    """Ask the supervisor to move the ticket to another bureau (suggested, or left to the supervisor),
    putting its topic right on the way when it was filed under the wrong one."""
    allowed(ticket, "request_transfer")
    if refusal := waiting(ticket, "request_transfer", local_day(now())):
        raise Refused(refusal)
    if to is not None and to == ticket.bureau:
        raise Invalid("转办单位不能是当前承办单位。", "bureau")
    reason = plain(reason, "转办理由", 2000, "reason")
    if not reason:
        raise Invalid("申请转办须写明理由。", "reason")
    if topic is not None:
        correct_topic(session, ticket, actor, topic)
    where = f"转至{to.name}" if to is not None else "转办（由县营商环境办确定承办单位）"
    move(ticket, "request_transfer", actor, note=f"申请{where}：{reason}")
    ticket.pending_transfer_to = to
    ticket.transfer_requested = True


def decide_transfer(session: Session, ticket: Ticket, actor: Actor, approve: bool, reason: str,
                    to: Bureau | None = None) -> None:
    """The supervisor approves (the ticket goes to the suggested or another bureau, clocks restart) or refuses."""
    if not ticket.transfer_requested:
        raise Refused("该工单没有待审批的转办申请。")
    allowed(ticket, "approve_transfer" if approve else "refuse_transfer")
    reason = plain(reason, "审批意见", 2000, "reason")
    if not reason:
        raise Invalid("审批转办申请须写明意见。", "reason")
    to = to or ticket.pending_transfer_to
    if approve and to is None:
        raise Invalid("请选择转办的承办单位。", "bureau")
    if approve and to == ticket.bureau:
        raise Invalid("转办单位不能是当前承办单位。", "bureau")
    ticket.transfer_requested = False
    if approve:
        assign(session, ticket, to, actor, "approve_transfer", note=reason)
        queue_mail(session, ticket.email, "mail/ticket_transferred.txt", ticket=ticket, lang=ticket.lang)
    else:
        move(ticket, "refuse_transfer", actor, note=reason)
        ticket.pending_transfer_to = None


def request_extension(session: Session, ticket: Ticket, actor: Actor, days: int, reason: str, today: dt.date) -> None:
    """Ask for more working days, before the reply deadline has passed."""
    allowed(ticket, "request_extension")
    if refusal := waiting(ticket, "request_extension", today):
        raise Refused(refusal)
    if not 1 <= days <= 30:
        raise Invalid("延期天数应为 1 至 30 个工作日。", "days")
    reason = plain(reason, "延期理由", 2000, "reason")
    if not reason:
        raise Invalid("申请延期须写明理由。", "reason")
    move(ticket, "request_extension", actor, note=f"申请延期 {days} 个工作日：{reason}")
    ticket.pending_extension_days = days


def decide_extension(session: Session, ticket: Ticket, actor: Actor, approve: bool, reason: str) -> None:
    """Approved: the reply deadline moves and the business is told why."""
    days = ticket.pending_extension_days
    if not days:
        raise Refused("该工单没有待审批的延期申请。")
    allowed(ticket, "approve_extension" if approve else "refuse_extension")
    reason = plain(reason, "审批意见", 2000, "reason")
    if approve and not reason:
        raise Invalid("同意延期须写明告知企业的原因。", "reason")
    if not reason:
        raise Invalid("不同意延期须写明理由。", "reason")
    if approve:
        ticket.reply_due = Calendar.load(session).add(ticket.reply_due, days)
        move(ticket, "approve_extension", actor, detail=reason,
             public_text=f"经批准，答复期限延长至 {chinese_date(ticket.reply_due)}。原因：{reason}")
        queue_mail(session, ticket.email, "mail/ticket_extended.txt", ticket=ticket, reason=reason, lang=ticket.lang)
    else:
        move(ticket, "refuse_extension", actor, note=reason)
    ticket.pending_extension_days = None


def reply(session: Session, ticket: Ticket, actor: Actor, text: str) -> None:
    """The bureau's answer, shown under the bureau's name and mailed to the business; not while a
    co-bureau's task is open and not yet past its deadline."""
    from portal.tickets.cohandling import hold_reply  # co-handling builds on this module: imported when used

    text = plain(text, "答复内容", 10000, "body")
    if len(text) < 10:
        raise Invalid("答复内容至少 10 个字。", "body")
    allowed(ticket, "reply")
    hold_reply(ticket, local_day(now()))
    move(ticket, "reply", actor, public_text=text)
    _drop_requests(ticket)
    ticket.replied_at = now()
    queue_mail(session, ticket.email, "mail/ticket_replied.txt", ticket=ticket, text=text, lang=ticket.lang)
    for repeat in ticket.repeats:  # 并单: one reply reaches every business that asked
        queue_mail(session, repeat.email, "mail/ticket_merged_replied.txt", ticket=repeat, master=ticket, text=text,
                   lang=repeat.lang)


def tell_revised(session: Session, ticket: Ticket, actor: Actor, what: str, path: str) -> None:
    """The page a correction is about was revised (a published revision linked to it): the reporter
    sees it in the ticket's timeline and is mailed when they left an address."""
    if ticket.type is not TicketType.CORRECTION:
        raise Invalid(f"工单 {ticket.number} 不是纠错工单。", "correction")
    move(ticket, "revise", actor, detail=what,
         public_text=f"{actor.bureau.name if actor.bureau else '本站'}已根据您的纠错更正{what}（{chinese_date(local_day(now()))}）。")
    queue_mail(session, ticket.email, "mail/correction_revised.txt", ticket=ticket, what=what, path=path)


def reject(session: Session, ticket: Ticket, actor: Actor, reason: str) -> None:
    """Not admissible (in litigation, arbitration or 信访; a repeat with no new facts): the reason is shown."""
    reason = plain(reason, "不予受理理由", 2000, "reason")
    if not reason:
        raise Invalid("不予受理须写明理由。", "reason")
    move(ticket, "reject", actor, public_text=f"不予受理：{reason}", detail=reason)
    _drop_requests(ticket)
    ticket.closed_at = now()


def rate(session: Session, ticket: Ticket, score: Score, comment: str, actor: Actor = BUSINESS) -> None:
    """A rating closes the ticket; the first bad one reopens it for a redo and flags it to the supervisor."""
    allowed(ticket, "rate")
    comment = plain(comment, "评价意见", 1000, "comment")
    session.add(Rating(ticket=ticket, bureau_id=ticket.bureau_id, score=score, comment=comment, at=now()))
    if score.bad:
        ticket.flagged = True
    if score.bad and ticket.reopen_count == 0:
        move(ticket, "rate", actor, to_state=S.REPLIED, public_text=f"评价：{score.label}")
        reopen(session, ticket, f"因评价为“{score.label}”", f"您对答复的评价为“{score.label}”")
    else:
        move(ticket, "rate", actor, public_text=f"评价：{score.label}")
        ticket.closed_at = now()


def reopen(session: Session, ticket: Ticket, cause: str, told: str) -> None:
    """Send a replied or closed ticket back to its bureau for a redo (once: callers check
    `reopen_count`), with a new reply deadline, flagged for the supervisor; the business is told why
    (`cause` in its timeline, `told` in its mail)."""
    ticket.reopen_count += 1
    ticket.flagged = True
    ticket.closed_at = None
    ticket.reply_due = Calendar.load(session).add(local_day(now()), deadline_days(session, ticket, "reply"))
    move(ticket, "reopen", SYSTEM,
         public_text=f"{cause}，已交{ticket.bureau.name}重新办理，答复期限 {chinese_date(ticket.reply_due)}。")
    queue_mail(session, ticket.email, "mail/ticket_reopened.txt", ticket=ticket, told=told, lang=ticket.lang)


def autoclose(session: Session, today: dt.date) -> list[Ticket]:
    """Close every replied ticket left unrated for the configured working days (safe to run again)."""
    calendar = Calendar.load(session)
    closed = []
    for ticket in session.scalars(select(Ticket).where(Ticket.state == S.REPLIED).order_by(Ticket.id)):
        if ticket.replied_at is None:
            continue
        due = calendar.add(local_day(ticket.replied_at), deadline_days(session, ticket, "autoclose"))
        if today > due:
            move(ticket, "autoclose", SYSTEM, public_text="答复后逾期未评价，系统自动办结。")
            ticket.closed_at = now()
            closed.append(ticket)
    return closed


def save_reply_template(session: Session, actor: Actor, template_id: int | None, title: str,
                        body: str) -> ReplyTemplate:
    """Add a reply template to the actor's bureau, or change one of its own; titles are unique per bureau."""
    bureau = actor.bureau
    title, body = (title or "").strip(), (body or "").replace("\r\n", "\n").strip()
    errors: dict[str, list[str]] = {}
    if not 2 <= len(title) <= 60:
        errors["title"] = ["模板名称为 2 至 60 字。"]
    if not 10 <= len(body) <= 5000:
        errors["body"] = ["模板内容为 10 至 5000 字。"]
    for name, value in (("title", title), ("body", body)):
        if CONTROL.search(value):
            errors[name] = ["含有不可见的控制字符，请删除后重试。"]
    existing = None
    if template_id is not None:
        existing = session.get(ReplyTemplate, template_id)
        if existing is None or existing.bureau_id != bureau.id:
            raise NotFound("没有这个答复模板。")
    clash = None if errors else session.scalars(select(ReplyTemplate).where(
        ReplyTemplate.bureau_id == bureau.id, ReplyTemplate.title == title)).one_or_none()
    if clash is not None and clash is not existing:
        errors["title"] = ["本单位已有同名模板。"]
    if errors:
        raise InvalidFields(errors)
    template = existing or ReplyTemplate(bureau=bureau)
    template.title, template.body = title, body
    template.updated_at, template.updated_by = now(), actor.name
    session.add(template)
    try:
        session.flush()
    except IntegrityError:  # the same title saved at the same moment by a colleague
        raise InvalidFields({"title": ["本单位已有同名模板。"]}) from None
    audit(session, actor, "template_save", target=title)
    return template


def delete_reply_template(session: Session, actor: Actor, template_id: int) -> str:
    """Remove one of the actor's bureau's reply templates; returns its title."""
    template = session.get(ReplyTemplate, template_id)
    if template is None or template.bureau_id != actor.bureau_id:
        raise NotFound("没有这个答复模板。")
    session.delete(template)
    audit(session, actor, "template_delete", target=template.title)
    return template.title
