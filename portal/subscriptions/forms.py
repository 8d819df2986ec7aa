"""The subscription form's shape: per-field messages in Chinese, nothing stored unless all is well."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from portal.catalog.models import Bureau, Topic
from portal.subscriptions.services import Choice, beneficiary_choices
from portal.text import CONTROL, TRUE, valid_email

MAX_CHOICES = 100


def form_values(form: MultiDict) -> dict:
    """What the form is drawn with again after an error: the text as typed, the boxes as ticked."""
    return {"email": form.get("email", "")[:200], "consent": form.get("consent") in TRUE,
            "topics": form.getlist("topics")[:MAX_CHOICES], "bureaus": form.getlist("bureaus")[:MAX_CHOICES],
            "beneficiaries": form.getlist("beneficiaries")[:MAX_CHOICES]}


def validate(session: Session, form: MultiDict) -> tuple[Choice | None, dict[str, list[str]]]:
    """Check the address, the choices (at least one, each one offered) and the consent."""
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    email = form.get("email", "")
    email = email.strip() if isinstance(email, str) else ""
    if not email:
        fail("email", "请填写接收推送的电子邮箱。")
    elif CONTROL.search(email) or not valid_email(email):
        fail("email", "电子邮箱格式不正确，例如 name@example.com。")

    offered = {
        "topics": (set(session.scalars(select(Topic.code))), "所选领域不存在，请重新选择。"),
        "bureaus": (set(session.scalars(select(Bureau.code))), "所选部门不存在，请重新选择。"),
        "beneficiaries": (set(beneficiary_choices(session)), "所选企业类型不在可选范围内，请重新选择。"),
    }
    chosen: dict[str, list[str]] = {}
    for name, (allowed, message) in offered.items():
        values = list(dict.fromkeys(form.getlist(name)))
        if len(values) > MAX_CHOICES or any(v not in allowed for v in values):
            fail(name, message)
        chosen[name] = values
    if not errors.keys() & offered.keys() and not any(chosen.values()):
        fail("choices", "请至少选择一个领域、部门或企业类型。")

    if form.get("consent") not in TRUE:
        fail("consent", "请阅读并同意邮箱地址的使用说明。")
    if errors:
        return None, errors
    return Choice(email=email.lower(), **chosen), {}
