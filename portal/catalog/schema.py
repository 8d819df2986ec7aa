"""What a content-file line may hold: the kinds (bureau, topic, guide, policy, synonym, answer), their fields
with parser, whether required and default, and the check of one object against its kind."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from portal.catalog.fields import (OMIT, BadValue, boolean, choice, code, date, integer, link, list_of, moment,
                                   optional_code, optional_link, optional_slug, optional_text, record, slug, text)
from portal.catalog.models import AnswerStatus, CaseType, PolicyStatus

MATERIAL_FORMS = ("原件", "复印件", "原件和复印件", "电子件")

MATERIAL = record(
    {
        "name": (text(200, allow_empty=False), True, None),
        "form": (choice(MATERIAL_FORMS), False, "原件"),
        "copies": (integer(0, 99), False, 1),
        "required": (boolean, False, True),
        "note": (text(1000), False, ""),
        "form_url": (optional_link, False, None),
        "name_en": (text(300), False, OMIT),  # English, optional: the page in English shows it when given
        "note_en": (text(1500), False, OMIT),
    }
)
FAQ = record({"q": (text(500, allow_empty=False), True, None), "a": (text(5000, allow_empty=False), True, None),
              "q_en": (text(800), False, OMIT), "a_en": (text(8000), False, OMIT)})
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
            # English, all optional: a page read in English shows these where given, the Chinese elsewhere
            "title_en": (text(300), False, _const("")),
            "summary_en": (text(3000), False, _const("")),
            "body_en": (text(80000), False, _const("")),
            "applicants_en": (text(8000), False, _const("")),
            "conditions_en": (text(15000), False, _const("")),
            "steps_en": (list_of(text(1500), 50), False, list),
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
            "title_en": (text(500), False, _const("")),
            "summary_en": (text(3000), False, _const("")),
            "body_en": (text(300000), False, _const("")),
            "interpretation_en": (text(80000), False, _const("")),
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
    "answer": Kind(
        "answer",
        "slug",
        {
            "slug": (slug, True, _const(None)),
            "question": (text(300, allow_empty=False), True, _const(None)),
            "answer": (text(20000, allow_empty=False), True, _const(None)),
            "topics": (list_of(code, 20, unique=True), False, list),
            "bureau": (code, True, _const(None)),
            "guides": (list_of(slug, 20, unique=True), False, list),
            "policies": (list_of(slug, 20, unique=True), False, list),
            "published_on": (date(nullable=True), False, _const(None)),
            "status": (choice(s.value for s in AnswerStatus), False, _const("published")),
        },
    ),
}


@dataclass(frozen=True)
class LineError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"第 {self.line} 行" if self.line else "文件"
        return f"{where}，字段 {self.field}：{self.message}" if self.field else f"{where}：{self.message}"


@dataclass
class Entry:
    """One checked line of a content file."""

    line: int
    kind: str
    values: dict[str, Any]

    @property
    def key(self) -> str:
        return self.values[KINDS[self.kind].key]


def parse_object(number: int, kind: Kind, obj: dict, errors: list[LineError]) -> Entry | None:
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
        except BadValue as exc:
            errors.append(LineError(number, name, str(exc)))
            ok = False
    return Entry(number, kind.name, values) if ok else None
