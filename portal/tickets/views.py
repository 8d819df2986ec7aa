"""Filing, confirmation, tracking and rating: pages a business uses without an account."""
from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from flask import (Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, send_file,
                   session, url_for)
from sqlalchemy import select

from portal import site
from portal.actors import BUSINESS
from portal.catalog import queries
from portal.catalog.views import PageSection
from portal.clock import today
from portal.errors import show_refusals_with
from portal.extensions import db, limiter
from portal.pdf import cjk_font
from portal.tickets import receipt as receipts
from portal.i18n import current_language
from portal.tickets.attachments import attach, check_uploads
from portal.tickets.deadlines import Deadlines
from portal.tickets.merging import rate_merged
from portal.tickets.models import FILING_TYPES, Problem, Score, Ticket, TicketState, TicketType
from portal.tickets.public import public_events, public_view
from portal.tickets.services import ACTION_LABELS, check_code, file_ticket, rate
from portal.tickets.similar import earlier_filings
from portal.tickets.validation import ANSWER_PAGE, GUIDE_PAGE, POLICY_PAGE, validate
from portal.web import absolute_url, limits_off, with_code

bp = Blueprint("tickets", __name__, url_prefix="/tickets")
bp.after_request(with_code)  # the filing's code, a ticket's personal data and timeline: never cached
site.column("tickets", "诉求", "互动交流")
site.column("tickets.new", "提交诉求", "互动交流")
site.column("tickets.track", "查询办理进度", "互动交流")
site.column("tickets.correction", "我为网站找错", "互动交流")
site.column("tickets.filed", "诉求", "互动交流", public=False)  # a redirect to the tracking page
site.column("tickets.receipt", "诉求回执", "互动交流", public=False)  # its ticket's browser only

FILING_LIMIT = "5 per minute;30 per day"
TRACKING_LIMIT = "10 per minute;100 per day"
TRACKED = "tracked_tickets"  # numbers this browser has opened with their code (signed session)
NUMBER = re.compile(r"\d{8}-\d{4,6}")
NONCE = "filing_nonce"


def find_ticket(number: str) -> Ticket | None:
    """A ticket by its number; anything not shaped like a number is not looked up at all."""
    number = (number or "").strip()
    if not NUMBER.fullmatch(number):
        return None
    return db.session.scalars(select(Ticket).where(Ticket.number == number)).one_or_none()


# Sections that parts above tickets add to the filing form (the knowledge base's 已有答复的类似问题):
# each provider gets what was typed so far and gives a section, or None.
FILING_SECTIONS: list[Callable[[dict], PageSection | None]] = []


def _form_context(values: dict, errors: dict | None = None, upload_errors: list | None = None) -> dict:
    session[NONCE] = secrets.token_urlsafe(16)  # one submission per form shown: no double filing
    return {
        "sections": [section for provider in FILING_SECTIONS if (section := provider(values)) is not None],
        "nonce": session[NONCE],
        "values": values, "errors": errors or {}, "upload_errors": upload_errors or [],
        "types": list(FILING_TYPES), "topics": queries.topics(db.session),
        "guide": queries.guide_by_slug(db.session, values.get("guide", "")) if values.get("guide") else None,
    }


@bp.route("/new", methods=["GET", "POST"])
@limiter.limit(FILING_LIMIT, methods=["POST"], exempt_when=limits_off)
def new():
    """The filing form; on success the ticket is stored, routed and the business shown its code once."""
    if request.method == "GET":
        values = {"type": request.args.get("type", "complaint"), "topic": request.args.get("topic", ""),
                  "guide": request.args.get("guide", "")}
        guide = queries.guide_by_slug(db.session, values["guide"]) if values["guide"] else None
        if guide and not values["topic"] and guide.topics:
            values["topic"] = guide.topics[0].code
        return render_template("tickets/new.html", **_form_context(values))

    if not request.form.get("nonce") or request.form.get("nonce") != session.pop(NONCE, None):
        return render_template("tickets/resubmitted.html"), 409
    data, errors = validate(db.session, request.form)
    files = [(f.filename or "", f.read()) for f in request.files.getlist("attachments")]
    uploads, upload_errors = check_uploads(files)
    if errors or upload_errors:  # nothing was written
        return render_template("tickets/new.html", **_form_context(request.form.to_dict(), errors, upload_errors)), 400

    ticket, code = file_ticket(db.session, replace(data, lang=current_language()))
    attach(db.session, ticket, uploads, Path(current_app.config["ATTACHMENT_DIR"]))
    _remember(ticket.number)
    # The confirmation is this response, so the code is shown once and kept nowhere: not in the session
    # cookie (signed, not encrypted) as a redirect would need. A reload meets the used nonce (409).
    return render_template("tickets/filed.html", ticket=ticket, code=code, deadline_of=Deadlines(db.session, today()),
                           earlier=earlier_filings(db.session, ticket))


CORRECTION_FIELDS = ("guide", "policy", "page")


@bp.route("/correction", methods=["GET", "POST"])
@limiter.limit(FILING_LIMIT, methods=["POST"], exempt_when=limits_off)
def correction():
    """内容有误？/ 我为网站找错: what is wrong on a guide, a policy or any page; it becomes a correction
    ticket for the bureau that owns the page (the site operator for the others), followed like any."""
    source = request.args if request.method == "GET" else request.form
    values = {name: source.get(name, "")[:300] for name in CORRECTION_FIELDS}
    if request.method == "GET":
        return _correction_form(values)
    if not request.form.get("nonce") or request.form.get("nonce") != session.pop(NONCE, None):
        return render_template("tickets/resubmitted.html"), 409
    data, errors = validate(db.session, {**request.form.to_dict(), "type": TicketType.CORRECTION.value})
    if errors:
        return _correction_form(request.form.to_dict(), errors), 400
    ticket, code = file_ticket(db.session, data)
    _remember(ticket.number)
    return render_template("tickets/filed.html", ticket=ticket, code=code, deadline_of=Deadlines(db.session, today()))


def _correction_form(values: dict, errors: dict | None = None):
    """The correction form, naming the guide, policy or page it is about."""
    session[NONCE] = secrets.token_urlsafe(16)
    if found := GUIDE_PAGE.fullmatch(values.get("page", "")):  # 找错 from a guide's page: that guide
        values = {**values, "guide": found.group(1)}
    elif found := POLICY_PAGE.fullmatch(values.get("page", "")):
        values = {**values, "policy": found.group(1)}
    guide = queries.guide_by_slug(db.session, values.get("guide", "")) if values.get("guide") else None
    policy = queries.public_policy_by_slug(db.session, values.get("policy", "")) if values.get("policy") else None
    page = values.get("page", "") if (values.get("page", "").startswith("/") and not guide and not policy) else ""
    answer = queries.public_answer_by_slug(db.session, found.group(1)) if (found := ANSWER_PAGE.fullmatch(page)) else None
    return render_template("tickets/correction.html", nonce=session[NONCE], values=values, errors=errors or {},
                           guide=guide, policy=policy, answer=answer, page=page, problems=list(Problem))


@bp.get("/filed")
def filed():
    """Where the confirmation used to be shown after a redirect: the tracking page now."""
    return redirect(url_for("tickets.track"))


def _remember(number: str) -> None:
    tracked = [n for n in session.get(TRACKED, []) if n != number][-19:]
    session[TRACKED] = [*tracked, number]


@bp.route("/track", methods=["GET", "POST"])
@limiter.limit(TRACKING_LIMIT, methods=["POST"], exempt_when=limits_off)
def track():
    """Number and code in, the ticket out; a wrong code and an unknown number get the same answer."""
    if request.method == "GET":
        return render_template("tickets/track.html", number=request.args.get("number", ""), failed=False)
    number = request.form.get("number", "").strip()[:20]
    code = request.form.get("code", "")[:40]
    ticket = find_ticket(number)
    if not check_code(ticket, code):
        return render_template("tickets/track.html", number=number, failed=True), 404
    _remember(ticket.number)
    return redirect(url_for("tickets.show", number=ticket.number), code=303)


def _tracked_ticket(number: str) -> Ticket:
    if number not in session.get(TRACKED, []):
        abort(404)
    return find_ticket(number) or abort(404)


def _show(ticket: Ticket, errors: dict | None = None, status: int = 200):
    """The tracking page; after a refused rating, the form again with the message beside its field
    and what was typed."""
    deadlines = Deadlines(db.session, today())
    return render_template("tickets/show.html", ticket=ticket, view=public_view(db.session, ticket, today(), deadlines),
                           deadline_of=deadlines, events=public_events(ticket), labels=ACTION_LABELS,
                           scores=list(Score), errors=errors or {}, values=request.form if errors else {}), status


@bp.get("/<number>")
def show(number: str):
    """Status, holder bureau, deadlines with days left, the public timeline, the reply and rating."""
    if number not in session.get(TRACKED, []):
        return redirect(url_for("tickets.track", number=number))
    return _show(_tracked_ticket(number))


@bp.post("/<number>/rate")
@limiter.limit(TRACKING_LIMIT, exempt_when=limits_off)
def rate_reply(number: str):
    """The business rates the reply on the 好差评 scale."""
    ticket = _tracked_ticket(number)
    score = next((s for s in Score if s.value == request.form.get("score")), None)
    if score is None:
        return _show(ticket, {"score": ["请选择评价等级。"]}, 400)
    show_refusals_with(lambda exc: _show(ticket, exc.errors, exc.status))
    if ticket.state is TicketState.MERGED:  # the master's reply, rated by this business on its own ticket
        rate_merged(db.session, ticket, score, request.form.get("comment", ""), BUSINESS)
    else:
        rate(db.session, ticket, score, request.form.get("comment", ""))
    if ticket.state is TicketState.REOPENED:
        flash(f"感谢您的评价。诉求已交{ticket.bureau.name}重新办理，并报县营商环境办督办，新的答复期限见下方。", "success")
    else:
        flash("感谢您的评价，您的意见将用于改进服务。", "success")
    return redirect(url_for("tickets.show", number=number), code=303)


@bp.get("/<number>/receipt")
def receipt(number: str):
    """The printable receipt (回执) of a ticket this browser has opened with its code."""
    ticket = _tracked_ticket(number)
    return render_template("tickets/receipt.html", ticket=ticket, title=receipts.title(ticket),
                           facts=receipts.facts(ticket), how=receipts.how_to_track(absolute_url("tickets.track")))


@bp.get("/<number>/receipt.pdf")
def receipt_pdf(number: str):
    """The receipt as a PDF drawn on the server, for the same browser only."""
    return send_receipt(_tracked_ticket(number))


def send_receipt(ticket: Ticket):
    """The receipt PDF as a download; 503 with the reason when the server has no CJK font."""
    font = cjk_font(current_app.config["PDF_FONT"])
    body = receipts.receipt_pdf(ticket, font, current_app.jinja_env.globals["site_name"], absolute_url("tickets.track"))
    response = make_response(body)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="receipt-{ticket.number}.pdf"'
    return response


@bp.get("/<number>/attachments/<int:attachment_id>")
def attachment(number: str, attachment_id: int):
    """A file of a ticket this browser has opened with its code, always as a download."""
    return send_attachment(_tracked_ticket(number), attachment_id)


def send_attachment(ticket: Ticket, attachment_id: int):
    """One of the ticket's files, always as a download under its original name; 404 if missing."""
    item = next((a for a in ticket.attachments if a.id == attachment_id), None) or abort(404)
    path = Path(current_app.config["ATTACHMENT_DIR"]) / item.stored_name
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=item.content_type, as_attachment=True, download_name=item.original_name)
