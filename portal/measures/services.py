"""The lead bureau's rules for its measures: report progress with a dated milestone, link a ticket.
Only the lead bureau's staff report on a measure; every report and link is an audit line. Callers commit."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from portal.actors import Actor
from portal.audit import audit, name_actions
from portal.clock import now, today
from portal.errors import Forbidden, Invalid, InvalidFields, Refused
from portal.measures.models import MeasureProgress, MeasureStatus, MeasureTicket, Milestone
from portal.measures.queries import Measure
from portal.text import plain
from portal.tickets.models import Ticket

name_actions({"measure_report": "报送措施进展", "measure_link": "关联工单到措施"})


def _lead_only(actor: Actor, item: Measure) -> None:
    if actor.kind != "admin" and (actor.bureau is None or actor.bureau.id != item.policy.bureau_id):
        raise Forbidden(f"只有牵头单位{item.lead.name}可以报送措施{item.no}的进展。")


def report(session: Session, actor: Actor, item: Measure, status: str, percent: str, day: dt.date | None,
           note: str) -> Milestone:
    """The lead bureau reports where the measure stands: a status, a percentage (0-100, 100 only when
    done) and a dated note, appended to its timeline; the record shows the latest report."""
    _lead_only(actor, item)
    errors: dict[str, list[str]] = {}
    try:
        chosen = MeasureStatus(status)
    except ValueError:
        chosen = None
        errors["status"] = ["请选择推进状态。"]
    value = percent.strip() if isinstance(percent, str) else ""
    if not (value.isascii() and value.isdecimal() and 0 <= int(value) <= 100):
        errors["percent"] = ["完成进度应为 0 到 100 之间的整数。"]
    elif chosen is MeasureStatus.DONE and int(value) != 100:
        errors["percent"] = ["状态为“已完成”时，完成进度应为 100。"]
    elif chosen is not MeasureStatus.DONE and chosen is not None and int(value) == 100:
        errors["percent"] = ["完成进度为 100 时，请将状态选为“已完成”。"]
    if day is None:
        errors["day"] = ["请填写进展日期（年-月-日）。"]
    elif day > today():
        errors["day"] = ["进展日期不能晚于今天。"]
    try:
        text = plain(note, "进展说明", 2000, "note")
    except Invalid as exc:
        errors.update(exc.errors)
        text = ""
    else:
        if not text:
            errors["note"] = ["请写明本次进展。"]
    if errors:
        raise InvalidFields(errors)
    moment = now()
    progress = item.progress or session.get(MeasureProgress, item.policy.id)
    if progress is None:
        progress = MeasureProgress(policy_id=item.policy.id)
        session.add(progress)
        item.progress = progress
    progress.status, progress.percent = chosen, int(value)
    progress.reported_at, progress.reported_by, progress.bureau_id = moment, actor.name[:50], item.policy.bureau_id
    milestone = Milestone(policy_id=item.policy.id, day=day, note=text, status=chosen, percent=int(value), at=moment,
                          actor_name=actor.name[:50], bureau_id=item.policy.bureau_id)
    session.add(milestone)
    audit(session, actor, "measure_report", f"措施{item.no}", f"{chosen.label} {value}%：{text}")
    session.flush()
    return milestone


def link_ticket(session: Session, actor: Actor, item: Measure, ticket: Ticket | None) -> MeasureTicket:
    """The lead bureau links a ticket to its measure (one of another topic that bears on it)."""
    _lead_only(actor, item)
    if ticket is None:
        raise InvalidFields({"number": ["没有这个流水号的工单。"]})
    if session.get(MeasureTicket, (item.policy.id, ticket.id)) is not None:
        raise Refused(f"工单 {ticket.number} 已关联到措施{item.no}。", "number")
    link = MeasureTicket(policy_id=item.policy.id, ticket_id=ticket.id, linked_at=now(), linked_by=actor.name[:50])
    session.add(link)
    audit(session, actor, "measure_link", f"措施{item.no}", ticket.number)
    session.flush()
    return link
