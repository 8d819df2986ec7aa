"""Public comment on a draft policy (征求意见, measure 14): who may comment and when, moderation, the
bureau's decision on each comment, and the adoption report (意见采纳情况说明). The contact bureau's
actions take the acting staff member and write their audit line. Callers commit."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.actors import Actor
from portal.audit import audit, name_actions
from portal.catalog.models import Bureau, Policy, PolicyStatus
from portal.clock import chinese_moment, local, now
from portal.consultations.models import AdoptionReport, Comment, Decision, Visibility
from portal.errors import Invalid, NotFound
from portal.text import CONTROL, PHONE_MESSAGE, flag, normalize_phone, valid_email, valid_phone

ARTICLE = re.compile(r"第[一二三四五六七八九十百零〇\d]+条")
WHOLE = "全文"
name_actions({"comment_moderate": "审核意见", "comment_decide": "意见采纳决定", "adoption_report": "发布采纳情况说明"})


class ConsultationError(Invalid):
    """A request the consultation's rules refuse; the message is shown to whoever asked."""


def contact_bureau(policy: Policy) -> Bureau:
    """The bureau that takes and answers the comments: the one named, else the policy's own."""
    return policy.consultation_bureau or policy.bureau


def phase(policy: Policy, moment: dt.datetime) -> str:
    """none (never put out for comment), upcoming, open or closed. Only a policy with a comment window
    takes comments; a measure of a plan without one is commented on on the plan's page."""
    opens, closes = policy.consultation_opens_at, policy.consultation_closes_at
    if opens is None:  # no window, no comments: a consultation always has its close
        return "none"
    if policy.status is not PolicyStatus.CONSULTATION:
        return "closed" if opens is not None else "none"
    if opens is not None and moment < local(opens):
        return "upcoming"
    if closes is not None and moment >= local(closes):
        return "closed"
    return "open"


def articles(policy: Policy) -> list[str]:
    """What a comment may be about: the whole text, each measure of a plan, or each article (第…条)."""
    if policy.parts:
        return [WHOLE, *[part.title for part in policy.parts]]
    found = list(dict.fromkeys(ARTICLE.findall(policy.body or "")))
    return [WHOLE, *found]


@dataclass(frozen=True)
class CommentInput:
    company: str
    contact_name: str
    phone: str
    email: str
    article: str
    body: str


def validate(policy: Policy, form: Mapping[str, Any]) -> tuple[CommentInput | None, dict[str, list[str]]]:
    """The comment form's fields, checked; messages by field in Chinese."""
    errors: dict[str, list[str]] = {}

    def text(name: str) -> str:
        value = form.get(name, "")
        return value.replace("\r\n", "\n").strip() if isinstance(value, str) else ""

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    values = {name: text(name) for name in ("company", "contact_name", "phone", "email", "article", "body")}
    for name, value in values.items():
        if CONTROL.search(value):
            fail(name, "含有不可见的控制字符，请删除后重试。")
    if len(values["company"]) > 100:
        fail("company", "单位名称最多 100 字。")
    if not values["contact_name"]:
        fail("contact_name", "请填写联系人。")
    elif len(values["contact_name"]) > 50:
        fail("contact_name", "联系人最多 50 字。")
    phone = normalize_phone(values["phone"]) if values["phone"] else ""
    if phone and not valid_phone(phone):
        fail("phone", PHONE_MESSAGE)
    if values["email"] and not valid_email(values["email"]):
        fail("email", "电子邮箱格式不正确。")
    if not values["phone"] and not values["email"]:
        fail("phone", "请留下电话或电子邮箱，便于反馈采纳情况。")
    article = values["article"] or WHOLE
    if article not in articles(policy):
        fail("article", "请选择意见针对的条款或“全文”。")
    if len(values["body"]) < 10:
        fail("body", "意见内容至少 10 个字。")
    elif len(values["body"]) > 5000:
        fail("body", "意见内容最多 5000 字。")
    if not flag(form.get("consent")):
        fail("consent", "请阅读并同意个人信息的使用说明。")
    if errors:
        return None, errors
    return CommentInput(values["company"], values["contact_name"], phone, values["email"], article,
                        values["body"]), {}


def submit(session: Session, policy: Policy, data: CommentInput) -> Comment:
    """Take a comment while the consultation is open; afterwards it is refused with the rule's words."""
    moment = now()
    state = phase(policy, moment)
    if state == "upcoming":
        raise ConsultationError(f"意见征集将于 {chinese_moment(policy.consultation_opens_at)} 开始，请届时提交。")
    if state != "open":
        closes = policy.consultation_closes_at
        when = f"已于 {chinese_moment(closes)} 截止" if closes is not None else "已结束"
        raise ConsultationError(f"本文件的意见征集{when}，不再接收意见（逾期未报视为无意见）。")
    comment = Comment(policy=policy, company=data.company, contact_name=data.contact_name, phone=data.phone,
                      email=data.email, article=data.article, body=data.body, consented_at=moment,
                      created_at=moment)
    session.add(comment)
    return comment


def _reason(value: str, label: str, required: bool) -> str:
    value = (value or "").replace("\r\n", "\n").strip()
    if required and not value:
        raise ConsultationError(f"请写明{label}。", "reason")
    if len(value) > 2000:
        raise ConsultationError(f"{label}最多 2000 字。", "reason")
    if CONTROL.search(value):
        raise ConsultationError(f"{label}含有不可见的控制字符。", "reason")
    return value


def answering(actor: Actor, policy: Policy) -> None:
    """Only the staff of the bureau that takes a policy's comments handle them (others: 404 alike)."""
    if not actor.acts_for(contact_bureau(policy)):
        raise NotFound("没有这项征求意见。")


def _audit(session: Session, actor: Actor, action: str, comment: Comment, detail: str) -> None:
    audit(session, actor, action, target=f"{comment.policy.slug}#{comment.id}", detail=detail[:500])


def moderate(session: Session, actor: Actor, comment: Comment, visibility: Visibility, reason: str) -> None:
    """Publish a comment or keep it from the public page; keeping it back needs a reason, which is kept.
    Once the adoption report is out, what it lists stays as published."""
    answering(actor, comment.policy)
    if adoption_report(comment.policy) is not None:
        raise ConsultationError("采纳情况说明已发布，不能再修改审核结果。")
    if visibility is Visibility.PENDING:
        raise ConsultationError("请选择公开或不公开。", "visibility")
    comment.moderation_reason = _reason(reason, "不公开的理由", visibility is Visibility.HIDDEN)
    comment.visibility = visibility
    comment.moderated_by, comment.moderated_at = actor.name, now()
    _audit(session, actor, "comment_moderate", comment, f"{visibility.value} {comment.moderation_reason}")


def decide(session: Session, actor: Actor, comment: Comment, decision: Decision | None, reason: str) -> None:
    """Record 采纳, 部分采纳 or 不采纳 with the reason; it becomes public with the adoption report."""
    answering(actor, comment.policy)
    if decision is None:
        raise ConsultationError("请选择采纳、部分采纳或不采纳。", "decision")
    if comment.policy.id is not None and adoption_report(comment.policy) is not None:
        raise ConsultationError("采纳情况说明已发布，不能再修改。")
    comment.decision_reason = _reason(reason, "采纳或不采纳的理由", True)
    comment.decision = decision
    comment.decided_by, comment.decided_at = actor.name, now()
    _audit(session, actor, "comment_decide", comment, f"{decision.value} {comment.decision_reason}")


def adoption_report(policy: Policy) -> AdoptionReport | None:
    from sqlalchemy.orm import object_session

    session = object_session(policy)
    return session.scalars(select(AdoptionReport).where(AdoptionReport.policy_id == policy.id)).one_or_none()


def comments(session: Session, policy: Policy, public_only: bool = False) -> list[Comment]:
    stmt = select(Comment).where(Comment.policy_id == policy.id).order_by(Comment.id)
    if public_only:
        stmt = stmt.where(Comment.visibility == Visibility.PUBLISHED)
    return list(session.scalars(stmt))


def publish_report(session: Session, actor: Actor, policy: Policy, summary: str) -> AdoptionReport:
    """After the close, once every comment not kept back has its decision: the report goes public
    on the policy's page and stays there when the policy comes into force."""
    answering(actor, policy)
    if phase(policy, now()) in ("open", "upcoming", "none"):
        raise ConsultationError("意见征集结束后才能发布采纳情况说明。")
    if adoption_report(policy) is not None:
        raise ConsultationError("采纳情况说明已发布。")
    every = comments(session, policy)
    pending = [c for c in every if c.visibility is Visibility.PENDING]
    if pending:
        raise ConsultationError(f"还有 {len(pending)} 条意见未审核（公开或不公开）。")
    undecided = [c for c in every if c.visibility is not Visibility.HIDDEN and c.decision is None]
    if undecided:
        raise ConsultationError(f"还有 {len(undecided)} 条意见未作采纳决定。")
    summary = _reason(summary, "说明", False)
    report = AdoptionReport(policy=policy, summary=summary, published_at=now(), published_by=actor.name)
    session.add(report)
    audit(session, actor, "adoption_report", target=policy.slug)
    return report


def mask_company(name: str) -> str:
    """A company's name as the public sees it under a comment: 会宁县某某商贸有限公司 → 会宁县****公司."""
    if not name:
        return "企业"
    if len(name) <= 4:
        return name[0] + "*" * (len(name) - 1)
    if len(name) <= 7:  # 兰州某公司 → 兰***司
        return name[0] + "*" * (len(name) - 2) + name[-1]
    return name[:3] + "*" * min(4, len(name) - 5) + name[-2:]
