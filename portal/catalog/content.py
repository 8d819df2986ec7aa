"""Content files: JSON Lines of bureaus, topics, guides, policies, synonyms and answers, imported and exported.

Import is an upsert by code/slug and all or nothing: every line is checked (portal.catalog.schema),
references are resolved against the file and the database, and only a file without a single error is
written. Export writes the same format, so export → import → export gives the same file. Staff editing
(portal.editing) checks and applies one guide, policy or answer at a time through the same rules
(check_record, apply_record).
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from portal.actors import Actor
from portal.catalog.models import (
    Answer,
    AnswerGuide,
    AnswerPolicy,
    AnswerStatus,
    AnswerTopic,
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
from portal.catalog.schema import KINDS, Entry, LineError, parse_object
from portal.clock import local, now, today
from portal.errors import Invalid


class ContentError(Invalid):
    """A content file (or one record of it) that cannot be imported; nothing of it was written."""

    def __init__(self, lines: list[LineError]):
        super().__init__("\n".join(str(e) for e in lines))
        self.lines = lines

    @property
    def errors(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for e in self.lines:
            found.setdefault(e.field, []).append(e.message)
        return found


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, created: bool) -> None:
        target = self.created if created else self.updated
        target[kind] = target.get(kind, 0) + 1

    def __str__(self) -> str:
        names = {"bureau": "部门", "topic": "领域", "guide": "办事指南", "policy": "政策文件", "synonym": "同义词",
                 "answer": "问答"}
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
        except ValueError as exc:  # an integer of more than 4,300 digits, say
            errors.append(LineError(number, "", f"不是有效的 JSON（{exc}）"[:200]))
            continue
        if not isinstance(obj, dict):
            errors.append(LineError(number, "", "每行应为一个 JSON 对象"))
            continue
        kind = KINDS.get(obj.get("kind")) if isinstance(obj.get("kind"), str) else None
        if kind is None:
            allowed = "、".join(KINDS)
            errors.append(LineError(number, "kind", f"未知类型 {obj.get('kind')!r}，应为 {allowed} 之一"))
            continue
        entry = parse_object(number, kind, obj, errors)
        if entry is None:
            continue
        first = seen.setdefault((entry.kind, entry.key), number)
        if first != number:
            errors.append(LineError(number, kind.key, f"{entry.key} 在第 {first} 行已出现"))
            continue
        entries.append(entry)
    return entries, errors


def check_record(session: Session, kind: str, record: dict) -> dict[str, Any]:
    """A guide, policy or answer record (a content line without "kind") passes exactly the checks of an import
    line, references against the database included; returns its values or raises ContentError."""
    errors: list[LineError] = []
    entry = parse_object(0, KINDS[kind], record, errors)
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
        "guide": in_file["guide"] | set(session.scalars(select(Guide.slug))),
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
        elif e.kind in ("guide", "policy", "answer"):
            need(e, "bureau", "bureau", v["bureau"], "部门")
            for code in v["topics"]:
                need(e, "topics", "topic", code, "领域")
        if e.kind == "answer":
            for slug in v["guides"]:
                need(e, "guides", "guide", slug, "办事指南")
            for slug in v["policies"]:
                need(e, "policies", "policy", slug, "政策文件")
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


IMPORTER = Actor("admin", "内容导入", username="cli", role="admin", address="cli")
ORDER = ["bureau", "topic", "guide", "policy", "synonym", "answer"]  # what a line may refer to comes first
BATCH = 250  # lines written between flushes (and, when the caller asks, between commits: ≈0.5 s on SQLite)


def check_file(session: Session, lines: Iterable[str]) -> list[Entry]:
    """Every line of a content file checked, references against the file and the database included;
    raises ContentError listing every error, and writes nothing."""
    entries, errors = parse_lines(lines)
    if not errors:
        errors = _check_references(session, entries)
    if errors:
        raise ContentError(errors)
    if not entries:
        raise ContentError([LineError(0, "", "文件中没有任何内容")])
    return entries


def import_content(session: Session, lines: Iterable[str], actor: Actor = IMPORTER,
                   unit: Callable[[], AbstractContextManager] | None = None) -> ImportReport:
    """Upsert a whole content file, or raise ContentError and write nothing; policy status changes are
    recorded under `actor`. Every line is checked before the first is written. The caller commits; a
    caller that passes `unit` (a transaction per call) gets the lines written BATCH at a time, each
    batch in its own unit, so that on SQLite other writers (a business filing) get in between."""
    entries = check_file(session, lines)
    unit = unit or nullcontext
    report = ImportReport()
    ordered = [e for kind in ORDER for e in entries if e.kind == kind]
    with _keys_cached(session, entries):
        for start in range(0, len(ordered), BATCH):
            with unit():
                with session.no_autoflush:
                    for entry in ordered[start:start + BATCH]:
                        _apply(session, entry.kind, entry.values, report, actor, "内容文件导入")
                session.flush()
        # Parents may come after their parts in the file: link them once every policy exists.
        with unit():
            for entry in (e for e in entries if e.kind == "policy"):
                _link_parent(session, entry.values)
            session.flush()
    return report


def apply_record(session: Session, kind: str, values: dict[str, Any], actor: Actor, reason: str
                 ) -> Guide | Policy | Answer:
    """Upsert one checked guide, policy or answer as import does; a policy status change is recorded
    under `actor`."""
    with session.no_autoflush:
        _apply(session, kind, values, ImportReport(), actor, reason)
    session.flush()
    if kind == "policy":
        _link_parent(session, values)
        session.flush()
    model = {"guide": Guide, "policy": Policy, "answer": Answer}[kind]
    return _by_key(session, model, model.slug, values["slug"])


def _apply(session: Session, kind: str, values: dict[str, Any], report: ImportReport, actor: Actor,
           reason: str) -> None:
    if kind == "policy":
        _upsert_policy(session, values, report, actor, reason)
    else:
        _UPSERT[kind](session, values, report)


_KEYS = "content.keys"  # (model, code or slug) -> the row or None, while an import runs
KEYED = {"bureau": (Bureau, Bureau.code), "topic": (Topic, Topic.code), "guide": (Guide, Guide.slug),
         "policy": (Policy, Policy.slug), "synonym": (Synonym, Synonym.term), "answer": (Answer, Answer.slug)}


@contextmanager
def _keys_cached(session: Session, entries: list[Entry]) -> Iterator[None]:
    """Look up every row the file names once, not once per line: an import of 10,000 lines costs
    10,000 steps. New rows join the cache as they are made."""
    cache: dict = {}
    for kind, (model, column) in KEYED.items():
        keys = sorted({e.key for e in entries if e.kind == kind}
                      | ({e.values["part_of"] for e in entries if e.kind == "policy" and e.values["part_of"]}
                         if kind == "policy" else set()))
        for start in range(0, len(keys), BATCH):
            chunk = keys[start:start + BATCH]
            found = {getattr(row, column.key): row for row in session.scalars(select(model).where(column.in_(chunk)))}
            cache.update({(model, key): found.get(key) for key in chunk})
    session.info[_KEYS] = cache
    try:
        yield
    finally:
        session.info.pop(_KEYS, None)


def _link_parent(session: Session, values: dict[str, Any]) -> None:
    policy = _by_key(session, Policy, Policy.slug, values["slug"])
    parent = values["part_of"]
    policy.part_of = _by_key(session, Policy, Policy.slug, parent) if parent else None


def _by_key(session: Session, model, column, value):
    cache = session.info.get(_KEYS)
    if cache is not None and (model, value) in cache:
        return cache[(model, value)]
    found = session.scalars(select(model).where(column == value)).one_or_none()
    if cache is not None:
        cache[(model, value)] = found
    return found


def _new(session: Session, model, key_name: str, key: str):
    """A new row of `model` with its key, added to the session and to the import's cache."""
    row = model(**{key_name: key})
    session.add(row)
    cache = session.info.get(_KEYS)
    if cache is not None:
        cache[(model, key)] = row
    return row


def _bureau(session: Session, code: str) -> Bureau:
    return _by_key(session, Bureau, Bureau.code, code)


def _topic(session: Session, code: str) -> Topic:
    return _by_key(session, Topic, Topic.code, code)


def _set_links(links: list, wanted: list, make, target: str) -> None:
    """Make a row's ordered links (topics, co-bureaus) name exactly `wanted`, in that order: links
    kept are re-numbered, missing ones added, others removed. No link is deleted and added again in
    one flush, so nothing has to be flushed in between."""
    existing = {id(getattr(link, target)): link for link in links}  # one object per row in a session
    keep = []
    for position, item in enumerate(wanted):
        link = existing.pop(id(item), None)
        if link is None:
            link = make(item)
        link.position = position
        keep.append(link)
    links[:] = keep


def _upsert_bureau(session: Session, v: dict, report: ImportReport) -> None:
    bureau = _by_key(session, Bureau, Bureau.code, v["code"])
    report.count("bureau", bureau is None)
    if bureau is None:
        bureau = _new(session, Bureau, "code", v["code"])
    bureau.name, bureau.phone = v["name"], v["phone"]
    bureau.supervisor, bureau.description = v["supervisor"], v["description"]


def _upsert_topic(session: Session, v: dict, report: ImportReport) -> None:
    topic = _by_key(session, Topic, Topic.code, v["code"])
    report.count("topic", topic is None)
    if topic is None:
        topic = _new(session, Topic, "code", v["code"])
    topic.name = v["name"]
    topic.lead = _bureau(session, v["lead"]) if v["lead"] else None
    topic.key_indicator, topic.measures, topic.description = v["key_indicator"], v["measures"], v["description"]
    _set_links(topic.co_links, [_bureau(session, c) for c in v["co"]], lambda b: TopicCoBureau(bureau=b), "bureau")


GUIDE_SCALARS = (
    "title code summary body applicants conditions materials steps statutory_days promised_days visits fee "
    "fee_basis location hours phone complaint_phone online_url fully_online legal_basis faq "
    "title_en summary_en body_en applicants_en conditions_en steps_en"
).split()


def _upsert_guide(session: Session, v: dict, report: ImportReport) -> None:
    guide = _by_key(session, Guide, Guide.slug, v["slug"])
    report.count("guide", guide is None)
    if guide is None:
        guide = _new(session, Guide, "slug", v["slug"])
    for name in GUIDE_SCALARS:
        setattr(guide, name, v[name])
    guide.case_type = CaseType(v["case_type"])
    guide.updated_on = v["updated_on"] or today()
    guide.bureau = _bureau(session, v["bureau"])
    _set_links(guide.topic_links, [_topic(session, c) for c in v["topics"]], lambda t: GuideTopic(topic=t), "topic")


POLICY_SCALARS = (
    "title doc_number published_on effective_from expires_on beneficiaries summary body interpretation measure_no "
    "title_en summary_en body_en interpretation_en"
).split()


def _upsert_policy(session: Session, v: dict, report: ImportReport, actor: Actor, reason: str) -> None:
    policy = _by_key(session, Policy, Policy.slug, v["slug"])
    report.count("policy", policy is None)
    if policy is None:
        policy = _new(session, Policy, "slug", v["slug"])
    for name in POLICY_SCALARS:
        setattr(policy, name, v[name])
    policy.consultation_opens_at, policy.consultation_closes_at = v["consultation_opens"], v["consultation_closes"]
    policy.consultation_bureau = _bureau(session, v["consultation_contact"]) if v["consultation_contact"] else None
    status = PolicyStatus(v["status"])
    if policy.status is not None and policy.status is not status:
        policy.status_changes.append(PolicyStatusChange(
            from_status=policy.status, to_status=status, changed_at=now(), actor=actor.name or actor.kind, reason=reason))
    policy.status = status
    policy.bureau = _bureau(session, v["bureau"])
    _set_links(policy.topic_links, [_topic(session, c) for c in v["topics"]], lambda t: PolicyTopic(topic=t), "topic")


def _upsert_synonym(session: Session, v: dict, report: ImportReport) -> None:
    synonym = _by_key(session, Synonym, Synonym.term, v["term"])
    report.count("synonym", synonym is None)
    if synonym is None:
        synonym = _new(session, Synonym, "term", v["term"])
    synonym.means = v["means"]


def _upsert_answer(session: Session, v: dict, report: ImportReport) -> None:
    answer = _by_key(session, Answer, Answer.slug, v["slug"])
    report.count("answer", answer is None)
    if answer is None:
        answer = _new(session, Answer, "slug", v["slug"])
    answer.question, answer.answer = v["question"], v["answer"]
    answer.status = AnswerStatus(v["status"])
    answer.published_on = v["published_on"] or (today() if answer.status is AnswerStatus.PUBLISHED else None)
    answer.bureau = _bureau(session, v["bureau"])
    _set_links(answer.topic_links, [_topic(session, c) for c in v["topics"]], lambda t: AnswerTopic(topic=t), "topic")
    _set_links(answer.guide_links, [_by_key(session, Guide, Guide.slug, s) for s in v["guides"]],
               lambda g: AnswerGuide(guide=g), "guide")
    _set_links(answer.policy_links, [_by_key(session, Policy, Policy.slug, s) for s in v["policies"]],
               lambda p: AnswerPolicy(policy=p), "policy")


_UPSERT = {
    "bureau": _upsert_bureau,
    "topic": _upsert_topic,
    "guide": _upsert_guide,
    "synonym": _upsert_synonym,
    "answer": _upsert_answer,
}


def _iso(value: dt.date | None) -> str | None:
    if isinstance(value, dt.datetime):
        return local(value).isoformat(timespec="minutes")
    return value.isoformat() if value else None


def export_content(session: Session) -> list[str]:
    """Every bureau, topic, guide, policy, synonym and answer as content-file lines, in import order."""
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
    rows += [answer_line(a) for a in session.scalars(select(Answer).order_by(Answer.id))]
    return [json.dumps(row, ensure_ascii=False) for row in rows]


def answer_line(a: Answer) -> dict[str, Any]:
    """A stored answer as its content line."""
    row = {"kind": "answer", "slug": a.slug, "question": a.question, "answer": a.answer,
           "topics": [t.code for t in a.topics], "bureau": a.bureau.code, "guides": [g.slug for g in a.guides],
           "policies": [p.slug for p in a.policies], "published_on": _iso(a.published_on), "status": a.status.value}
    return {name: row[name] for name in ["kind", *KINDS["answer"].fields]}


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
