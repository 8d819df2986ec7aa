"""One check of a filing, shared by the form and the JSON API: per-field messages in Chinese."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError

from portal.catalog import queries
from portal.catalog.content import CONTROL
from portal.tickets.models import TicketType
from portal.tickets.services import TicketInput

FIELDS = ("type", "topic", "guide", "subject", "description", "company_name", "credit_code", "contact_name",
          "phone", "email", "consent", "publish")
MOBILE = re.compile(r"1[3-9]\d{9}")
LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}(-\d{1,6})?")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
TRUE = {True, "true", "on", "1", "yes", 1}


def _text(raw: Any) -> str:
    """A text field with browsers' CRLF line breaks made plain newlines."""
    return raw.replace("\r\n", "\n").replace("\r", "\n").strip() if isinstance(raw, str) else ""


def _flag(raw: Any) -> bool:
    return isinstance(raw, (str, bool, int)) and raw in TRUE


PHONE_MESSAGE = "请填写 11 位手机号码，或带区号的固定电话（如 0943-3212345）。"


def valid_phone(normalized: str) -> bool:
    """A mobile number, or a landline with its area code."""
    return bool(MOBILE.fullmatch(normalized) or LANDLINE.fullmatch(normalized))


def normalize_phone(raw: str) -> str:
    """Spaces, dashes and brackets out of a mobile number, and a +86 or 0086 prefix dropped."""
    compact = re.sub(r"[\s()（）-]", "", raw)
    compact = re.sub(r"^(\+86|0086|86)(?=1\d{10}$)", "", compact)
    if MOBILE.fullmatch(compact):
        return compact
    return re.sub(r"[\s()（）]", "", raw)


def validate(session: Session, raw: Mapping[str, Any]) -> tuple[TicketInput | None, dict[str, list[str]]]:
    """Check every field at once; nothing is stored unless there is no error at all."""
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    for name in FIELDS:
        value = raw.get(name)
        if value is not None and not isinstance(value, (str, bool, int)):
            fail(name, "格式不正确。")
        elif isinstance(value, str) and CONTROL.search(value.replace("\r", "")):
            fail(name, "含有不可见的控制字符。")

    kind = next((t for t in TicketType if t.value == raw.get("type")), None)
    if kind is None:
        fail("type", "请选择诉求类型：咨询、求助、投诉或建议。")
    topic_code = _text(raw.get("topic"))
    topic = queries.topic_by_code(session, topic_code)
    if topic is None:
        fail("topic", "请选择诉求涉及的领域。")
    guide = None
    guide_slug = _text(raw.get("guide"))
    if guide_slug:
        guide = queries.guide_by_slug(session, guide_slug)
        if guide is None:
            fail("guide", "所选办事事项不存在。")

    subject = _text(raw.get("subject"))
    if not 4 <= len(subject) <= 100:
        fail("subject", "标题应为 4 至 100 个字。")
    description = _text(raw.get("description"))
    if len(description) < 10:
        fail("description", "请具体描述诉求，至少 10 个字。")
    elif len(description) > 5000:
        fail("description", f"描述最多 5000 个字（现有 {len(description)} 个字）。")
    company_name = _text(raw.get("company_name"))
    if len(company_name) > 100:
        fail("company_name", "单位名称最多 100 个字。")

    credit_code = _text(raw.get("credit_code")).upper().replace(" ", "")
    if credit_code:
        try:
            credit_code = uscc.validate(credit_code)
        except ValidationError:
            fail("credit_code", "统一社会信用代码不正确（18 位，请核对最后一位校验码）；个人可不填。")

    contact_name = _text(raw.get("contact_name"))
    if not 1 <= len(contact_name) <= 50:
        fail("contact_name", "请填写联系人姓名（最多 50 个字）。")
    phone = normalize_phone(_text(raw.get("phone")))
    if not valid_phone(phone):
        fail("phone", PHONE_MESSAGE)
    email = _text(raw.get("email"))
    if email and (len(email) > 200 or not EMAIL.fullmatch(email)):
        fail("email", "电子邮箱格式不正确；可不填。")
    if not _flag(raw.get("consent")):
        fail("consent", "请阅读并同意个人信息使用说明后再提交。")

    if errors:
        return None, errors
    return TicketInput(
        type=kind, topic=topic, guide=guide, subject=subject, description=description,
        company_name=company_name, credit_code=credit_code, contact_name=contact_name, phone=phone,
        email=email, publish=_flag(raw.get("publish")),
    ), {}
