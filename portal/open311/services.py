"""API keys and the Open311 filings and reads: the rules, whatever door (CLI, HTTP) asks.

A key is 256 random bits shown once; only its SHA-256 is stored (a fast hash is enough for a secret
that cannot be guessed, and it lets a request's key be found by an indexed lookup). A revoked key is
refused from the next request on. A filing maps the GeoReport fields onto the portal's own and goes
through the same validation and `file_ticket` as the form; a read shows a ticket only when its
business agreed to publication or when the asking key filed it, and never personal data."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal.actors import Actor
from portal.audit import audit, name_actions
from portal.catalog import queries as catalog_queries
from portal.catalog.models import Topic
from portal.clock import COUNTY_TZ, chinese_date, local, now
from portal.errors import Forbidden, Invalid, InvalidFields, NotFound, Refused
from portal.open311.models import ApiKey, KeyedTicket
from portal.text import is_key
from portal.tickets.models import KEY_CHANNELS, Ticket, TicketState, TicketType
from portal.tickets.services import file_ticket
from portal.tickets.validation import validate

S = TicketState
KEY_PREFIX = "hn311_"
NAME = re.compile(r"[a-z0-9][a-z0-9-]{1,49}")
ATTRIBUTES = ("type", "subject", "company_name", "credit_code", "consent", "publish", "guide", "confidential")
CLOSED = (S.REPLIED, S.CLOSED, S.REJECTED)  # "closed" in Open311: answered, concluded or not admissible
MAX_RESULTS = 200
SPAN = dt.timedelta(days=90)  # the spec's default and largest window of requested_datetime

name_actions({"apikey_create": "创建 Open311 API key", "apikey_revoke": "吊销 Open311 API key"})


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(session: Session, actor: Actor, name: str, channel: str) -> tuple[ApiKey, str]:
    """A new key for a partner (its name: lowercase letters, digits, hyphens); the key itself is
    returned once and never stored."""
    chosen = next((c for c in KEY_CHANNELS if c.value == channel), None)
    if chosen is None:
        raise Invalid(f"渠道应为 {'、'.join(c.value for c in KEY_CHANNELS)} 之一。", "channel")
    if not NAME.fullmatch(name or ""):
        raise Invalid("名称为 2 至 50 个小写字母、数字或连字符，以字母或数字开头。", "name")
    if session.scalar(select(ApiKey.id).where(ApiKey.name == name)) is not None:
        raise Invalid(f"已有名为 {name} 的 API key。", "name")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    record = ApiKey(name=name, channel=chosen, key_hash=digest(key), prefix=key[:10], created_at=now())
    session.add(record)
    session.flush()
    audit(session, actor, "apikey_create", target=name, detail=chosen.value)
    return record, key


def revoke_key(session: Session, actor: Actor, name: str) -> ApiKey:
    """Revoke a key by name: every request with it is refused (403) from now on."""
    record = session.scalars(select(ApiKey).where(ApiKey.name == name)).one_or_none()
    if record is None:
        raise NotFound(f"没有名为 {name} 的 API key。")
    if record.revoked_at is not None:
        raise Refused(f"API key {name} 已于 {chinese_date(record.revoked_at)} 吊销。")
    record.revoked_at = now()
    audit(session, actor, "apikey_revoke", target=name)
    return record


def keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.name)))


def key_named_by(session: Session, key: str | None) -> ApiKey | None:
    """The key record a presented key belongs to (revoked or not), or None."""
    if not isinstance(key, str) or not key.startswith(KEY_PREFIX) or len(key) > 100:
        return None
    return session.scalars(select(ApiKey).where(ApiKey.key_hash == digest(key))).one_or_none()


def authenticate(session: Session, key: str | None) -> ApiKey:
    """The active key presented, or 403: missing, unknown and revoked alike say so."""
    if not key:
        raise Forbidden("缺少 api_key。")
    record = key_named_by(session, key)
    if record is None:
        raise Forbidden("api_key 无效。")
    if record.revoked_at is not None:
        raise Forbidden("api_key 已被吊销。")
    return record


# ---- services (topics)

SECTIONS = [  # the plan's seven sections and the measure numbers in each
    (range(1, 11), "（一）打造“办事更高效”的政务环境"), (range(11, 17), "（二）打造“企业更满意”的政策环境"),
    (range(17, 22), "（三）打造“配置更合理”的要素环境"), (range(22, 28), "（四）打造“支撑更有力”的设施环境"),
    (range(28, 31), "（五）打造“活力更充盈”的产业环境"), (range(31, 34), "（六）打造“关系更优良”的政商环境"),
    (range(34, 38), "（七）打造“监管更有效”的法治环境"),
]


def group_of(topic: Topic) -> str:
    """The plan's section a topic's first measure belongs to; a key indicator without one: 关键指标."""
    for measure in topic.measures or []:
        for numbers, name in SECTIONS:
            if measure in numbers:
                return name
    return "关键指标" if topic.key_indicator else "其他"


def service(topic: Topic) -> dict:
    lead = topic.lead.name if topic.lead else "县营商环境办分办"
    return {"service_code": topic.code, "service_name": topic.name,
            "description": f"{topic.description}（承办：{lead}）" if topic.description else f"承办：{lead}",
            "metadata": True, "type": "realtime", "keywords": "", "group": group_of(topic)}


def definition(topic: Topic) -> dict:
    """The service definition: the portal's own filing fields as GeoReport attributes."""
    yes_no = [{"key": "true", "name": "是"}, {"key": "false", "name": "否"}]
    rows = [
        ("type", "singlevaluelist", True, "诉求类型", [{"key": t.value, "name": t.label} for t in TicketType]),
        ("subject", "string", True, "标题，4 至 100 字", None),
        ("company_name", "string", False, "单位名称，个人可不填", None),
        ("credit_code", "string", False, "统一社会信用代码，18 位；个人可不填", None),
        ("consent", "singlevaluelist", True, "诉求人同意其姓名、电话、邮箱和统一社会信用代码仅用于办理本诉求、"
                                              "只向承办单位和县营商环境办显示；必须为 true", [{"key": "true", "name": "同意"}]),
        ("publish", "singlevaluelist", False, "是否同意隐去个人和企业信息后公开答复", yes_no),
        ("guide", "string", False, "涉及的办事指南代码（slug），可不填", None),
        ("confidential", "singlevaluelist", False, "保密件：不向承办单位透露诉求人身份", yes_no),
    ]
    return {"service_code": topic.code, "attributes": [
        {"variable": True, "code": code, "datatype": kind, "required": required,
         "datatype_description": "" if values is None else "取值见 values", "order": order, "description": text,
         **({"values": values} if values is not None else {})}
        for order, (code, kind, required, text, values) in enumerate(rows, 1)]}


def topic_for(session: Session, code) -> Topic:
    """The service a code names: 400 when none is given, 404 when there is no such service."""
    if not isinstance(code, str) or not code.strip():
        raise Invalid("缺少 service_code。", "service_code")
    topic = catalog_queries.topic_by_code(session, code.strip()) if is_key(code.strip()) else None
    if topic is None:
        raise NotFound(f"没有代码为 {code.strip()[:40]} 的服务（service_code）。", "service_code")
    return topic


# ---- filing

OPEN311_NAMES = {"topic": "service_code", "description": "description", "contact_name": "first_name",
                 "phone": "phone", "email": "email", "_body": "_body"}


def open311_name(field: str) -> str:
    """The GeoReport name of a filing field: attribute[subject], first_name …"""
    return OPEN311_NAMES.get(field, f"attribute[{field}]")


def _text(raw: Mapping, name: str) -> str:
    value = raw.get(name)
    return value.strip() if isinstance(value, str) else ""


def contact_name(first: str, last: str) -> str:
    """The contact as one name: 姓 + 名 written together in Chinese, "first last" otherwise."""
    if any("\u3400" <= ch <= "\u9fff" for ch in first + last):
        return last + first
    return f"{first} {last}".strip()


def filing_fields(raw: Mapping, attributes: Mapping) -> dict:
    """The portal's filing fields from a GeoReport POST (form or JSON)."""
    fields = {name: attributes.get(name) for name in ATTRIBUTES if attributes.get(name) is not None}
    fields.update(topic=_text(raw, "service_code"), description=raw.get("description"),
                  contact_name=contact_name(_text(raw, "first_name"), _text(raw, "last_name")),
                  phone=raw.get("phone"), email=raw.get("email"))
    return fields


def file_request(session: Session, key: ApiKey, raw: Mapping, attributes: Mapping) -> tuple[Ticket, str]:
    """File a GeoReport POST through the filing's own validation; a field error names the attribute."""
    topic_for(session, raw.get("service_code"))
    data, errors = validate(session, filing_fields(raw, attributes))
    if errors:
        raise InvalidFields({open311_name(field): messages for field, messages in errors.items()})
    ticket, code = file_ticket(session, data, Actor("business", f"{key.name}（Open311）"), channel=key.channel)
    session.add(KeyedTicket(ticket=ticket, api_key=key))
    return ticket, code


def notice(ticket: Ticket) -> str:
    """The deadlines in Chinese, for `service_notice`."""
    if ticket.bureau is None:
        return "由县营商环境办分办，分办后确定答复期限。"
    return (f"已交{ticket.bureau.name}办理，签收期限 {chinese_date(ticket.sign_due)}，"
            f"答复期限 {chinese_date(ticket.reply_due)}（均为工作日计算，至当日24时）。")


# ---- reading

def _visible(key: ApiKey | None):
    own = select(KeyedTicket.ticket_id).where(KeyedTicket.api_key_id == key.id) if key else None
    return or_(Ticket.publish.is_(True), Ticket.id.in_(own)) if own is not None else Ticket.publish.is_(True)


def request_by_number(session: Session, number: str, key: ApiKey | None) -> Ticket:
    """One ticket this caller may read, or 404 alike for one that does not exist."""
    ticket = session.scalars(select(Ticket).where(Ticket.number == number[:20], _visible(key))).one_or_none()
    if ticket is None:
        raise NotFound(f"没有流水号为 {number[:20]} 的公开诉求。", "service_request_id")
    return ticket


def parse_moment(value: str, name: str) -> dt.datetime:
    """A W3C moment (2026-11-01T00:00:00Z, with an offset, or a date): county time when it has none."""
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{name} 应为 W3C 日期时间，如 2026-11-01T00:00:00+08:00。", name) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=COUNTY_TZ)


@dataclass(frozen=True)
class RequestFilters:
    ids: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    statuses: tuple[str, ...] = ()


def filters_from(args: Mapping) -> RequestFilters:
    """The query of GET requests: service_request_id (overrides the rest), service_code, start_date,
    end_date (at most 90 days apart; by default the last 90 days), status (open, closed)."""
    split = lambda name: tuple(v.strip() for v in (args.get(name) or "").split(",") if v.strip())  # noqa: E731
    ids = split("service_request_id")
    if len(ids) > 50:
        raise Invalid("service_request_id 一次最多 50 个。", "service_request_id")
    statuses = split("status")
    if any(s not in ("open", "closed") for s in statuses):
        raise Invalid("status 应为 open 或 closed。", "status")
    start = parse_moment(args["start_date"], "start_date") if args.get("start_date") else None
    end = parse_moment(args["end_date"], "end_date") if args.get("end_date") else None
    if start and end and end - start > SPAN:
        raise Invalid("start_date 与 end_date 相隔不能超过 90 天。", "end_date")
    if start and end and end < start:
        raise Invalid("end_date 不能早于 start_date。", "end_date")
    return RequestFilters(ids, split("service_code"), start, end, statuses)


def find_requests(session: Session, key: ApiKey | None, filters: RequestFilters) -> list[Ticket]:
    """Published tickets, and the caller's own, newest first (at most MAX_RESULTS)."""
    stmt = select(Ticket).where(_visible(key)).order_by(Ticket.created_at.desc(), Ticket.id.desc())
    if filters.ids:
        return list(session.scalars(stmt.where(Ticket.number.in_(filters.ids))))
    end = filters.end or (filters.start + SPAN if filters.start else now())
    start = filters.start or end - SPAN
    stmt = stmt.where(Ticket.created_at >= start.astimezone(dt.timezone.utc),
                      Ticket.created_at <= end.astimezone(dt.timezone.utc))
    if filters.codes:
        stmt = stmt.where(Ticket.topic_id.in_(select(Topic.id).where(Topic.code.in_(filters.codes))))
    found = []
    for ticket in session.scalars(stmt.limit(MAX_RESULTS * 5)):
        if not filters.statuses or status_of(ticket) in filters.statuses:
            found.append(ticket)
        if len(found) == MAX_RESULTS:
            break
    return found


def _answering(ticket: Ticket) -> Ticket:
    """The ticket whose progress answers this one: its master when merged."""
    return ticket.merged_into if ticket.state is S.MERGED and ticket.merged_into is not None else ticket


def status_of(ticket: Ticket) -> str:
    return "closed" if _answering(ticket).state in CLOSED else "open"


def _iso(moment: dt.datetime) -> str:
    return local(moment).isoformat(timespec="seconds")


def request_record(ticket: Ticket) -> dict:
    """A ticket as GeoReport shows it: no personal data, the subject as its description."""
    answering = _answering(ticket)
    notes = [answering.state.label]
    if answering is not ticket:
        notes.insert(0, f"已并入工单 {answering.number} 办理")
    last = answering.reply_event
    if answering.state in (S.REPLIED, S.CLOSED, S.REOPENED) and last is not None:
        notes.append(f"答复（{last.bureau.name if last.bureau else ''}）：{last.public_text}")
    rejected = next((e for e in reversed(answering.events) if e.action == "reject"), None)
    if answering.state is S.REJECTED and rejected is not None:
        notes.append(rejected.public_text)
    expected = (dt.datetime.combine(answering.reply_due, dt.time(23, 59, 59), tzinfo=COUNTY_TZ).isoformat()
                if answering.reply_due else None)
    return {
        "service_request_id": ticket.number, "status": status_of(ticket), "status_notes": "；".join(notes),
        "service_name": ticket.topic.name, "service_code": ticket.topic.code, "description": ticket.subject,
        "agency_responsible": answering.bureau.name if answering.bureau else "县营商环境办",
        "service_notice": notice(answering), "requested_datetime": _iso(ticket.created_at),
        "updated_datetime": _iso(max(local(e.at) for e in [*ticket.events, *answering.events])),
        "expected_datetime": expected, "address": "", "address_id": "", "zipcode": "", "lat": None,
        "long": None, "media_url": "",
    }
