"""The plan's measures: public pages (/measures, /measures/<no>), the lead bureau's pages in the
workspace (/staff/measures), and the stale measures on the supervisor's start page."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.accounts.access import current_actor, roles_required
from portal.accounts.models import Role
from portal.clock import parse_day, today
from portal.errors import show_refusals_with
from portal.extensions import db
from portal.measures import queries
from portal.measures.models import MeasureStatus
from portal.measures.services import link_ticket, report
from portal.supervision.views import START_PAGE_SECTIONS
from portal.tickets.views import find_ticket
from portal.web import private

bp = Blueprint("measures", __name__)
STAFF = (Role.STAFF, Role.BUREAU_ADMIN)


def _plan() -> str:
    return current_app.config["MEASURES_PLAN"]


def _measure(no: int) -> queries.Measure:
    return queries.measure(db.session, _plan(), no) or abort(404)


@bp.get("/measures")
def index():
    """Every measure of the plan with its lead bureau, status and progress."""
    items = queries.measures(db.session, _plan())
    counts = {status: sum(1 for m in items if m.status is status) for status in MeasureStatus}
    return render_template("measures/list.html", items=items, counts=counts, statuses=list(MeasureStatus),
                           day=today())


@bp.get("/measures/<int:no>")
def show(no: int):
    """One measure: the plan's words and targets, progress, its timeline, and how the tickets and
    comments about it were answered (counts only: no personal data, nothing of confidential tickets)."""
    item = _measure(no)
    return render_template("measures/show.html", item=item, milestones=queries.milestones(db.session, item),
                           answered=queries.answered(db.session, item), comments=queries.comments(db.session, item),
                           day=today())


def _own(item: queries.Measure) -> None:
    if current_user.bureau_id != item.policy.bureau_id:
        abort(403)


@bp.get("/staff/measures")
@roles_required(*STAFF)
def staff_list():
    """The measures the staff member's bureau leads."""
    items = queries.measures(db.session, _plan(), current_user.bureau)
    response = current_app.make_response(render_template("measures/staff_list.html", items=items, day=today()))
    return private(response)


def _staff_page(item: queries.Measure, errors: dict | None = None, values: dict | None = None, status: int = 200):
    related = queries.related_tickets(db.session, item)
    linked = queries.linked_ids(db.session, item)
    page = render_template("measures/staff_show.html", item=item, milestones=queries.milestones(db.session, item),
                           related=related, linked=linked, errors=errors or {}, values=values or {},
                           statuses=list(MeasureStatus), day=today())
    return private(current_app.make_response((page, status)))


@bp.get("/staff/measures/<int:no>")
@roles_required(*STAFF)
def staff_show(no: int):
    """The lead bureau's record of a measure: the report form, its timeline, the related tickets."""
    item = _measure(no)
    _own(item)
    return _staff_page(item)


@bp.post("/staff/measures/<int:no>/report")
@roles_required(*STAFF)
def staff_report(no: int):
    """status, percent, day, note: one report, appended to the measure's timeline."""
    item = _measure(no)
    _own(item)
    form = request.form
    show_refusals_with(lambda exc: _staff_page(_measure(no), exc.errors, form.to_dict(), exc.status))
    report(db.session, current_actor(), item, form.get("status", ""), form.get("percent", ""),
           parse_day(form.get("day")), form.get("note", ""))
    flash(f"措施{no}的进展已报送。", "success")
    return redirect(url_for("measures.staff_show", no=no), code=303)


@bp.post("/staff/measures/<int:no>/link")
@roles_required(*STAFF)
def staff_link(no: int):
    """number: link a ticket to the measure."""
    item = _measure(no)
    _own(item)
    number = request.form.get("number", "")
    show_refusals_with(lambda exc: _staff_page(_measure(no), {"number": [exc.message]}, {"number": number[:30]},
                                               exc.status))
    link_ticket(db.session, current_actor(), item, find_ticket(number))
    flash(f"已将工单 {number.strip()} 关联到措施{no}。", "success")
    return redirect(url_for("measures.staff_show", no=no), code=303)


def _stale_section(session, day):
    """For the supervisor's start page: measures whose lead bureau has not reported for 30 days."""
    return "measures/_stale.html", {"stale": queries.stale(session, current_app.config["MEASURES_PLAN"], day),
                                    "days": queries.STALE_DAYS}


START_PAGE_SECTIONS.append(_stale_section)
