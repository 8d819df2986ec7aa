"""The staff's desk for what comes in: intake of what arrived by phone, letter, visit, 12345 or WeChat
(`/staff/tickets/new`), the likely repeats on a ticket's page and merging (`/staff/tickets/<n>/merge`)."""
from __future__ import annotations

import secrets

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from portal import site
from portal.accounts.access import WORKSPACE_ROLES, current_actor, roles_required
from portal.catalog import queries as catalog_queries
from portal.clock import COUNTY_TZ, now, today
from portal.errors import Invalid, show_refusals_with
from portal.extensions import db
from portal.tickets.deadlines import Deadlines
from portal.tickets.intake import take_in
from portal.tickets.merging import may_merge, merge, mergeable
from portal.tickets.models import FILING_TYPES, STAFF_CHANNELS, Ticket
from portal.tickets.similar import earlier_filings, likely_repeats
from portal.tickets.views import find_ticket
from portal.tickets.viewers import Viewer, sees_as_holder, viewer_of
from portal.tickets.workspace import TICKET_PAGE_PARTS, TicketPagePart, ticket_page, visible_ticket
from portal.web import with_code

bp = Blueprint("desk", __name__, url_prefix="/staff")
site.column("desk", "工单工作台", "其他", public=False)
bp.after_request(with_code)  # personal data, and the confirmation's retrieval code: never cached
NONCE = "staff_filing_nonce"


def _form(values: dict, errors: dict | None = None, status: int = 200):
    session[NONCE] = secrets.token_urlsafe(16)  # one filing per form shown: a double click files once
    return render_template("staff/ticket_new.html", values=values, errors=errors or {}, nonce=session[NONCE],
                           channels=STAFF_CHANNELS, types=list(FILING_TYPES),
                           topics=catalog_queries.topics(db.session)), status


@bp.route("/tickets/new", methods=["GET", "POST"])
@roles_required(*WORKSPACE_ROLES)
def new():
    """Enter a request taken by phone, letter, visit, 12345 or WeChat; the number and code are shown once."""
    if request.method == "GET":
        received = now().astimezone(COUNTY_TZ).strftime("%Y-%m-%dT%H:%M")
        return _form({"channel": "phone", "type": "complaint", "received_at": received})
    if not request.form.get("nonce") or request.form.get("nonce") != session.pop(NONCE, None):
        return render_template("tickets/resubmitted.html"), 409
    show_refusals_with(lambda exc: _form(request.form.to_dict(), exc.errors, exc.status))
    ticket, code = take_in(db.session, request.form, current_actor())
    # The confirmation is this response: the code is read out once and kept nowhere (no redirect, no cookie).
    return render_template("staff/ticket_filed.html", ticket=ticket, code=code, spaced=" ".join(
        code[i:i + 4] for i in range(0, len(code), 4)), earlier=earlier_filings(db.session, ticket),
        may_open=sees_as_holder(current_user, ticket), deadline_of=Deadlines(db.session, today()))


def _repeats_part(ticket: Ticket) -> TicketPagePart:
    """What the likely-repeats part of a ticket's page needs: the likely repeats this account may see,
    the tickets merged into this one, and whether this one may be merged."""
    viewer = viewer_of(current_user)
    likely = likely_repeats(db.session, ticket, viewer, current_user.bureau_id) if mergeable(ticket) or ticket.repeats \
        else []
    return TicketPagePart({"likely": [item for item in likely if item.ticket.id not in {r.id for r in ticket.repeats}],
                           "can_merge": mergeable(ticket) and may_merge(current_actor(), ticket),
                           "merge_failure": None})


TICKET_PAGE_PARTS.append(_repeats_part)


@bp.post("/tickets/<number>/merge")
@roles_required(*WORKSPACE_ROLES)
def merge_into(number: str):
    """并单: merge this ticket (`into`: the master's number; `reason`) into its master."""
    ticket = visible_ticket(number)
    show_refusals_with(lambda exc: ticket_page(ticket, status=exc.status, merge_failure=exc))
    into = request.form.get("into", "").strip()[:20]
    master = find_ticket(into)
    if into and (master is None or not sees_as_holder(current_user, master)):
        # another bureau's ticket is as unknown as one that does not exist
        where = "" if viewer_of(current_user) is Viewer.OFFICE else "本单位"
        raise Invalid(f"{where}没有流水号为 {into} 的工单" + ("" if not where else "（跨单位并单须由县营商环境办办理）")
                      + "。", "into")
    merge(db.session, ticket, master, current_actor(), request.form.get("reason", ""))
    flash(f"工单 {ticket.number} 已并入工单 {master.number}，已通知诉求人；主工单答复时将同时告知。", "success")
    return redirect(url_for("workspace.ticket", number=ticket.number), code=303)
