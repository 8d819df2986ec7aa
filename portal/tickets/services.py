"""The ticket lifecycle: every state change goes through `_move`, which checks the transitions
table and appends the event in the same transaction. Callers commit."""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from portal.catalog.content import CONTROL
from portal.catalog.models import Bureau, Guide, Topic
from portal.clock import local, now
from portal.mail import queue_mail
from portal.tickets.models import (
    DeadlineRule,
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
    "reopen": (frozenset({S.REPLIED}), S.REOPENED),
    "autoclose": (frozenset({S.REPLIED}), S.CLOSED),
    "note": (frozenset({S.ASSIGNED, S.ACCEPTED, S.REOPENED, S.REPLIED, S.CLOSED, S.REJECTED, S.DISPATCH}), None),
    "handover": (frozenset({S.ASSIGNED, S.ACCEPTED, S.REOPENED}), None),
    "press": (frozenset({S.ASSIGNED, S.ACCEPTED, S.REOPENED}), None),  # 催办, before the deadline
    "supervise": (frozenset({S.ASSIGNED, S.ACCEPTED, S.REOPENED}), None),  # 督办, after it
}
ACTION_LABELS = {
    "file": "提交诉求", "route": "分送承办单位", "dispatch": "转县营商环境办分办", "sign": "签收",
    "return": "退回分办", "request_transfer": "申请转办", "approve_transfer": "同意转办", "refuse_transfer": "不同意转办",
    "request_extension": "申请延期", "approve_extension": "同意延期", "refuse_extension": "不同意延期",
    "reply": "答复", "reject": "不予受理", "rate": "评价", "reopen": "重新办理", "autoclose": "自动办结",
    "note": "内部备注", "handover": "指派经办人", "press": "催办", "supervise": "督办",
}

# Built-in deadlines in working days; a rule for the topic wins over one for the bureau, which wins
# over one for the ticket type, which wins over these (DESIGN.md: sign in 1; reply in 3/5/10/15).
DEFAULT_DAYS = {
    "sign": 1,
    "reply": {TicketType.CONSULTATION: 3, TicketType.HELP: 5, TicketType.COMPLAINT: 10, TicketType.SUGGESTION: 15},
    "autoclose": 5,
}
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone
CODE_LENGTH = 12
# The retrieval code is 12 random symbols of 32 (60 bits) and tracking is rate-limited, so a slow
# password hash buys nothing and would cost ~150 ms of CPU per filing; a salted PBKDF2 of 1,000
# rounds is enough. Codes stored with werkzeug's scrypt before still check (the method is in the hash).
CODE_HASH = "pbkdf2:sha256:1000"


class TicketError(Exception):
    """A request the ticket's rules refuse now (409); the message is shown to the person who asked."""

    status = 409

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidRequest(TicketError):
    """A request missing what the rules need (a reason, a duty, a text): the asker's input is wrong (400)."""

    status = 400


@dataclass(frozen=True)
class Actor:
    """Who acts: a business (by its code), bureau staff, the supervising office or the system."""

    kind: str
    name: str = ""
    bureau: Bureau | None = None
    user_id: int | None = None  # the staff account, kept in the event; never shown to the business


BUSINESS = Actor("business")
SYSTEM = Actor("system")


def local_day(moment: dt.datetime) -> dt.date:
    return local(moment).date()


def deadline_days(session: Session, ticket: Ticket, clock: str, bureau: Bureau | None = None) -> int:
    """Working days for `clock` (sign, reply, autoclose): topic rule, then bureau, then type, then default."""
    bureau = bureau or ticket.bureau
    candidates = [("topic", ticket.topic.code)]
    if bureau is not None:
        candidates.append(("bureau", bureau.code))
    candidates.append(("type", ticket.type.value))
    for scope, key in candidates:
        days = session.scalar(select(DeadlineRule.days).where(
            DeadlineRule.scope == scope, DeadlineRule.key == key, DeadlineRule.clock == clock))
        if days is not None:
            return days
    default = DEFAULT_DAYS[clock]
    return default[ticket.type] if isinstance(default, dict) else default


def plain(value: str, label: str, max_len: int) -> str:
    """Text staff typed, stripped: refused (400) when too long or holding control characters, never cut."""
    value = (value or "").replace("\r\n", "\n").strip()
    if len(value) > max_len:
        raise InvalidRequest(f"{label}最多 {max_len} 字，现有 {len(value)} 字。")
    if CONTROL.search(value):
        raise InvalidRequest(f"{label}含有不可见的控制字符，请删除后重试。")
    return value


def allowed(ticket: Ticket, action: str) -> None:
    """Refuse, before anything is changed, an action the transitions table does not allow now."""
    if ticket.state not in TRANSITIONS[action][0]:
        label = ticket.state.label if ticket.state else "新建"
        raise TicketError(f"工单当前状态为“{label}”，不能{ACTION_LABELS[action]}。")


def _move(session: Session, ticket: Ticket, action: str, actor: Actor, *, to_state: TicketState | None = None,
          public_text: str = "", note: str = "") -> TicketEvent:
    """Apply one allowed transition and append its event; refuse anything the table does not allow."""
    allowed(ticket, action)
    current = ticket.state
    target = to_state or TRANSITIONS[action][1] or current
    running = ticket.sign_due if current is S.ASSIGNED else ticket.reply_due if current in (S.ACCEPTED, S.REOPENED) else None
    event = TicketEvent(
        action=action, actor_kind=actor.kind, actor_name=actor.name,
        bureau=actor.bureau or ticket.bureau, user_id=actor.user_id, from_state=current, to_state=target,
        public_text=public_text, internal_note=note, at=now(), due=running,
    )
    ticket.events.append(event)
    ticket.state = target
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
    topic: Topic
    guide: Guide | None
    subject: str
    description: str
    company_name: str
    credit_code: str
    contact_name: str
    phone: str
    email: str
    publish: bool


def file_ticket(session: Session, data: TicketInput, track_url: str) -> tuple[Ticket, str]:
    """Store a filing and route it: to the topic's lead bureau, or to the dispatch queue."""
    moment = now()
    code = new_code()
    ticket = Ticket(
        number=next_number(session, local_day(moment)), code_hash=generate_password_hash(code, method=CODE_HASH),
        type=data.type, topic=data.topic, guide=data.guide, subject=data.subject,
        description=data.description, company_name=data.company_name, credit_code=data.credit_code,
        contact_name=data.contact_name, phone=data.phone, email=data.email, publish=data.publish,
        consented_at=moment, created_at=moment, state=None,
    )
    session.add(ticket)
    _move(session, ticket, "file", BUSINESS, public_text=f"已收到您的{data.type.label}：{data.subject}")
    if data.topic.lead is not None:
        assign(session, ticket, data.topic.lead, SYSTEM, "route")
    else:
        _move(session, ticket, "dispatch", SYSTEM, public_text="该领域未明确牵头单位，由县营商环境办分办。")
    queue_mail(session, data.email, f"您的{data.type.label}已受理（流水号 {ticket.number}）",
               _filing_mail(ticket, code, track_url))
    return ticket, code


def assign(session: Session, ticket: Ticket, bureau: Bureau, actor: Actor, action: str = "route",
           note: str = "") -> None:
    """Hand the ticket to `bureau` and start its sign and reply clocks."""
    allowed(ticket, action)
    calendar = Calendar.load(session)
    moment = now()
    # the deadline the previous holder was running, for the event (a late transfer stays late)
    running = ticket.sign_due if ticket.state is S.ASSIGNED else (
        ticket.reply_due if ticket.state in (S.ACCEPTED, S.REOPENED) else None)
    ticket.bureau = bureau
    ticket.assigned_at = moment
    start = local_day(moment)
    ticket.sign_due = calendar.add(start, deadline_days(session, ticket, "sign", bureau))
    ticket.reply_due = calendar.add(start, deadline_days(session, ticket, "reply", bureau))
    ticket.pending_transfer_to = None
    ticket.assignee = None
    event = _move(session, ticket, action, actor, note=note,
                  public_text=f"已交由{bureau.name}办理，答复期限 {ticket.reply_due:%Y年%m月%d日}。")
    event.due = running


def sign(session: Session, ticket: Ticket, actor: Actor) -> None:
    """The holder bureau takes responsibility (签收); the signer is its handler until someone else is named."""
    _move(session, ticket, "sign", actor, public_text=f"{ticket.bureau.name}已签收，正在办理。")
    if ticket.assignee_id is None and actor.user_id is not None:
        ticket.assignee_id = actor.user_id


def add_note(session: Session, ticket: Ticket, actor: Actor, text: str) -> None:
    """An internal note: seen by the holder bureau and the supervisor, never by the business."""
    text = plain(text, "备注", 2000)
    if not text:
        raise InvalidRequest("备注内容不能为空。")
    _move(session, ticket, "note", actor, note=text)


def hand_over(session: Session, ticket: Ticket, actor: Actor, assignee) -> None:
    """Name the colleague who handles the ticket; only an active account of the holder bureau."""
    allowed(ticket, "handover")
    if (assignee is None or not assignee.active or assignee.bureau_id != ticket.bureau_id
            or not assignee.role.needs_bureau):
        raise InvalidRequest("经办人须为本单位在用账号。")
    if assignee.id == ticket.assignee_id:
        raise InvalidRequest(f"该工单的经办人已是{assignee.display_name}。")
    ticket.assignee = assignee
    _move(session, ticket, "handover", actor, note=f"指派经办人：{assignee.display_name}")


def _drop_requests(ticket: Ticket) -> None:
    """A reply, a rejection or a return ends whatever transfer or extension was still waiting."""
    ticket.pending_transfer_to = None
    ticket.transfer_requested = False
    ticket.pending_extension_days = None


def return_to_dispatch(session: Session, ticket: Ticket, actor: Actor, reason: str, duty: str) -> None:
    """Send a misrouted ticket back before signing; the reason and the duty it rests on are required."""
    reason, duty = plain(reason, "退回理由", 2000), plain(duty, "职责依据", 2000)
    if not reason or not duty:
        raise InvalidRequest("退回须写明理由和所依据的职责。")
    _move(session, ticket, "return", actor, public_text="承办单位认为不属其职责，已退回县营商环境办重新分办。",
          note=f"退回理由：{reason}；职责依据：{duty}")
    ticket.bureau = None
    ticket.assignee = None
    _drop_requests(ticket)
    ticket.sign_due = ticket.reply_due = None


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


def request_transfer(session: Session, ticket: Ticket, actor: Actor, to: Bureau | None, reason: str) -> None:
    """Ask the supervisor to move the ticket to another bureau (suggested, or left to the supervisor)."""
    allowed(ticket, "request_transfer")
    if refusal := waiting(ticket, "request_transfer", local_day(now())):
        raise TicketError(refusal)
    if to is not None and to == ticket.bureau:
        raise InvalidRequest("转办单位不能是当前承办单位。")
    reason = plain(reason, "转办理由", 2000)
    if not reason:
        raise InvalidRequest("申请转办须写明理由。")
    where = f"转至{to.name}" if to is not None else "转办（由县营商环境办确定承办单位）"
    _move(session, ticket, "request_transfer", actor, note=f"申请{where}：{reason}")
    ticket.pending_transfer_to = to
    ticket.transfer_requested = True


def decide_transfer(session: Session, ticket: Ticket, actor: Actor, approve: bool, reason: str,
                    to: Bureau | None = None) -> None:
    """The supervisor approves (the ticket goes to the suggested or another bureau, clocks restart) or refuses."""
    if not ticket.transfer_requested:
        raise TicketError("该工单没有待审批的转办申请。")
    allowed(ticket, "approve_transfer" if approve else "refuse_transfer")
    reason = plain(reason, "审批意见", 2000)
    if not reason:
        raise InvalidRequest("审批转办申请须写明意见。")
    to = to or ticket.pending_transfer_to
    if approve and to is None:
        raise InvalidRequest("请选择转办的承办单位。")
    if approve and to == ticket.bureau:
        raise InvalidRequest("转办单位不能是当前承办单位。")
    ticket.transfer_requested = False
    if approve:
        assign(session, ticket, to, actor, "approve_transfer", note=reason)
        queue_mail(session, ticket.email, f"您的诉求已转交{to.name}办理（流水号 {ticket.number}）",
                   f"{ticket.contact_name}：\n\n您的诉求“{ticket.subject}”经县营商环境办同意，转交{to.name}办理，"
                   f"答复期限 {ticket.reply_due:%Y年%m月%d日}。\n\n会宁县营商环境服务平台\n")
    else:
        _move(session, ticket, "refuse_transfer", actor, note=reason)
        ticket.pending_transfer_to = None


def request_extension(session: Session, ticket: Ticket, actor: Actor, days: int, reason: str, today: dt.date) -> None:
    """Ask for more working days, before the reply deadline has passed."""
    allowed(ticket, "request_extension")
    if refusal := waiting(ticket, "request_extension", today):
        raise TicketError(refusal)
    if not 1 <= days <= 30:
        raise InvalidRequest("延期天数应为 1 至 30 个工作日。")
    reason = plain(reason, "延期理由", 2000)
    if not reason:
        raise InvalidRequest("申请延期须写明理由。")
    _move(session, ticket, "request_extension", actor, note=f"申请延期 {days} 个工作日：{reason}")
    ticket.pending_extension_days = days


def decide_extension(session: Session, ticket: Ticket, actor: Actor, approve: bool, reason: str) -> None:
    """Approved: the reply deadline moves and the business is told why."""
    days = ticket.pending_extension_days
    if not days:
        raise TicketError("该工单没有待审批的延期申请。")
    allowed(ticket, "approve_extension" if approve else "refuse_extension")
    reason = plain(reason, "审批意见", 2000)
    if approve and not reason:
        raise InvalidRequest("同意延期须写明告知企业的原因。")
    if not reason:
        raise InvalidRequest("不同意延期须写明理由。")
    if approve:
        ticket.reply_due = Calendar.load(session).add(ticket.reply_due, days)
        _move(session, ticket, "approve_extension", actor,
              public_text=f"经批准，答复期限延长至 {ticket.reply_due:%Y年%m月%d日}。原因：{reason.strip()}")
        queue_mail(session, ticket.email, f"您的诉求答复期限已延长（流水号 {ticket.number}）",
                   f"{ticket.contact_name}：\n\n您的诉求“{ticket.subject}”经县营商环境办批准，答复期限延长至"
                   f"{ticket.reply_due:%Y年%m月%d日}。\n原因：{reason.strip()}\n\n会宁县营商环境服务平台\n")
    else:
        _move(session, ticket, "refuse_extension", actor, note=reason)
    ticket.pending_extension_days = None


def reply(session: Session, ticket: Ticket, actor: Actor, text: str, track_url: str) -> None:
    """The bureau's answer, shown under the bureau's name and mailed to the business."""
    text = plain(text, "答复内容", 10000)
    if len(text) < 10:
        raise InvalidRequest("答复内容至少 10 个字。")
    _move(session, ticket, "reply", actor, public_text=text)
    _drop_requests(ticket)
    ticket.replied_at = now()
    queue_mail(session, ticket.email, f"您的诉求已答复（流水号 {ticket.number}）",
               f"{ticket.contact_name}：\n\n{ticket.bureau.name}已答复您的诉求“{ticket.subject}”：\n\n{text}\n\n"
               f"请凭流水号和提取码查看并评价：{track_url}\n")


def reject(session: Session, ticket: Ticket, actor: Actor, reason: str) -> None:
    """Not admissible (in litigation, arbitration or 信访; a repeat with no new facts): the reason is shown."""
    reason = plain(reason, "不予受理理由", 2000)
    if not reason:
        raise InvalidRequest("不予受理须写明理由。")
    _move(session, ticket, "reject", actor, public_text=f"不予受理：{reason}")
    _drop_requests(ticket)
    ticket.closed_at = now()


def rate(session: Session, ticket: Ticket, score: Score, comment: str, track_url: str) -> None:
    """A rating closes the ticket; the first bad one reopens it for a redo and flags it to the supervisor."""
    allowed(ticket, "rate")
    comment = comment.replace("\r\n", "\n").strip()
    if len(comment) > 1000:
        raise InvalidRequest("评价意见最多 1000 个字。")
    if CONTROL.search(comment):
        raise InvalidRequest("评价意见含有不可见的控制字符。")
    session.add(Rating(ticket=ticket, bureau_id=ticket.bureau_id, score=score, comment=comment.strip(), at=now()))
    if score.bad:
        ticket.flagged = True
    if score.bad and ticket.reopen_count == 0:
        _move(session, ticket, "rate", BUSINESS, to_state=S.REPLIED, public_text=f"评价：{score.label}")
        ticket.reopen_count += 1
        calendar = Calendar.load(session)
        ticket.reply_due = calendar.add(local_day(now()), deadline_days(session, ticket, "reply"))
        _move(session, ticket, "reopen", SYSTEM,
              public_text=f"因评价为“{score.label}”，已交{ticket.bureau.name}重新办理，答复期限 {ticket.reply_due:%Y年%m月%d日}。")
        queue_mail(session, ticket.email, f"您的诉求已重新办理（流水号 {ticket.number}）",
                   f"{ticket.contact_name}：\n\n您对答复的评价为“{score.label}”，诉求已交{ticket.bureau.name}重新办理，"
                   f"并报县营商环境办督办。\n\n查看进度：{track_url}\n")
    else:
        _move(session, ticket, "rate", BUSINESS, public_text=f"评价：{score.label}")
        ticket.closed_at = now()


def autoclose(session: Session, today: dt.date) -> list[Ticket]:
    """Close every replied ticket left unrated for the configured working days (safe to run again)."""
    calendar = Calendar.load(session)
    closed = []
    for ticket in session.scalars(select(Ticket).where(Ticket.state == S.REPLIED).order_by(Ticket.id)):
        if ticket.replied_at is None:
            continue
        due = calendar.add(local_day(ticket.replied_at), deadline_days(session, ticket, "autoclose"))
        if today > due:
            _move(session, ticket, "autoclose", SYSTEM, public_text="答复后逾期未评价，系统自动办结。")
            ticket.closed_at = now()
            closed.append(ticket)
    return closed


def _filing_mail(ticket: Ticket, code: str, track_url: str) -> str:
    holder = ticket.bureau.name if ticket.bureau else "县营商环境办（分办中）"
    due = f"{ticket.reply_due:%Y年%m月%d日}" if ticket.reply_due else "分办后确定"
    return (
        f"{ticket.contact_name}：\n\n您的{ticket.type.label}“{ticket.subject}”已受理。\n\n"
        f"流水号：{ticket.number}\n提取码：{code}\n承办单位：{holder}\n答复期限：{due}\n\n"
        f"请妥善保管提取码，凭流水号和提取码查询办理进度：{track_url}\n\n会宁县营商环境服务平台\n"
    )
