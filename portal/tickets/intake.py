"""Staff intake (受理): what arrives by phone, letter, visit, the 12345 hotline or WeChat is entered by
staff, a bureau admin or the supervising office and then goes the way of every filing: the same
validation (portal/tickets/validation.py), `file_ticket`, routing and clocks. The channel and the moment
it was received are recorded, and the caller's consent to the use of their data as given orally (a
letter: in writing) in the filing's internal note; the code is shown once, for the staff member to
read out, and mailed if an address was given."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy.orm import Session

from portal.actors import Actor
from portal.clock import COUNTY_TZ, now
from portal.errors import InvalidFields
from portal.tickets.models import STAFF_CHANNELS, Channel, Ticket
from portal.tickets.services import file_ticket
from portal.tickets.validation import validate

RECEIVED_WITHIN = dt.timedelta(days=30)  # a letter may wait some days to be entered; older is a typing slip
CONSENT_MESSAGE = "请先向诉求人告知个人信息使用说明并取得其同意。"


def channel_of(value) -> Channel | None:
    """One of the channels staff record, or None."""
    return next((c for c in STAFF_CHANNELS if c.value == value), None)


def received_moment(value, moment: dt.datetime) -> tuple[dt.datetime | None, str]:
    """The `received_at` field (YYYY-MM-DDTHH:MM, county time; empty for now) as a UTC moment, or why not."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return moment, ""
    try:
        received = dt.datetime.fromisoformat(text[:16])
    except ValueError:
        return None, "受理时间格式不正确（如 2026-11-25T09:30）。"
    if len(text) > 19 or received.tzinfo is not None:
        return None, "受理时间格式不正确（如 2026-11-25T09:30）。"
    received = received.replace(tzinfo=COUNTY_TZ).astimezone(dt.timezone.utc)
    if received > moment + dt.timedelta(minutes=5):
        return None, "受理时间不能晚于现在。"
    if received < moment - RECEIVED_WITHIN:
        return None, "受理时间不能早于 30 天前；更早收到的请说明情况后按现在录入。"
    return received, ""


def take_in(session: Session, raw: Mapping, actor: Actor) -> tuple[Ticket, str]:
    """File what a caller, a letter or a visitor asked, as `actor` took it; every field is checked at
    once and nothing is stored unless all are right."""
    data, errors = validate(session, raw)
    if "consent" in errors:
        errors["consent"] = [CONSENT_MESSAGE]
    channel = channel_of(raw.get("channel"))
    if channel is None:
        errors["channel"] = ["请选择受理渠道：电话、来信、来访、12345转办或微信。"]
    received, problem = received_moment(raw.get("received_at"), now())
    if problem:
        errors["received_at"] = [problem]
    if errors:
        raise InvalidFields(errors)
    how = "书面" if channel is Channel.LETTER else "口头"
    note = f"{channel.label}受理（{actor.name}）；个人信息使用说明已告知诉求人，诉求人{how}同意。"
    return file_ticket(session, data, actor, channel=channel, received_at=received, note=note)
