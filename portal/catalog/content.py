"""Content files: JSON Lines of bureaus, topics, guides, policies and synonyms.

Import is an upsert by code/slug and all or nothing: every line is checked, references are
resolved against the file and the database, and only a file without a single error is written.
Export writes the same format, so export → import → export gives the same file. Staff editing
(portal.catalog.editing) checks and applies one guide or policy at a time through the same rules
(check_record, apply_record).
"""
from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from portal.catalog.models import (
    Bureau,
    CaseType,
    Guide,
    GuideTopic,
    Policy,
    PolicyStatus,
    PolicyStatusChange,
    PolicyTopic,
    Synonym,
    Topic,
    TopicCoBureau,
)
from portal.clock import COUNTY_TZ, local, now, today

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # used with fullmatch: "qykb\n" is not a slug
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)?")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # tab and newline are text; the rest is not
URL = re.compile(r"(https?://|/)[^\s<>\"']*")
MATERIAL_FORMS = ("原件", "复印件", "原件和复印件", "电子件")


@dataclass(frozen=True)
class LineError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"第 {self.line} 行" if self.line else "文件"
        return f"{where}，字段 {self.field}：{self.message}" if self.field else f"{where}：{self.message}"


class ContentError(Exception):
    """A content file that cannot be imported; nothing of it was written."""

    def __init__(self, errors: list[LineError]):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


class Invalid(ValueError):
    """One field's value is wrong; the message is shown to the operator."""


# ---- field parsers: each takes the raw JSON value and returns the stored value or raises Invalid


def text(max_len: int = 20000, allow_empty: bool = True) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid("应为字符串")
        if CONTROL.search(value):
            raise Invalid("含有不可见的控制字符")
        value = value.strip()
        if not value and not allow_empty:
            raise Invalid("不能为空")
        if len(value) > max_len:
            raise Invalid(f"过长（最多 {max_len} 个字符）")
        return value

    return parse


def optional_text(max_len: int) -> Callable[[Any], str | None]:
    inner = text(max_len)

    def parse(value: Any) -> str | None:
        if value is None:
            return None
        return inner(value) or None

    return parse


def slug(value: Any, max_len: int = 80) -> str:
    if not isinstance(value, str) or not SLUG.fullmatch(value):
        raise Invalid("只能由小写英文字母、数字和连字符组成（如 qykb、low-voltage-power）")
    if len(value) > max_len:
        raise Invalid(f"过长（最多 {max_len} 个字符）")
    return value


def code(value: Any) -> str:
    """A bureau or topic code: a short slug."""
    return slug(value, 32)


def optional_code(value: Any) -> str | None:
    return None if value is None else code(value)


def optional_slug(value: Any) -> str | None:
    return None if value is None else slug(value)


def link(value: Any) -> str:
    """An http(s) address or a path on this site; anything else could run script in a reader's browser."""
    value = text(500)(value)
    if value and not URL.fullmatch(value):
        raise Invalid("应为 http:// 或 https:// 开头的网址")
    return value


def optional_link(value: Any) -> str | None:
    return None if value is None else (link(value) or None)


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid("应为 true 或 false")
    return value


def integer(minimum: int = 0, maximum: int = 10000, nullable: bool = False) -> Callable[[Any], int | None]:
    def parse(value: Any) -> int | None:
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid("应为整数" + ("或 null" if nullable else ""))
        if not minimum <= value <= maximum:
            raise Invalid(f"应在 {minimum} 到 {maximum} 之间")
        return value

    return parse


def date(nullable: bool) -> Callable[[Any], dt.date | None]:
    def parse(value: Any) -> dt.date | None:
        if value is None and nullable:
            return None
        if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
            raise Invalid("应为日期 YYYY-MM-DD" + ("或 null" if nullable else "") + f"，而不是 {value!r}")
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise Invalid(f"不是有效日期：{value!r}") from None

    return parse


def moment(value: Any) -> dt.datetime | None:
    """A moment such as 2022-09-15T09:00 (county time) or with its offset, or null."""
    if value is None:
        return None
    if not isinstance(value, str) or not ISO_MOMENT.fullmatch(value):
        raise Invalid(f"应为时间 YYYY-MM-DDTHH:MM（县内时间）或 null，而不是 {value!r}")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(f"不是有效时间：{value!r}") from None
    # stored in UTC: SQLite keeps the wall time and drops the offset
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=COUNTY_TZ)).astimezone(dt.timezone.utc)


def choice(values: Iterable[str]) -> Callable[[Any], str]:
    allowed = tuple(values)

    def parse(value: Any) -> str:
        if value not in allowed:
            raise Invalid(f"应为 {'、'.join(allowed)} 之一，而不是 {value!r}")
        return value

    return parse


def list_of(item: Callable[[Any], Any], max_items: int = 200, unique: bool = False) -> Callable[[Any], list]:
    def parse(value: Any) -> list:
        if not isinstance(value, list):
            raise Invalid("应为列表")
        if len(value) > max_items:
            raise Invalid(f"最多 {max_items} 项")
        out = []
        for i, raw in enumerate(value, 1):
            try:
                parsed = item(raw)
            except Invalid as exc:
                raise Invalid(f"第 {i} 项{exc}") from None
            if unique and parsed in out:
                raise Invalid(f"第 {i} 项重复：{parsed}")
            out.append(parsed)
        return out

    return parse


def record(fields: dict[str, tuple[Callable[[Any], Any], bool, Any]]) -> Callable[[Any], dict]:
    """A nested object with the given fields (parser, required, default), in that order."""

    def parse(value: Any) -> dict:
        if not isinstance(value, dict):
            raise Invalid("应为对象")
        unknown = sorted(set(value) - set(fields))
        if unknown:
            raise Invalid(f"有未知字段 {'、'.join(unknown)}")
        out = {}
        for name, (parser, required, default) in fields.items():
            if name not in value:
                if required:
                    raise Invalid(f"缺少 {name}")
                out[name] = default
                continue
            try:
                out[name] = parser(value[name])
            except Invalid as exc:
                raise Invalid(f"的 {name} {exc}") from None
        return out

    return parse


MATERIAL = record(
    {
        "name": (text(200, allow_empty=False), True, None),
        "form": (choice(MATERIAL_FORMS), False, "原件"),
        "copies": (integer(0, 99), False, 1),
        "required": (boolean, False, True),
        "note": (text(1000), False, ""),
        "form_url": (optional_link, False, None),
    }
)
FAQ = record({"q": (text(500, allow_empty=False), True, None), "a": (text(5000, allow_empty=False), True, None)})
STEP = text(1000, allow_empty=False)


@dataclass(frozen=True)
class Kind:
    """The fields of one kind of line: name -> (parser, required, default factory)."""

    name: str
    key: str
    fields: dict[str, tuple[Callable[[Any], Any], bool, Callable[[], Any]]]


def _const(value):
    return lambda: value


KINDS: dict[str, Kind] = {
    "bureau": Kind(
        "bureau",
        "code",
        {
            "code": (code, True, _const(None)),
            "name": (text(100, allow_empty=False), True, _const(None)),
            "phone": (text(40), False, _const("")),
            "supervisor": (boolean, False, _const(False)),
            "description": (text(5000), False, _const("")),
        },
    ),
    "topic": Kind(
        "topic",
        "code",
        {
            "code": (code, True, _const(None)),
            "name": (text(100, allow_empty=False), True, _const(None)),
            "lead": (optional_code, False, _const(None)),
            "co": (list_of(code, 60, unique=True), False, list),
            "key_indicator": (boolean, False, _const(False)),
            "measures": (list_of(integer(1, 999), 60, unique=True), False, list),
            "description": (text(5000), False, _const("")),
        },
    ),
    "guide": Kind(
        "guide",
        "slug",
        {
            "slug": (slug, True, _const(None)),
            "title": (text(200, allow_empty=False), True, _const(None)),
            "code": (optional_text(64), False, _const(None)),
            "bureau": (code, True, _const(None)),
            "topics": (list_of(code, 20, unique=True), False, list),
            "summary": (text(2000), False, _const("")),
            "body": (text(50000), False, _const("")),
            "applicants": (text(5000), False, _const("")),
            "conditions": (text(10000), False, _const("")),
            "materials": (list_of(MATERIAL, 100), False, list),
            "steps": (list_of(STEP, 50), False, list),
            "case_type": (choice(m.value for m in CaseType), False, _const("promised")),
            "statutory_days": (integer(0, 3650, nullable=True), False, _const(None)),
            "promised_days": (integer(0, 3650, nullable=True), False, _const(None)),
            "visits": (integer(0, 20), False, _const(1)),
            "fee": (text(200), False, _const("不收费")),
            "fee_basis": (text(2000), False, _const("")),
            "location": (text(300), False, _const("")),
            "hours": (text(200), False, _const("")),
            "phone": (text(40), False, _const("")),
            "complaint_phone": (text(40), False, _const("")),
            "online_url": (link, False, _const("")),
            "fully_online": (boolean, False, _const(False)),
            "legal_basis": (text(10000), False, _const("")),
            "faq": (list_of(FAQ, 50), False, list),
            "updated_on": (date(nullable=True), False, _const(None)),
        },
    ),
    "policy": Kind(
        "policy",
        "slug",
        {
            "slug": (slug, True, _const(None)),
            "title": (text(300, allow_empty=False), True, _const(None)),
            "bureau": (code, True, _const(None)),
            "topics": (list_of(code, 30, unique=True), False, list),
            "doc_number": (optional_text(100), False, _const(None)),
            "published_on": (date(nullable=False), True, _const(None)),
            "effective_from": (date(nullable=True), False, _const(None)),
            "expires_on": (date(nullable=True), False, _const(None)),
            "status": (choice(s.value for s in PolicyStatus), False, _const("in_force")),
            "beneficiaries": (list_of(text(40, allow_empty=False), 30, unique=True), False, list),
            "summary": (text(2000), False, _const("")),
            "body": (text(200000), False, _const("")),
            "interpretation": (text(50000), False, _const("")),
            "part_of": (optional_slug, False, _const(None)),
            "measure_no": (integer(1, 999, nullable=True), False, _const(None)),
            "consultation_opens": (moment, False, _const(None)),
            "consultation_closes": (moment, False, _const(None)),
            "consultation_contact": (optional_code, False, _const(None)),
        },
    ),
    "synonym": Kind(
        "synonym",
        "term",
        {
            "term": (text(50, allow_empty=False), True, _const(None)),
            "means": (list_of(text(50, allow_empty=False), 20, unique=True), True, _const(None)),
        },
    ),
}


@dataclass
class Entry:
    """One checked line of a content file."""

    line: int
    kind: str
    values: dict[str, Any]

    @property
    def key(self) -> str:
        return self.values[KINDS[self.kind].key]


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, created: bool) -> None:
        target = self.created if created else self.updated
        target[kind] = target.get(kind, 0) + 1

    def __str__(self) -> str:
        names = {"bureau": "部门", "topic": "领域", "guide": "办事指南", "policy": "政策文件", "synonym": "同义词"}
        parts = [
            f"{names[k]} 新增 {self.created.get(k, 0)} 条、更新 {self.updated.get(k, 0)} 条"
            for k in KINDS
            if self.created.get(k) or self.updated.get(k)
        ]
        return "；".join(parts) or "没有内容"


def parse_lines(lines: Iterable[str]) -> tuple[list[Entry], list[LineError]]:
    """Check every line's shape; reference checks come later, against file and database together."""
    entries: list[Entry] = []
    errors: list[LineError] = []
    seen: dict[tuple[str, str], int] = {}
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            errors.append(LineError(number, "", f"不是有效的 JSON（{exc.msg}，第 {exc.colno} 列）"))
            continue
        except RecursionError:
            errors.append(LineError(number, "", "JSON 嵌套过深"))
            continue
        if not isinstance(obj, dict):
            errors.append(LineError(number, "", "每行应为一个 JSON 对象"))
            continue
        kind = KINDS.get(obj.get("kind")) if isinstance(obj.get("kind"), str) else None
        if kind is None:
            allowed = "、".join(KINDS)
            errors.append(LineError(number, "kind", f"未知类型 {obj.get('kind')!r}，应为 {allowed} 之一"))
            continue
        entry = _parse_object(number, kind, obj, errors)
        if entry is None:
            continue
        first = seen.setdefault((entry.kind, entry.key), number)
        if first != number:
            errors.append(LineError(number, kind.key, f"{entry.key} 在第 {first} 行已出现"))
            continue
        entries.append(entry)
    return entries, errors


def _parse_object(number: int, kind: Kind, obj: dict, errors: list[LineError]) -> Entry | None:
    """One object's fields through their parsers; its errors are appended, and None returned if any."""
    values: dict[str, Any] = {}
    ok = True
    for name in sorted(set(obj) - set(kind.fields) - {"kind"}):
        errors.append(LineError(number, name, f"{kind.name} 没有这个字段"))
        ok = False
    for name, (parser, required, default) in kind.fields.items():
        if name not in obj:
            if required:
                errors.append(LineError(number, name, "缺少必填字段"))
                ok = False
            values[name] = default()
            continue
        try:
            values[name] = parser(obj[name])
        except Invalid as exc:
            errors.append(LineError(number, name, str(exc)))
            ok = False
    return Entry(number, kind.name, values) if ok else None


def check_record(session: Session, kind: str, record: dict) -> dict[str, Any]:
    """A guide or policy record (a content line without "kind") passes exactly the checks of an import
    line, references against the database included; returns its values or raises ContentError."""
    errors: list[LineError] = []
    entry = _parse_object(0, KINDS[kind], record, errors)
    if entry is not None:
        errors = _check_references(session, [entry])
    if errors:
        raise ContentError(errors)
    return entry.values


def as_record(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """Checked values back into a content line without "kind" (dates as YYYY-MM-DD), in field order."""
    return {name: _iso(values[name]) if isinstance(values[name], dt.date) else values[name]
            for name in KINDS[kind].fields}


def _check_references(session: Session, entries: list[Entry]) -> list[LineError]:
    """Every bureau, topic and parent policy named must be in the file or already in the database."""
    in_file = {kind: {e.key for e in entries if e.kind == kind} for kind in KINDS}
    known = {
        "bureau": in_file["bureau"] | set(session.scalars(select(Bureau.code))),
        "topic": in_file["topic"] | set(session.scalars(select(Topic.code))),
        "policy": in_file["policy"] | set(session.scalars(select(Policy.slug))),
    }
    errors: list[LineError] = []

    def need(entry: Entry, field_name: str, kind: str, value: str | None, label: str) -> None:
        if value is not None and value not in known[kind]:
            errors.append(LineError(entry.line, field_name, f"{label} {value!r} 不存在"))

    for kind, model in (("bureau", Bureau), ("topic", Topic)):
        owner = dict(session.execute(select(model.name, model.code)).all())
        for e in (e for e in entries if e.kind == kind):
            owner.pop(next((n for n, c in owner.items() if c == e.key), None), None)
        for e in (e for e in entries if e.kind == kind):
            holder = owner.setdefault(e.values["name"], e.key)
            if holder != e.key:
                errors.append(LineError(e.line, "name", f"名称“{e.values['name']}”已被 {holder} 使用"))

    for e in entries:
        v = e.values
        if e.kind == "topic":
            need(e, "lead", "bureau", v["lead"], "牵头单位")
            for code in v["co"]:
                need(e, "co", "bureau", code, "配合单位")
        elif e.kind in ("guide", "policy"):
            need(e, "bureau", "bureau", v["bureau"], "部门")
            for code in v["topics"]:
                need(e, "topics", "topic", code, "领域")
        if e.kind == "policy":
            need(e, "part_of", "policy", v["part_of"], "上级文件")
            if v["part_of"] == v["slug"]:
                errors.append(LineError(e.line, "part_of", "不能是文件自身"))
            if v["expires_on"] and v["effective_from"] and v["expires_on"] < v["effective_from"]:
                errors.append(LineError(e.line, "expires_on", "失效日期早于施行日期"))
            need(e, "consultation_contact", "bureau", v["consultation_contact"], "征求意见联系部门")
            opens, closes = v["consultation_opens"], v["consultation_closes"]
            if (opens is None) != (closes is None):
                errors.append(LineError(e.line, "consultation_closes", "征求意见的开始和截止时间须同时填写"))
            elif opens is not None and closes <= opens:
                errors.append(LineError(e.line, "consultation_closes", "征求意见截止时间须晚于开始时间"))
    errors += _parent_cycles(session, [e for e in entries if e.kind == "policy"])
    return errors


def _parent_cycles(session: Session, policies: list[Entry]) -> list[LineError]:
    """A policy may not end up, through its parents, as a part of itself (the file wins over the database)."""
    mother = aliased(Policy)
    parent: dict[str, str | None] = dict(session.execute(
        select(Policy.slug, mother.slug).outerjoin(mother, Policy.part_of_id == mother.id)).all())
    parent.update({e.key: e.values["part_of"] for e in policies})
    errors = []
    for e in policies:
        if e.values["part_of"] == e.key:
            continue  # reported as "不能是文件自身"
        seen: set[str] = set()
        current = parent.get(e.key)
        while current is not None and current not in seen:
            if current == e.key:
                errors.append(LineError(e.line, "part_of", f"上级文件 {e.values['part_of']} 是本文件的下级，不能互为上下级"))
                break
            seen.add(current)
            current = parent.get(current)
    return errors


def import_content(session: Session, lines: Iterable[str]) -> ImportReport:
    """Upsert a whole content file, or raise ContentError and write nothing (the caller commits)."""
    entries, errors = parse_lines(lines)
    if not errors:
        errors = _check_references(session, entries)
    if errors:
        raise ContentError(errors)
    if not entries:
        raise ContentError([LineError(0, "", "文件中没有任何内容")])

    report = ImportReport()
    order = ["bureau", "topic", "guide", "policy", "synonym"]
    for kind in order:
        for entry in (e for e in entries if e.kind == kind):
            with session.no_autoflush:
                _UPSERT[kind](session, entry.values, report)
            session.flush()
    # Parents may come after their parts in the file: link them once every policy exists.
    for entry in (e for e in entries if e.kind == "policy"):
        _link_parent(session, entry.values)
    session.flush()
    return report


def apply_record(session: Session, kind: str, values: dict[str, Any], actor: str, reason: str) -> Guide | Policy:
    """Upsert one checked guide or policy as import does; a policy status change is recorded under `actor`."""
    report = ImportReport()
    with session.no_autoflush:
        if kind == "policy":
            _upsert_policy(session, values, report, actor=actor, reason=reason)
        else:
            _UPSERT[kind](session, values, report)
    session.flush()
    if kind == "policy":
        _link_parent(session, values)
        session.flush()
    return _by_key(session, Guide if kind == "guide" else Policy,
                   Guide.slug if kind == "guide" else Policy.slug, values["slug"])


def _link_parent(session: Session, values: dict[str, Any]) -> None:
    policy = _by_key(session, Policy, Policy.slug, values["slug"])
    parent = values["part_of"]
    policy.part_of = _by_key(session, Policy, Policy.slug, parent) if parent else None


def _by_key(session: Session, model, column, value):
    return session.scalars(select(model).where(column == value)).one_or_none()


def _bureau(session: Session, code: str) -> Bureau:
    return session.scalars(select(Bureau).where(Bureau.code == code)).one()


def _topic(session: Session, code: str) -> Topic:
    return session.scalars(select(Topic).where(Topic.code == code)).one()


def _upsert_bureau(session: Session, v: dict, report: ImportReport) -> None:
    bureau = _by_key(session, Bureau, Bureau.code, v["code"])
    report.count("bureau", bureau is None)
    if bureau is None:
        bureau = Bureau(code=v["code"])
        session.add(bureau)
    bureau.name, bureau.phone = v["name"], v["phone"]
    bureau.supervisor, bureau.description = v["supervisor"], v["description"]


def _upsert_topic(session: Session, v: dict, report: ImportReport) -> None:
    topic = _by_key(session, Topic, Topic.code, v["code"])
    report.count("topic", topic is None)
    if topic is None:
        topic = Topic(code=v["code"])
        session.add(topic)
    topic.name = v["name"]
    topic.lead = _bureau(session, v["lead"]) if v["lead"] else None
    topic.key_indicator, topic.measures, topic.description = v["key_indicator"], v["measures"], v["description"]
    topic.co_links.clear()
    session.flush()
    topic.co_links = [TopicCoBureau(bureau=_bureau(session, c), position=i) for i, c in enumerate(v["co"])]


GUIDE_SCALARS = (
    "title code summary body applicants conditions materials steps statutory_days promised_days visits fee "
    "fee_basis location hours phone complaint_phone online_url fully_online legal_basis faq"
).split()


def _upsert_guide(session: Session, v: dict, report: ImportReport) -> None:
    guide = _by_key(session, Guide, Guide.slug, v["slug"])
    report.count("guide", guide is None)
    if guide is None:
        guide = Guide(slug=v["slug"])
        session.add(guide)
    for name in GUIDE_SCALARS:
        setattr(guide, name, v[name])
    guide.case_type = CaseType(v["case_type"])
    guide.updated_on = v["updated_on"] or today()
    guide.bureau = _bureau(session, v["bureau"])
    guide.topic_links.clear()
    session.flush()
    guide.topic_links = [GuideTopic(topic=_topic(session, c), position=i) for i, c in enumerate(v["topics"])]


POLICY_SCALARS = (
    "title doc_number published_on effective_from expires_on beneficiaries summary body interpretation measure_no"
).split()


def _upsert_policy(session: Session, v: dict, report: ImportReport, actor: str = "内容导入",
                   reason: str = "内容文件导入") -> None:
    policy = _by_key(session, Policy, Policy.slug, v["slug"])
    report.count("policy", policy is None)
    if policy is None:
        policy = Policy(slug=v["slug"])
        session.add(policy)
    for name in POLICY_SCALARS:
        setattr(policy, name, v[name])
    policy.consultation_opens_at, policy.consultation_closes_at = v["consultation_opens"], v["consultation_closes"]
    policy.consultation_bureau = _bureau(session, v["consultation_contact"]) if v["consultation_contact"] else None
    status = PolicyStatus(v["status"])
    if policy.status is not None and policy.status is not status:
        policy.status_changes.append(PolicyStatusChange(
            from_status=policy.status, to_status=status, changed_at=now(), actor=actor, reason=reason))
    policy.status = status
    policy.bureau = _bureau(session, v["bureau"])
    policy.topic_links.clear()
    session.flush()
    policy.topic_links = [PolicyTopic(topic=_topic(session, c), position=i) for i, c in enumerate(v["topics"])]


def _upsert_synonym(session: Session, v: dict, report: ImportReport) -> None:
    synonym = _by_key(session, Synonym, Synonym.term, v["term"])
    report.count("synonym", synonym is None)
    if synonym is None:
        synonym = Synonym(term=v["term"])
        session.add(synonym)
    synonym.means = v["means"]


_UPSERT = {
    "bureau": _upsert_bureau,
    "topic": _upsert_topic,
    "guide": _upsert_guide,
    "policy": _upsert_policy,
    "synonym": _upsert_synonym,
}


def _iso(value: dt.date | None) -> str | None:
    if isinstance(value, dt.datetime):
        return local(value).isoformat(timespec="minutes")
    return value.isoformat() if value else None


def export_content(session: Session) -> list[str]:
    """Every bureau, topic, guide, policy and synonym as content-file lines, in import order."""
    rows: list[dict] = []
    for b in session.scalars(select(Bureau).order_by(Bureau.id)):
        rows.append(
            {"kind": "bureau", "code": b.code, "name": b.name, "phone": b.phone,
             "supervisor": b.supervisor, "description": b.description}
        )
    for t in session.scalars(select(Topic).order_by(Topic.id)):
        rows.append(
            {"kind": "topic", "code": t.code, "name": t.name, "lead": t.lead.code if t.lead else None,
             "co": [b.code for b in t.co_bureaus], "key_indicator": t.key_indicator,
             "measures": list(t.measures), "description": t.description}
        )
    rows += [guide_line(g) for g in session.scalars(select(Guide).order_by(Guide.id))]
    rows += [policy_line(p) for p in session.scalars(select(Policy).order_by(Policy.id))]
    for s in session.scalars(select(Synonym).order_by(Synonym.id)):
        rows.append({"kind": "synonym", "term": s.term, "means": list(s.means)})
    return [json.dumps(row, ensure_ascii=False) for row in rows]


def guide_line(g: Guide) -> dict[str, Any]:
    """A stored guide as its content line."""
    row = {"kind": "guide", "slug": g.slug, "title": g.title, "code": g.code, "bureau": g.bureau.code,
           "topics": [t.code for t in g.topics]}
    row.update({name: getattr(g, name) for name in GUIDE_SCALARS if name not in ("title", "code")})
    row["case_type"] = g.case_type.value
    row["updated_on"] = _iso(g.updated_on)
    return {name: row[name] for name in ["kind", *KINDS["guide"].fields]}


def policy_line(p: Policy) -> dict[str, Any]:
    """A stored policy as its content line."""
    row = {"kind": "policy", "slug": p.slug, "bureau": p.bureau.code, "topics": [t.code for t in p.topics],
           "status": p.status.value, "part_of": p.part_of.slug if p.part_of else None}
    row.update({name: getattr(p, name) for name in POLICY_SCALARS})
    row.update(consultation_opens=p.consultation_opens_at, consultation_closes=p.consultation_closes_at,
               consultation_contact=p.consultation_bureau.code if p.consultation_bureau else None)
    for name in ("published_on", "effective_from", "expires_on", "consultation_opens", "consultation_closes"):
        row[name] = _iso(row[name])
    return {name: row[name] for name in ["kind", *KINDS["policy"].fields]}
