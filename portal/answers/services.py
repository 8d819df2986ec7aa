"""The knowledge base's rules: an answer is written anew from a replied ticket whose business agreed to
publication, by the holding bureau's staff or an admin, and holds no personal data; businesses say
whether it solved their problem.

Writing from a ticket saves a draft revision of a new answer (portal.editing), remembered with its
ticket (AnswerSource); every later save or publication of that answer is checked again against the
ticket's personal data (a check added to editing's RECORD_CHECKS), and any answer against the shapes of
personal data (mobile numbers, e-mail addresses, 统一社会信用代码).
"""
from __future__ import annotations

import re
import secrets
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.actors import Actor
from portal.answers.models import AnswerSource
from portal.audit import audit, name_actions
from portal.catalog.models import Answer, AnswerStatus
from portal.editing import services as editing
from portal.editing.models import Revision
from portal.errors import InvalidFields, NotFound, Refused
from portal.search.pinyin import readings
from portal.tickets.citations import cited_policies
from portal.tickets.models import Ticket, TicketState

ANSWERABLE = (TicketState.REPLIED, TicketState.CLOSED)
name_actions({"answer_from_ticket": "从工单写入问答"})

MOBILE = re.compile(r"(?<!\d)1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
CREDIT_CODE = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])")
# Words around a company's name that many names share: what is left is the name itself.
_COMPANY_AFFIXES = re.compile(r"^(甘肃省|白银市|会宁县)+|(股份有限公司|有限责任公司|有限公司|公司|分公司|合作社|经营部|"
                              r"服务部|门市部|商行|工作室|店)+$")


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def leaks(text: str, ticket: Ticket | None = None) -> list[str]:
    """Which personal data `text` holds: any mobile number, e-mail address or credit code, and the
    ticket's own contact name, phone, e-mail, company name (or its distinctive part) and credit code."""
    found: list[str] = []
    if MOBILE.search(text):
        found.append("手机号码")
    if EMAIL.search(text):
        found.append("电子邮箱")
    if CREDIT_CODE.search(text.upper()):
        found.append("统一社会信用代码")
    if ticket is not None:
        if len(ticket.contact_name) >= 2 and ticket.contact_name in text:
            found.append("联系人姓名")
        phone = _digits(ticket.phone)
        if len(phone) >= 7 and phone in _digits(text):
            found.append("联系电话")
        if ticket.email and ticket.email.lower() in text.lower():
            found.append("电子邮箱")
        company = ticket.company_name.strip()
        core = _COMPANY_AFFIXES.sub("", company)
        if company and (company in text or (len(core) >= 3 and core in text)):
            found.append("企业名称")
        if ticket.credit_code and ticket.credit_code.upper() in text.upper():
            found.append("统一社会信用代码")
    return list(dict.fromkeys(found))


def source_ticket(session: Session, slug: str) -> Ticket | None:
    """The ticket an answer was written from, if it was."""
    source = session.scalars(select(AnswerSource).where(AnswerSource.slug == slug)).one_or_none()
    return source.ticket if source else None


def check_personal_data(session: Session, kind: str, values: dict[str, Any]) -> dict[str, list[str]]:
    """An answer's question and text hold no personal data (the ticket's, if written from one)."""
    if kind != "answer":
        return {}
    ticket = source_ticket(session, values["slug"])
    errors: dict[str, list[str]] = {}
    for name, label in (("question", "问题"), ("answer", "答复")):
        found = leaks(values.get(name) or "", ticket)
        if found:
            errors[name] = [f"{label}含有个人信息（{'、'.join(found)}），公开的问答须重新撰写、去除个人信息"]
    return errors


editing.RECORD_CHECKS.append(check_personal_data)


def may_write(actor: Actor, ticket: Ticket) -> bool:
    """The holding bureau's staff (and bureau admin) or an admin write answers from a ticket."""
    return actor.is_admin or actor.acts_for(ticket.bureau)


def answer_slug(question: str) -> str:
    """A new answer's slug from its question's pinyin (施工许可证… → wenda-shi-gong-xu-ke-zheng-…), with a
    random end: nothing in it points back to the ticket."""
    syllables = [readings(c)[0] for c in question if readings(c)][:8]
    return "-".join(["wenda", *syllables, secrets.token_hex(3)])


def written_from(session: Session, ticket: Ticket) -> AnswerSource | None:
    """The answer already written from this ticket, if any."""
    return session.scalars(select(AnswerSource).where(AnswerSource.ticket_id == ticket.id)).first()


def write_from_ticket(session: Session, actor: Actor, ticket: Ticket, question: str, answer: str) -> Revision:
    """A draft answer written anew from a replied ticket whose business agreed to publication: its topic,
    bureau, guide and the policies its reply cited are carried over, none of its personal data."""
    if not may_write(actor, ticket):
        raise NotFound("没有这件工单。")
    if ticket.state not in ANSWERABLE:
        raise Refused("只有已答复的工单可以写入知识库。")
    if not ticket.publish:
        raise Refused("企业提交时没有同意公开答复，这件工单不能写入知识库。")
    if written_from(session, ticket) is not None:
        raise Refused("这件工单已写入知识库，请在“指南和政策”的问答中继续编辑。")
    slug = answer_slug(question)
    reply = ticket.reply_event
    policies = list(dict.fromkeys(p.slug for *_, p in cited_policies(session, reply.public_text if reply else "")))
    record = {
        "slug": slug, "question": question.strip(), "answer": answer.strip(), "topics": [ticket.topic.code],
        "bureau": ticket.bureau.code, "guides": [ticket.guide.slug] if ticket.guide else [], "policies": policies,
        "published_on": None, "status": AnswerStatus.DRAFT.value,
    }
    session.add(AnswerSource(slug=slug, ticket=ticket))
    session.flush()
    try:
        revision = editing.save_draft(session, actor, "answer", record, note=f"写自工单 {ticket.number}")
    except editing.EditingError as exc:
        raise InvalidFields({name: messages for name, messages in exc.errors.items()
                             if name in ("question", "answer", "")} or exc.errors) from None
    audit(session, actor, "answer_from_ticket", target=ticket.number, detail=slug)
    return revision


def public_answer(session: Session, slug: str) -> Answer:
    """A published answer, else NotFound (drafts and retired answers are not public)."""
    answer = session.scalars(select(Answer).where(Answer.slug == slug)).one_or_none()
    if answer is None or answer.status is not AnswerStatus.PUBLISHED:
        raise NotFound("没有这条问答，或已撤下。")
    return answer


def vote(session: Session, answer: Answer, solved: bool) -> None:
    """Count one answer to 这解决了您的问题吗？ (an UPDATE of the counter: no revision, no index task)."""
    column = Answer.helpful if solved else Answer.not_helpful
    session.execute(update(Answer).where(Answer.id == answer.id)
                    .values({column: column + 1, Answer.modified_at: Answer.modified_at}))
    session.expire(answer, ["helpful", "not_helpful"])
