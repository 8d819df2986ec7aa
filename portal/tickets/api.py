"""The ticket API of DESIGN.md, over the same validation and services as the form."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from portal.clock import today
from portal.extensions import db, limiter
from portal.tickets.models import Channel
from portal.tickets.public import public_view, published_summary
from portal.tickets.similar import public_matches
from portal.tickets.services import check_code, file_ticket
from portal.tickets.validation import validate
from portal.tickets.views import FILING_LIMIT, TRACKING_LIMIT, find_ticket
from portal.web import json_object, limits_off, with_code

api = Blueprint("tickets_api", __name__, url_prefix="/api/v1")


@api.post("/tickets")
@limiter.limit(FILING_LIMIT, exempt_when=limits_off)
def file():
    """201 with number and code, or 400 with per-field errors; nothing is stored on a 400."""
    data, errors = validate(db.session, json_object())
    if errors:
        return jsonify({"errors": errors}), 400
    ticket, code = file_ticket(db.session, data, channel=Channel.API)
    return jsonify({
        "number": ticket.number, "code": code, "status": ticket.state.value,
        "bureau": ticket.bureau.code if ticket.bureau else None,
        "sign_due": ticket.sign_due.isoformat() if ticket.sign_due else None,
        "reply_due": ticket.reply_due.isoformat() if ticket.reply_due else None,
    }), 201


@api.get("/tickets/<number>")
@limiter.limit(TRACKING_LIMIT, exempt_when=limits_off)
def show(number: str):
    """The public view, or 404 for an unknown number and a wrong code alike. The code comes in the
    X-Retrieval-Code header (kept out of URLs, logs and Referer headers) or, for old links, ?code=."""
    code = request.headers.get("X-Retrieval-Code") or request.args.get("code", "")
    ticket = find_ticket(number[:20])
    if not check_code(ticket, code[:40]):
        return with_code(jsonify({"error": "未找到", "message": "流水号或提取码不正确。"})), 404
    return with_code(jsonify(public_view(db.session, ticket, today())))


SIMILAR_LIMIT = "20 per minute;300 per day"


@api.post("/tickets/similar")
@limiter.limit(SIMILAR_LIMIT, exempt_when=limits_off)
def similar():
    """Published tickets (open or answered) on the same matter as the `subject` and `description` typed
    so far, for the filing form to offer before a business files again; never personal data. A POST so
    that what was typed stays out of URLs and access logs."""
    body = json_object()
    subject, description = body.get("subject"), body.get("description")
    subject = subject[:100] if isinstance(subject, str) else ""
    description = description[:2000] if isinstance(description, str) else ""
    found = public_matches(db.session, subject, description) if len(subject) + len(description) >= 8 else []
    return jsonify({"tickets": [published_summary(t) for t in found]})
