"""The supervising office: its start page, the dispatch queue, approvals, urging, the problem ledger
and the scoreboard (supervisor only); and the public performance page."""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select

from portal import site
from portal.accounts.access import current_actor, roles_required, safe_next
from portal.accounts.models import Role
from portal.catalog import queries as catalog_queries
from portal.clock import today
from portal.errors import DomainError, Invalid, show_refusals_with
from portal.extensions import db
from portal.supervision import exports, trends as trend_figures
from portal.supervision.callbacks import (CALLBACK_DAYS, SAMPLE_SIZE, Resolution, callbacks_of, candidates,
                                         record_callback, sample)
from portal.supervision.risks import risk_words, save_risk_words
from portal.supervision.ledger import COLUMNS as LEDGER_COLUMNS
from portal.supervision.ledger import PROBLEMS, LedgerFilters, ledger_count, ledger_line, ledger_rows
from portal.supervision.ledger import ledger_page as ledger_one_page
from portal.supervision.scoreboard import CHARTS
from portal.supervision.scoreboard import COLUMNS as SCORE_COLUMNS
from portal.supervision.scoreboard import (CHANNEL_HEADER, channel_table, county_row, scoreboard, scoreboard_table,
                                         total, weekly)
from portal.supervision.services import repeated, route, urge, urge_kind, urged_already
from portal.text import is_key
from portal.tickets import queries as ticket_queries
from portal.tickets.deadlines import Deadlines
from portal.tickets import appeals
from portal.tickets.models import Channel, Score, Ticket, TicketState
from portal.tickets.services import decide_extension, decide_transfer
from portal.tickets.viewers import Viewer, viewer_of
from portal.tickets.views import find_ticket
from portal.tickets.workspace import TICKET_PAGE_PARTS, TicketPagePart, ticket_page, topic_field
from portal.tickets.workdays import Calendar, years_to_enter
from portal.web import date_arg, int_arg, page_arg, private

bp = Blueprint("supervision", __name__, url_prefix="/supervision")
public = Blueprint("performance", __name__)
site.column("supervision", "督办", "其他", public=False)
site.column("performance", "诉求办理情况", "数据发布")
bp.after_request(private)  # every bureau's tickets with personal data

S = TicketState
TREND_ROLES = (Role.SUPERVISOR, Role.ADMIN)
ACTIONS = {"route": "分办", "transfer": "审批转办", "extension": "审批延期", "urge": "催办督办",
           "callback": "回访", "appeal": "复核差评申诉"}


def _pending_approvals():
    return list(db.session.scalars(select(Ticket).where(
        or_(Ticket.transfer_requested.is_(True), Ticket.pending_extension_days.is_not(None)))
        .order_by(Ticket.id)))


def _dispatch_queue():
    return list(db.session.scalars(select(Ticket).where(Ticket.state == S.DISPATCH).order_by(Ticket.created_at)))


@dataclass(frozen=True)
class Failure:
    """A refused decision of the office, shown on the page it was made on beside its field, with what
    was typed."""

    number: str
    action: str
    field: str
    message: str
    values: dict

    def of(self, ticket: Ticket, action: str) -> bool:
        return self.number == ticket.number and self.action == action


def _office_part(ticket: Ticket) -> TicketPagePart | None:
    """What the office's forms on a ticket's page need: whether the same urge was already made this
    working day (the form gives way to a note), and no refused decision yet."""
    if current_user.role is not Role.SUPERVISOR:
        return None
    return TicketPagePart({"urged": urged_already(db.session, ticket, today()), "failure": None})


TICKET_PAGE_PARTS.append(_office_part)


def _callback_part(ticket: Ticket) -> TicketPagePart | None:
    """The office's callbacks of the ticket, for its callback form and their record."""
    if current_user.role is not Role.SUPERVISOR:
        return None
    return TicketPagePart({"callbacks": callbacks_of(db.session, ticket), "resolutions": list(Resolution),
                           "scores": list(Score)})


TICKET_PAGE_PARTS.append(_callback_part)


@bp.get("/")
@roles_required(Role.SUPERVISOR)
def index():
    """What needs the office today: the dispatch queue, approvals, overdue tickets, the ledger."""
    day = today()
    overdue = list(db.session.scalars(ticket_queries.workspace_tickets(
        current_user, ticket_queries.Filters(view="overdue"), day).limit(10)))
    overdue_total = db.session.scalar(select(func.count()).select_from(ticket_queries.workspace_tickets(
        current_user, ticket_queries.Filters(view="overdue"), day).order_by(None).subquery()))
    open_problems = ledger_count(db.session, day, LedgerFilters(open_only=True))
    risks = trend_figures.risks_between(db.session, day - dt.timedelta(days=RISKS_SHOWN_DAYS - 1), day, limit=20)
    sections = [section(db.session, day) for section in START_PAGE_SECTIONS]
    return render_template("supervision/index.html", dispatch=_dispatch_queue(), approvals=_pending_approvals(),
                           appeals=appeals.pending_appeals(db.session),
                           overdue=overdue, overdue_total=overdue_total, open_problems=open_problems,
                           missing_years=years_to_enter(db.session, day), deadline_of=Deadlines(db.session, day),
                           risks=risks, risks_days=RISKS_SHOWN_DAYS, sections=sections)


RISKS_SHOWN_DAYS = 30
# Parts above supervision add what the office should see on its start page: each entry is called with
# (session, today) and returns (template, context) for a section of the page (as the measures do).
START_PAGE_SECTIONS: list = []


@bp.get("/dispatch")
@roles_required(Role.SUPERVISOR)
def dispatch(failure: Failure | None = None):
    """Tickets of topics without a lead bureau and tickets a bureau sent back, with its reason."""
    return render_template("supervision/dispatch.html", tickets=_dispatch_queue(), failure=failure,
                           bureaus=catalog_queries.bureaus(db.session), topics=catalog_queries.topics(db.session))


@bp.get("/approvals")
@roles_required(Role.SUPERVISOR)
def approvals(failure: Failure | None = None):
    """Transfer and extension requests waiting for the office's decision."""
    return render_template("supervision/approvals.html", tickets=_pending_approvals(), failure=failure,
                           bureaus=catalog_queries.bureaus(db.session), deadline_of=Deadlines(db.session, today()))


def _apply(ticket: Ticket, action: str) -> str:
    form = request.form
    who = current_actor()
    reason = form.get("reason", "")
    code = form.get("bureau", "").strip()
    bureau = catalog_queries.bureau_by_code(db.session, code) if code else None
    if code and bureau is None:
        raise Invalid("承办单位不存在。", "bureau")
    if action == "route":
        topic = topic_field(form.get("topic", ""))
        route(db.session, ticket, bureau, who, reason, topic=topic, confirmed=form.get("confirm") == "1")
        return f"工单 {ticket.number} 已交{bureau.name}办理。"
    if action == "callback":
        return _callback(ticket, form, who)
    if action == "appeal":
        if form.get("decision") not in ("uphold", "dismiss"):
            raise Invalid("请选择申诉成立或不成立。", "decision")
        decided = appeals.decide(db.session, ticket, who, form.get("decision") == "uphold", reason)
        return f"工单 {ticket.number} 的差评申诉已复核：{decided.decision.label}。"
    approve = form.get("decision") == "approve"
    if action in ("transfer", "extension") and form.get("decision") not in ("approve", "refuse"):
        raise Invalid("请选择同意或不同意。", "decision")
    if action == "transfer":
        decide_transfer(db.session, ticket, who, approve, reason, bureau)
        return f"已{'同意' if approve else '不同意'}工单 {ticket.number} 的转办申请。"
    if action == "extension":
        decide_extension(db.session, ticket, who, approve, reason)
        return f"已{'同意' if approve else '不同意'}工单 {ticket.number} 的延期申请。"
    record, mailed = urge(db.session, ticket, who, form.get("body", "") or reason, today())
    if mailed:
        return f"已对工单 {ticket.number} {record.kind.label}，已邮件通知承办单位 {mailed} 个账号。"
    return f"已对工单 {ticket.number} {record.kind.label}，承办单位在工作台可见；该单位没有登记邮箱，未发邮件。"


def _callback(ticket: Ticket, form, who) -> str:
    """The callback form's fields to the service: reached yes|no; resolved and satisfaction by value."""
    if form.get("reached") not in ("yes", "no"):
        raise Invalid("请选择是否联系上企业。", "reached")
    resolved = next((r for r in Resolution if r.value == form.get("resolved")), None)
    satisfaction = next((s for s in Score if s.value == form.get("satisfaction")), None)
    record = record_callback(db.session, ticket, who, form.get("reached") == "yes", resolved, satisfaction,
                             form.get("note", ""))
    if not record.reached:
        return f"已记录工单 {ticket.number} 回访未接通，可稍后再次回访。"
    if ticket.state is S.REOPENED and record.bad:
        return f"已记录工单 {ticket.number} 的回访（{record.summary}），工单已交{ticket.bureau.name}重新办理。"
    return f"已记录工单 {ticket.number} 的回访（{record.summary}）。"


@bp.post("/tickets/<number>/<action>")
@roles_required(Role.SUPERVISOR)
def act(number: str, action: str):
    """route (bureau, reason as note); transfer / extension (decision approve|refuse, reason, bureau);
    urge (body); callback (reached, resolved, satisfaction, note); appeal (decision uphold|dismiss,
    reason): each one service call, one commit, the mail it queued sent afterwards."""
    if action not in ACTIONS:
        abort(404)
    ticket = find_ticket(number) or abort(404)
    back = safe_next(request.form.get("next")) or url_for("workspace.ticket", number=ticket.number)

    def refused(exc: DomainError):
        path = urlsplit(back).path
        if exc.status == 409 or path == url_for("supervision.ledger_page"):
            # the state moved on (or the ledger's one-line form): back to where the office was, told why
            flash(exc.message, "error")
            return redirect(back, code=303)
        failure = Failure(ticket.number, action, exc.field, exc.message, request.form.to_dict())
        if path == url_for("supervision.approvals"):
            return approvals(failure), exc.status
        if path == url_for("supervision.dispatch"):
            return dispatch(failure), exc.status
        return ticket_page(ticket, status=exc.status, failure=failure)

    show_refusals_with(refused)
    message = _apply(ticket, action)
    flash(message, "success")
    return redirect(back, code=303)


def _ledger_filters() -> LedgerFilters:
    args = request.args
    bureau = args.get("bureau", "")
    problem = args.get("problem", "")
    return LedgerFilters(bureau=bureau if is_key(bureau) else "",
                         problem=problem if problem in PROBLEMS else "", open_only=args.get("open") == "1",
                         filed_from=date_arg("from"), filed_to=date_arg("to"))


@bp.get("/ledger")
@roles_required(Role.SUPERVISOR)
def ledger_page():
    """The problem ledger, filtered; ?format=xlsx or csv downloads exactly the rows shown."""
    day = today()
    filters = _ledger_filters()
    viewer = viewer_of(current_user)
    download = exports.requested(f"问题台账-{day.isoformat()}", "问题台账", LEDGER_COLUMNS,
                                 (ledger_line(row, viewer) for row in ledger_rows(db.session, day, filters)))
    if download is not None:
        return download
    page = ledger_one_page(db.session, day, filters, page_arg(), LEDGER_PAGE)
    rows = page.items
    calendar = Calendar.load(db.session)
    urged = [row.open and repeated(row.urges, urge_kind(row.ticket, day), day, calendar) for row in rows]
    return render_template("supervision/ledger.html", rows=rows, table=[ledger_line(r, viewer) for r in rows], page=page,
                           columns=LEDGER_COLUMNS, urged=urged, filters=filters, problems=PROBLEMS,
                           bureaus=catalog_queries.bureaus(db.session))


LEDGER_PAGE = 100  # rows per page of the ledger; the exports hold every row


@bp.get("/callbacks")
@roles_required(Role.SUPERVISOR)
def callbacks():
    """Tickets replied in the last ?days= working days (default CALLBACK_DAYS) not yet called back, with
    the phone to call: those tried and not reached, and the day's sample of the others (?all=1: all)."""
    day = today()
    days = int_arg("days", CALLBACK_DAYS, 1, 30)
    found = candidates(db.session, day, days)
    everything = request.args.get("all") == "1"
    shown = found if everything else sample(found, day)
    return render_template("supervision/callbacks.html", shown=shown, total=len(found), days=days,
                           everything=everything, sampled=len(shown) < len(found), size=SAMPLE_SIZE)


def period() -> tuple[dt.date, dt.date]:
    """?from=&to= (county days); by default the twelve weeks up to today."""
    day = today()
    end = date_arg("to") or day
    start = date_arg("from") or (end - dt.timedelta(days=end.weekday()) - dt.timedelta(weeks=11))
    if start > end:
        start, end = end, start
    if (end - start).days > 3 * 366:
        start = end - dt.timedelta(days=3 * 366)
    return start, end


@bp.get("/scoreboard")
@roles_required(Role.SUPERVISOR)
def scoreboard_page():
    """Every bureau's figures for the period, the county's weekly charts; ?format=xlsx or csv."""
    start, end = period()
    day = today()
    rows = scoreboard(db.session, start, end, day)
    header = ["部门", *[label for _, label, _ in SCORE_COLUMNS]]
    table = scoreboard_table(rows)
    county = total(rows)
    download = exports.requested(f"部门考核-{start.isoformat()}至{end.isoformat()}", "部门考核",
                                 header + CHANNEL_HEADER,
                                 [*table, county_row(county)] if rows else table)  # the page's footer row too
    if download is not None:
        return download
    code = request.args.get("bureau", "")
    chosen = catalog_queries.bureau_by_code(db.session, code) if is_key(code) else None
    by_week = weekly(db.session, start, end, day, chosen)
    charts = {name: [(week, getattr(item, name)) for week, item in by_week] for name in CHARTS}
    return render_template("supervision/scoreboard.html", start=start, end=end, rows=rows, table=table,
                           header=header, columns=SCORE_COLUMNS, sum=county, chosen=chosen, charts=charts,
                           channels=channel_table(rows), channel_labels={c.value: c.label for c in Channel},
                           bureaus=catalog_queries.bureaus(db.session))


@public.get("/performance")
def performance():
    """Per bureau and for the county: tickets received, the three rates (响应率, 解决率, 满意率), answered on
    time, and the ratings-only 评价满意率; no personal data."""
    day = today()
    try:
        year = int(request.args.get("year", day.year))
    except ValueError:
        year = day.year
    year = min(max(year, 2020), day.year)
    start, end = dt.date(year, 1, 1), min(dt.date(year, 12, 31), day)
    rows = _public_figures(start, end, day)
    response = current_app.make_response(render_template(
        "supervision/performance.html", rows=rows, county=total(rows), year=year,
        years=list(range(day.year, 2019, -1)), start=start, end=end))
    response.headers["Cache-Control"] = f"public, max-age={PUBLIC_FIGURES_FOR}"
    return response


PUBLIC_FIGURES_FOR = 600  # seconds: a public page anyone may reload must not recount the year each time
_public_cache: dict[tuple, tuple[float, list]] = {}


def _public_figures(start: dt.date, end: dt.date, day: dt.date) -> list:
    """The year's figures per bureau, counted again only when a ticket has moved since (or after ten
    minutes), per worker."""
    from portal.tickets.models import Rating, TicketEvent

    # every callback, appeal and co-handling step writes an event too, so these two numbers move with them
    latest = db.session.execute(select(select(func.max(TicketEvent.id)).scalar_subquery(),
                                       select(func.max(Rating.id)).scalar_subquery())).one()
    key = (current_app.config["DATABASE_URL"], start, end, day, *latest)
    moment = time.monotonic()
    cached = _public_cache.get(key)
    if cached is None or moment - cached[0] > PUBLIC_FIGURES_FOR:
        rows = [(b, f) for b, f in scoreboard(db.session, start, end, day) if f.received or f.rated or f.reached]
        _public_cache.clear()
        _public_cache[key] = cached = (moment, rows)
    return cached[1]


@bp.get("/trends")
@roles_required(*TREND_ROLES)
def trends_page():
    """Hot topics and early warning for one ISO week (?week=2026-W47; by default the last week that has
    ended) against the eight before it; ?format=xlsx downloads every row. Only the supervising office
    sees confidential tickets' companies."""
    day = today()
    latest = trend_figures.monday_of(day)
    week = trend_figures.parse_week(request.args.get("week")) or trend_figures.last_complete_week(day)
    week = min(week, latest)
    result = trend_figures.trends(db.session, week, day, see_confidential=viewer_of(current_user) is Viewer.OFFICE)
    download = exports.requested(f"诉求趋势-{result.label}", "诉求趋势", trend_figures.COLUMNS,
                                 trend_figures.trends_table(result))
    if download is not None:
        return download
    choices = [latest - dt.timedelta(weeks=i) for i in range(0, 26)]
    total_chart = list(zip(result.weeks, result.totals))
    charts = [(row, list(zip(result.weeks, [*row.history, row.count]))) for row in result.flagged[:8]]
    return render_template("supervision/trends.html", trends=result, choices=choices, latest=latest,
                           total_chart=total_chart, charts=charts, dimensions=trend_figures.DIMENSIONS,
                           iso_week=trend_figures.iso_week, alpha=trend_figures.ALPHA,
                           min_count=trend_figures.MIN_COUNT, repeat_count=trend_figures.REPEAT_COUNT,
                           repeat_days=trend_figures.REPEAT_DAYS)


@bp.route("/risk-words", methods=["GET", "POST"])
@roles_required(Role.SUPERVISOR)
def risk_words_page():
    """The risk words a filing is checked for: one a line, saved as a whole list (each change audited)."""
    if request.method == "POST":
        typed = request.form.get("words", "")
        show_refusals_with(lambda exc: (render_template("supervision/risk_words.html", words=typed,
                                                        errors=exc.errors), exc.status))
        added, removed = save_risk_words(db.session, current_actor(), typed)
        flash(f"风险词已保存：增加 {len(added)} 个，删除 {len(removed)} 个。", "success")
        return redirect(url_for("supervision.risk_words_page"), code=303)
    return render_template("supervision/risk_words.html", words="\n".join(risk_words(db.session)), errors={})
