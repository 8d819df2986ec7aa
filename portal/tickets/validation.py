"""One check of a filing, shared by the form and the JSON API: per-field messages in Chinese."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy.orm import Session
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError

from portal.catalog import queries
from portal.i18n import gettext as _
from portal.text import CONTROL, PHONE_MESSAGE, flag, normalize_phone, valid_email, valid_phone
from portal.tickets.models import Problem, TicketType
from portal.tickets.services import TicketInput

FIELDS = ("type", "topic", "guide", "subject", "description", "company_name", "credit_code", "contact_name",
          "phone", "email", "consent", "publish", "confidential", "policy", "page", "problem")
# The most each field may hold as sent, generously above its own rule: a longer value is refused before
# anything else reads it (cleaning 15 MB of "9" as a credit code held a worker's CPU for seconds).
SENT_AT_MOST = {"type": 20, "topic": 80, "guide": 80, "subject": 200, "description": 10000, "company_name": 200,
                "credit_code": 40, "contact_name": 100, "phone": 40, "email": 254, "consent": 10, "publish": 10,
                "confidential": 10, "policy": 80, "page": 300, "problem": 20}
# Fields that go into mail headers and one-line lists: a line break there is refused, not kept.
ONE_LINE = ("subject", "company_name", "contact_name", "credit_code", "phone", "email")


def _text(raw: Any) -> str:
    """A text field with browsers' CRLF line breaks made plain newlines."""
    return raw.replace("\r\n", "\n").replace("\r", "\n").strip() if isinstance(raw, str) else ""


def validate(session: Session, raw: Mapping[str, Any]) -> tuple[TicketInput | None, dict[str, list[str]]]:
    """Check every field at once; nothing is stored unless there is no error at all."""
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        if name not in errors:  # one message per field: the first thing wrong with it
            errors[name] = [message]

    for name in FIELDS:
        value = raw.get(name)
        if value is not None and not isinstance(value, (str, bool, int)):
            fail(name, _("格式不正确。"))
        elif isinstance(value, str):
            if len(value) > SENT_AT_MOST[name]:
                fail(name, _("内容过长（最多 %(most)s 个字符，现有 %(now)s 个）。", most=SENT_AT_MOST[name], now=len(value)))
            elif CONTROL.search(value.replace("\r", "")):
                fail(name, _("含有不可见的控制字符。"))
            elif name in ONE_LINE and any(ch in value.strip() for ch in "\r\n"):
                fail(name, _("只能填写一行，请去掉换行。"))
    raw = {name: None if name in errors else raw.get(name) for name in FIELDS}

    kind = next((t for t in TicketType if t.value == raw.get("type")), None)
    if kind is TicketType.CORRECTION:
        return _correction(session, raw, errors, fail)
    if kind is None:
        fail("type", _("请选择诉求类型：咨询、求助、投诉或建议。"))
    topic_code = _text(raw.get("topic"))
    topic = queries.topic_by_code(session, topic_code)
    if topic is None:
        fail("topic", _("请选择诉求涉及的领域。"))
    guide = None
    guide_slug = _text(raw.get("guide"))
    if guide_slug:
        guide = queries.guide_by_slug(session, guide_slug)
        if guide is None:
            fail("guide", _("所选办事事项不存在。"))

    subject = _text(raw.get("subject"))
    if not 4 <= len(subject) <= 100:
        fail("subject", _("标题应为 4 至 100 个字。"))
    description = _description(raw, fail, _("请具体描述诉求，至少 10 个字。"))
    who = _who(raw, fail, required=True)
    if not flag(raw.get("consent")):
        fail("consent", _("请阅读并同意个人信息使用说明后再提交。"))

    if errors:
        return None, errors
    return TicketInput(type=kind, topic=topic, guide=guide, subject=subject, description=description,
                       publish=flag(raw.get("publish")), confidential=flag(raw.get("confidential")), **who), {}


def _description(raw: Mapping[str, Any], fail, too_short: str) -> str:
    description = _text(raw.get("description"))
    if len(description) < 10:
        fail("description", too_short)
    elif len(description) > 5000:
        fail("description", _("描述最多 5000 个字（现有 %(now)s 个字）。", now=len(description)))
    return description


def _who(raw: Mapping[str, Any], fail, required: bool) -> dict[str, str]:
    """Company and contact fields; a correction may leave out every one, a filing needs a name and a phone."""
    company_name = _text(raw.get("company_name"))
    if len(company_name) > 100:
        fail("company_name", _("单位名称最多 100 个字。"))

    credit_code = _text(raw.get("credit_code")).upper().replace(" ", "")
    if credit_code:
        try:
            credit_code = uscc.validate(credit_code)
        except ValidationError:
            fail("credit_code", _("统一社会信用代码不正确（18 位，请核对最后一位校验码）；个人可不填。"))

    contact_name = _text(raw.get("contact_name"))
    if len(contact_name) > 50 or (required and not contact_name):
        fail("contact_name", _("请填写联系人姓名（最多 50 个字）。") if required else _("姓名最多 50 个字；可不填。"))
    phone = normalize_phone(_text(raw.get("phone")))
    if (phone or required) and not valid_phone(phone):
        fail("phone", _(PHONE_MESSAGE) if required else _(PHONE_MESSAGE).removesuffix("。") + _("；可不填。"))
    email = _text(raw.get("email"))
    if email and not valid_email(email):
        fail("email", _("电子邮箱格式不正确；可不填。"))
    return {"company_name": company_name, "credit_code": credit_code, "contact_name": contact_name,
            "phone": phone, "email": email}


GUIDE_PAGE = re.compile(r"/guides/([a-z0-9-]{1,80})(?:/print)?/?")
POLICY_PAGE = re.compile(r"/policies/([a-z0-9-]{1,80})/?")
ANSWER_PAGE = re.compile(r"/answers/([a-z0-9-]{1,80})/?")


def _correction(session: Session, raw: Mapping[str, Any], errors: dict, fail) -> tuple[TicketInput | None, dict]:
    """A correction (纠错): one guide, policy or page of this site; what is wrong and a description;
    contacts optional (consent only when some are left). It goes to the bureau that owns the page (an
    answer's page: the answering bureau), and a page no bureau owns to the site operator."""
    guide_slug, policy_slug, page = _text(raw.get("guide")), _text(raw.get("policy")), _text(raw.get("page"))
    guide = policy = None
    if page and not guide_slug and not policy_slug:  # a guide's or a policy's own page is that guide or policy
        if found := GUIDE_PAGE.fullmatch(page):
            guide_slug = found.group(1)
        elif found := POLICY_PAGE.fullmatch(page):
            policy_slug = found.group(1)
    if guide_slug:
        guide = queries.guide_by_slug(session, guide_slug)
        if guide is None:
            fail("guide", "所指的办事指南不存在。")
    elif policy_slug:
        policy = queries.public_policy_by_slug(session, policy_slug)
        if policy is None:
            fail("policy", "所指的政策文件不存在。")
    elif not page:
        fail("page", "请说明哪一个页面有误（guide、policy 或 page）。")
    elif not page.startswith("/") or page.startswith("//") or len(page) > 200 or any(ch.isspace() for ch in page):
        fail("page", "页面地址应为本站的路径，如 /guides/qykb-sheli（最多 200 个字符）。")

    problem = next((p for p in Problem if p.value == raw.get("problem")), None)
    if problem is None:
        fail("problem", "请选择问题类型：办理时限有误、申请材料有误、链接打不开、内容已过时或其他问题。")
    description = _description(raw, fail, "请具体说明哪里有误、正确的应是什么，至少 10 个字。")
    who = _who(raw, fail, required=False)
    if (who["contact_name"] or who["phone"] or who["email"]) and not flag(raw.get("consent")):
        fail("consent", "留下联系方式的，请同意我们用它告知您处理结果。")
    if errors:
        return None, errors

    answer = queries.public_answer_by_slug(session, found.group(1)) if (found := ANSWER_PAGE.fullmatch(page)) else None
    owner = (guide.bureau if guide else policy.bureau if policy else answer.bureau if answer
             else queries.site_operator(session, _operator()))
    target = guide or policy
    title = f"《{target.title}》" if target else f"问答“{answer.question[:40]}”" if answer else f"页面 {page}"
    subject = f"纠错：{title}{problem.label}"
    if len(subject) > 100:
        subject = subject[:99] + "…"
    topics = target.topics if target else []
    return TicketInput(type=TicketType.CORRECTION, topic=topics[0] if topics else None, guide=guide, policy=policy,
                       page="" if target else page, problem=problem, owner=owner, subject=subject,
                       description=description, publish=False, **who), {}


def _operator() -> str:
    """PORTAL_SITE_OPERATOR, the bureau that answers for pages no bureau owns (empty: the supervising office)."""
    return current_app.config["SITE"].get("operator", "") if has_app_context() else ""
