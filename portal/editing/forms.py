"""The edit forms of guides, policies and answers: form fields into a content record, and a record back into
form fields. The form only shapes the input (text areas into lists, table rows into objects, digits into
integers); every rule on the values is the content file's, applied by portal.editing.services."""
from __future__ import annotations

import re
from typing import Any

from werkzeug.datastructures import MultiDict

from portal.catalog.fields import BadValue
from portal.catalog.schema import FAQ, MATERIAL, MATERIAL_FORMS

GUIDE_LABELS = {
    "slug": "标识（网址）", "title": "事项名称", "code": "事项编码", "bureau": "实施部门", "topics": "所属领域",
    "summary": "摘要", "body": "办理说明", "applicants": "申请对象", "conditions": "受理条件",
    "materials": "申请材料", "steps": "办理流程", "case_type": "办件类型", "statutory_days": "法定办结时限",
    "promised_days": "承诺办结时限", "visits": "到现场次数", "fee": "收费", "fee_basis": "收费依据",
    "location": "办理地点", "hours": "办理时间", "phone": "咨询电话", "complaint_phone": "投诉电话",
    "online_url": "网上办理地址", "fully_online": "全程网办", "legal_basis": "设定依据", "faq": "常见问题",
    "updated_on": "最近更新", "title_en": "事项名称（英文）", "summary_en": "摘要（英文）", "body_en": "办理说明（英文）",
    "applicants_en": "申请对象（英文）", "conditions_en": "受理条件（英文）", "steps_en": "办理流程（英文）",
}
POLICY_LABELS = {
    "slug": "标识（网址）", "title": "文件标题", "bureau": "责任部门", "topics": "所属领域", "doc_number": "文号",
    "published_on": "发布日期", "effective_from": "施行日期", "expires_on": "有效期至", "status": "状态",
    "beneficiaries": "适用对象", "summary": "摘要", "body": "正文", "interpretation": "政策解读",
    "part_of": "所属文件", "measure_no": "措施序号", "consultation_opens": "征求意见开始时间",
    "consultation_closes": "征求意见截止时间", "consultation_contact": "意见受理部门",
    "title_en": "文件标题（英文）", "summary_en": "摘要（英文）", "body_en": "正文（英文）", "interpretation_en": "政策解读（英文）",
}
ANSWER_LABELS = {
    "slug": "标识（网址）", "question": "问题（企业的问法）", "answer": "答复", "topics": "所属领域", "bureau": "答复部门",
    "guides": "相关办事指南", "policies": "相关政策文件", "published_on": "发布日期", "status": "状态",
}
LABELS = {"guide": GUIDE_LABELS, "policy": POLICY_LABELS, "answer": ANSWER_LABELS}
MATERIAL_LABELS = {"name": "材料名称", "form": "形式", "copies": "份数", "required": "必需", "note": "说明",
                   "form_url": "表格下载地址", "name_en": "材料名称（英文）", "note_en": "说明（英文）"}
FAQ_LABELS = {"q": "问题", "a": "回答", "q_en": "问题（英文）", "a_en": "回答（英文）"}
BLANK_MATERIAL_ROWS = 3
BLANK_FAQ_ROWS = 2
MAX_ROWS = 300  # row numbers beyond this are not read; the content rules allow far fewer anyway

GUIDE_TEXT = ("title", "code", "summary", "body", "applicants", "conditions", "fee", "fee_basis", "location", "hours",
              "phone", "complaint_phone", "online_url", "legal_basis", "title_en", "summary_en", "body_en",
              "applicants_en", "conditions_en")
POLICY_TEXT = ("title", "doc_number", "summary", "body", "interpretation", "title_en", "summary_en", "body_en",
               "interpretation_en")
NEWLINES = re.compile(r"\r\n|\r|\n")  # browsers send CRLF; other separators stay visible to the checks
INTEGER = re.compile(r"[0-9]{1,6}")
ROW_FIELD = re.compile(r"(materials|faq)-([0-9]{1,4})-(\w+)")


def _text(form: MultiDict, name: str) -> str:
    return NEWLINES.sub("\n", form.get(name, ""))


def _lines(value: str) -> list[str]:
    return [line.strip() for line in NEWLINES.split(value) if line.strip()]


def _integer(value: str, nullable: bool) -> int | None:
    value = value.strip()
    if not value and nullable:
        return None
    if not INTEGER.fullmatch(value):
        raise BadValue("应填写整数" if value else "不能为空")
    return int(value)


def _relabel(message: str, labels: dict[str, str]) -> str:
    """A nested record's message ("的 name 不能为空") in the form's words ("材料名称不能为空")."""
    found = re.match(r"的 (\w+) (.*)", message, re.S)
    if found and found.group(1) in labels:
        return labels[found.group(1)] + found.group(2)
    return re.sub(r"缺少 (\w+)", lambda m: "缺少" + labels.get(m.group(1), m.group(1)), message)


def _rows(form: MultiDict, table: str, names: tuple[str, ...]) -> list[dict[str, str]]:
    """The table's rows as typed, in row order, blank rows left out."""
    rows: dict[int, dict[str, str]] = {}
    for key in form:
        found = ROW_FIELD.fullmatch(key)
        if found and found.group(1) == table and found.group(3) in names and int(found.group(2)) < MAX_ROWS:
            rows.setdefault(int(found.group(2)), {})[found.group(3)] = NEWLINES.sub("\n", form.get(key, ""))
    typed = [{name: row.get(name, "") for name in names} for _, row in sorted(rows.items())]
    content = [n for n in names if n not in ("form", "copies", "required")]  # what a blank row lacks
    return [row for row in typed if any(row[n].strip() for n in content)]


def read_form(kind: str, form: MultiDict, slug: str | None = None, bureau: str | None = None
              ) -> tuple[dict[str, Any], dict[str, Any], dict[str, list[str]]]:
    """The posted form as typed (to show again), as a content record, and the errors of its shape. `slug`
    is an existing item's (not posted), `bureau` the editor's own (what is posted is ignored)."""
    values, record, errors = {"guide": _read_guide, "policy": _read_policy, "answer": _read_answer}[kind](form)
    for name, fixed in (("slug", slug), ("bureau", bureau)):
        if fixed is not None:
            values[name] = record[name] = fixed
        elif not values[name]:
            errors[name] = ["请填写标识" if name == "slug" else "请选择部门"]
    return values, record, errors


def _read_guide(form: MultiDict) -> tuple[dict, dict, dict]:
    values: dict[str, Any] = {name: _text(form, name) for name in GUIDE_TEXT}
    values.update(slug=form.get("slug", "").strip(), bureau=form.get("bureau", ""), topics=form.getlist("topics"),
                  steps=_text(form, "steps"), steps_en=_text(form, "steps_en"), case_type=form.get("case_type", ""),
                  statutory_days=form.get("statutory_days", ""), promised_days=form.get("promised_days", ""),
                  visits=form.get("visits", ""), fully_online=form.get("fully_online") == "1",
                  materials=_rows(form, "materials", tuple(MATERIAL_LABELS)), faq=_rows(form, "faq", tuple(FAQ_LABELS)),
                  note=form.get("note", ""))
    for row in values["materials"]:
        row["required"] = row["required"] == "1"
    errors: dict[str, list[str]] = {}
    record: dict[str, Any] = {name: values[name] for name in ("slug", "title", "bureau", "topics")}
    record["code"] = values["code"] or None
    record.update({name: values[name] for name in GUIDE_TEXT if name not in ("title", "code")})
    record["steps"] = _lines(values["steps"])
    record["steps_en"] = _lines(values["steps_en"])
    record["case_type"] = values["case_type"]
    record["fully_online"] = values["fully_online"]
    record["updated_on"] = None  # set to the day of publication
    for name, nullable in (("statutory_days", True), ("promised_days", True), ("visits", False)):
        try:
            record[name] = _integer(values[name], nullable)
        except BadValue as exc:
            errors[name] = [f"{GUIDE_LABELS[name]}{exc}"]
    materials = []
    for i, row in enumerate(values["materials"]):
        obj = {"name": row["name"], "form": row["form"] or "原件", "required": row["required"], "note": row["note"],
               "form_url": row["form_url"].strip() or None, "name_en": row["name_en"], "note_en": row["note_en"]}
        try:
            copies = _integer(row["copies"], nullable=True)
        except BadValue as exc:
            errors[f"materials-{i}"] = [f"第 {i + 1} 行：{MATERIAL_LABELS['copies']}{exc}"]
            continue
        obj["copies"] = 1 if copies is None else copies
        try:
            materials.append(MATERIAL(obj))
        except BadValue as exc:
            errors[f"materials-{i}"] = [f"第 {i + 1} 行：{_relabel(str(exc), MATERIAL_LABELS)}"]
    record["materials"] = materials
    faq = []
    for i, row in enumerate(values["faq"]):
        try:
            faq.append(FAQ(dict(row)))
        except BadValue as exc:
            errors[f"faq-{i}"] = [f"第 {i + 1} 问：{_relabel(str(exc), FAQ_LABELS)}"]
    record["faq"] = faq
    return values, {name: record[name] for name in GUIDE_LABELS if name in record}, errors


def _read_policy(form: MultiDict) -> tuple[dict, dict, dict]:
    values: dict[str, Any] = {name: _text(form, name) for name in POLICY_TEXT}
    values.update(slug=form.get("slug", "").strip(), bureau=form.get("bureau", ""), topics=form.getlist("topics"),
                  published_on=form.get("published_on", "").strip(),
                  effective_from=form.get("effective_from", "").strip(),
                  expires_on=form.get("expires_on", "").strip(), status=form.get("status", ""),
                  beneficiaries=_text(form, "beneficiaries"), part_of=form.get("part_of", "").strip(),
                  measure_no=form.get("measure_no", ""), note=form.get("note", ""),
                  consultation_opens=form.get("consultation_opens", "").strip(),
                  consultation_closes=form.get("consultation_closes", "").strip(),
                  consultation_contact=form.get("consultation_contact", "").strip())
    errors: dict[str, list[str]] = {}
    record: dict[str, Any] = {name: values[name] for name in ("slug", "title", "bureau", "topics", "status")}
    record["doc_number"] = values["doc_number"] or None
    record.update({name: values[name] for name in ("summary", "body", "interpretation", "title_en", "summary_en",
                                                   "body_en", "interpretation_en")})
    record["beneficiaries"] = _lines(values["beneficiaries"])
    record["part_of"] = values["part_of"] or None
    if values["published_on"]:
        record["published_on"] = values["published_on"]
    else:
        errors["published_on"] = ["发布日期不能为空"]
    record["effective_from"] = values["effective_from"] or None
    record["expires_on"] = values["expires_on"] or None
    # <input type="datetime-local"> sends 2026-03-01T09:00, which the content rules read as county time
    for name in ("consultation_opens", "consultation_closes", "consultation_contact"):
        record[name] = values[name] or None
    try:
        record["measure_no"] = _integer(values["measure_no"], nullable=True)
    except BadValue as exc:
        errors["measure_no"] = [f"{POLICY_LABELS['measure_no']}{exc}"]
    return values, {name: record[name] for name in POLICY_LABELS if name in record}, errors


def _read_answer(form: MultiDict) -> tuple[dict, dict, dict]:
    values: dict[str, Any] = {"question": _text(form, "question"), "answer": _text(form, "answer"),
                              "slug": form.get("slug", "").strip(), "bureau": form.get("bureau", ""),
                              "topics": form.getlist("topics"), "guides": form.getlist("guides"),
                              "policies": form.getlist("policies"), "note": form.get("note", "")}
    record = {name: values[name] for name in ("slug", "question", "answer", "topics", "bureau", "guides", "policies")}
    record.update(published_on=None, status="draft")  # publishing sets both (portal.editing.services)
    return values, {name: record[name] for name in ANSWER_LABELS if name in record}, {}


def form_values(kind: str, record: dict[str, Any]) -> dict[str, Any]:
    """A content record as the form shows it."""
    values: dict[str, Any] = {name: "" if value is None else value for name, value in record.items()}
    values["note"] = ""
    if kind == "guide":
        values["steps"] = "\n".join(record.get("steps") or [])
        values["steps_en"] = "\n".join(record.get("steps_en") or [])
        for name in ("statutory_days", "promised_days", "visits"):
            values[name] = "" if record.get(name) is None else str(record[name])
        values["materials"] = [
            {"name": m["name"], "form": m["form"], "copies": str(m["copies"]), "required": m["required"],
             "note": m["note"], "form_url": m.get("form_url") or "", "name_en": m.get("name_en", ""),
             "note_en": m.get("note_en", "")} for m in record.get("materials") or []]
        values["faq"] = [{"q": item["q"], "a": item["a"], "q_en": item.get("q_en", ""), "a_en": item.get("a_en", "")}
                         for item in record.get("faq") or []]
    elif kind == "policy":
        values["beneficiaries"] = "\n".join(record.get("beneficiaries") or [])
        values["measure_no"] = "" if record.get("measure_no") is None else str(record["measure_no"])
        for name in ("consultation_opens", "consultation_closes"):  # 2026-03-01T09:00+08:00 → the input's form
            values[name] = (record.get(name) or "")[:16]
    return values


def blank_record(kind: str, bureau: str) -> dict[str, Any]:
    """The record a new item's form starts from."""
    if kind == "guide":
        return {"slug": "", "title": "", "code": None, "bureau": bureau, "topics": [], "materials": [], "steps": [],
                "case_type": "promised", "statutory_days": None, "promised_days": None, "visits": 1, "fee": "不收费",
                "fully_online": False, "faq": [], "complaint_phone": "12345", "online_url": ""}
    if kind == "answer":
        return {"slug": "", "question": "", "answer": "", "bureau": bureau, "topics": [], "guides": [], "policies": [],
                "published_on": None, "status": "draft"}
    return {"slug": "", "title": "", "bureau": bureau, "topics": [], "status": "in_force", "beneficiaries": [],
            "published_on": None, "effective_from": None, "expires_on": None, "part_of": None, "measure_no": None}


def material_forms() -> tuple[str, ...]:
    return MATERIAL_FORMS
