"""The bureau workspace: the tickets a bureau holds, ordered by urgency, and every action on them.
Each action is one service call that appends its event and audit line; the view checks access, and
the boundary commits and sends the mail the action queued."""
from __future__ import annotations


from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import case, func, or_, select

from portal import site
from portal.accounts.access import BUREAU_ROLES, WORKSPACE_ROLES, current_actor, roles_required
from portal.accounts.services import colleagues, user_by_username
from portal.catalog import queries as catalog_queries
from portal.catalog.views import PageSection
from portal.clock import chinese_date, local, today
from portal.errors import Invalid, show_refusals_with
from portal.extensions import db
from portal.text import is_key
from portal.tickets import appeals, cohandling, queries, services
from portal.tickets.deadlines import Deadlines
from portal.tickets.public import about
from portal.tickets.models import ReplyTemplate, Ticket, TicketState, TicketType
from portal.tickets.services import TRANSITIONS
from portal.tickets.similar import likely_repeats
from portal.tickets.viewers import Sight, party, shows_identity, sight, viewer_of
from portal.tickets.views import find_ticket, send_attachment
from portal.web import date_arg, page_arg, paginate, private, text_arg

bp = Blueprint("workspace", __name__, url_prefix="/staff")
site.column("workspace", "工单工作台", "其他", public=False)
api = Blueprint("workspace_api", __name__, url_prefix="/api/v1/staff")
bp.after_request(private)  # personal data on every page of the workspace
api.after_request(private)


@bp.app_context_processor
def _what_staff_see() -> dict:
    """`party(ticket, seen)` for the staff templates: the business behind a ticket as the logged-in
    account may see it (portal/tickets/viewers.py; a 保密件 reads "保密件" for a bureau): on a ticket's
    page as its sight says, in a list (no sight given) by the same rule."""
    def shown(ticket: Ticket, seen: Sight | None = None):
        return party(ticket, seen.identity if seen else shows_identity(viewer_of(current_user), ticket))
    return {"party": shown}


# action in the URL -> (event action it writes, label, who may do it)
ACTIONS = {
    "sign": ("sign", "签收", BUREAU_ROLES),
    "return": ("return", "退回分办", BUREAU_ROLES),
    "transfer": ("request_transfer", "申请转办", BUREAU_ROLES),
    "extend": ("request_extension", "申请延期", BUREAU_ROLES),
    "note": ("note", "内部备注", WORKSPACE_ROLES),
    "assign": ("handover", "指派经办人", BUREAU_ROLES),
    "reply": ("reply", "答复", BUREAU_ROLES),
    "reject": ("reject", "不予受理", BUREAU_ROLES),
}
# Co-handling (portal/tickets/cohandling.py) and appeals of bad ratings (portal/tickets/appeals.py): who
# may take them is the rules' own question, not the holder's (the asked bureau answers a task, the rated
# bureau appeals), so the services check it. `decline` is how a co-bureau says no, with its reason.
RULED_ACTIONS = {"cohandle": "商请协办", "opinion": "提出协办意见", "decline": "拒绝协办", "appeal": "差评申诉"}
VIEWS = {**queries.VIEWS, "cohandle": "协办"}  # 协办: the tickets other bureaus asked this one to help with


def visible_ticket(number: str) -> Ticket:
    """The ticket if this account may see it; any other ticket, or none, is a 404 alike."""
    ticket = find_ticket(number)
    if ticket is None or sight(current_user, ticket) is None:
        abort(404)
    return ticket


def available_actions(ticket: Ticket) -> list[str]:
    """The actions this account may take on the ticket in its present state."""
    result = []
    for name, (event_action, _label, roles) in ACTIONS.items():
        if current_user.role not in roles or ticket.state not in TRANSITIONS[event_action][0]:
            continue
        if services.waiting(ticket, event_action, today()) is None:
            result.append(name)
    return result + ruled_actions(ticket)


def ruled_actions(ticket: Ticket) -> list[str]:
    """Of the co-handling and appeal actions, those the ticket's page offers this account now: asking
    for co-handling (the holder, the office) and appealing a bad rating (the rated bureau)."""
    found = []
    seen = sight(current_user, ticket)
    if seen is not None and seen.handles and ticket.state in TRANSITIONS["cohandle"][0]:
        found.append("cohandle")
    if current_user.role in BUREAU_ROLES and appeals.appealable(db.session, ticket, current_user.bureau, today())[0]:
        found.append("appeal")
    return found


def _filters() -> queries.Filters:
    args = request.args
    view = args.get("view", "open")
    state = args.get("state", "")
    kind = args.get("type", "")
    topic = args.get("topic", "")
    return queries.Filters(
        view=view if view in VIEWS else "open",
        state=state if state in {s.value for s in TicketState} else "",
        type=kind if kind in {t.value for t in TicketType} else "",
        topic=topic if is_key(topic) else "",
        filed_from=date_arg("from"), filed_to=date_arg("to"),
        q=text_arg("q", 50),
    )


@bp.get("/")
@roles_required(*WORKSPACE_ROLES)
def index():
    """The bureau's tickets with counts by state; overdue and due today first."""
    filters = _filters()
    day = today()
    page = paginate(db.session, _listed(filters, day), page_arg(), 30)
    counts = queries.counts(db.session, current_user, day)
    counts["cohandle"] = cohandling.open_count(db.session, None if current_user.is_supervisor else current_user.bureau)
    return render_template(
        "staff/tickets.html", page=page, filters=filters, counts=counts,
        views=VIEWS, states=list(TicketState), types=list(TicketType),
        topics=catalog_queries.topics(db.session), deadline_of=Deadlines(db.session, day),
    )


def _listed(filters: queries.Filters, day):
    """The workspace list's tickets: the bureau's own, or under 协办 the tickets it was asked to help with."""
    if filters.view == "cohandle":
        return cohandled(filters)
    return queries.workspace_tickets(current_user, filters, day)


def cohandled(filters: queries.Filters):
    """The tickets the account's bureau was asked to help with (every co-handled ticket for the office),
    those with an open task first, by its deadline. The search looks at the number and the subject only:
    a co-bureau must not learn which company a ticket is from by searching for its name."""
    tasks = cohandling.CohandlingTask
    mine = select(tasks.ticket_id, func.min(case((tasks.answered_at.is_(None), tasks.due))).label("due"),
                  func.max(tasks.asked_at).label("asked_at")).group_by(tasks.ticket_id)
    if not current_user.is_supervisor:
        mine = mine.where(tasks.bureau_id == (current_user.bureau_id if current_user.is_bureau_member else -1))
    mine = mine.subquery()
    stmt = select(Ticket).join(mine, mine.c.ticket_id == Ticket.id)
    if filters.q:
        words = filters.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(or_(Ticket.number.like(f"%{words}%", escape="\\"),
                              Ticket.subject.like(f"%{words}%", escape="\\")))
    return stmt.order_by(mine.c.due.is_(None), mine.c.due, mine.c.asked_at.desc(), Ticket.id.desc())


@dataclass(frozen=True)
class TicketPagePart:
    """What a part adds to a ticket's page (the holder's and the office's, not a co-bureau's): template
    variables its forms on the page need, a section of its own, or both."""

    values: dict = field(default_factory=dict)
    section: PageSection | None = None


# The one list through which parts add to a ticket's page: co-handling and appeals (here), the likely
# repeats and merging (desk), the supervising office's forms and callbacks (supervision), 写入知识库
# (answers). Each provider gets the ticket and gives its part, or None when it adds nothing.
TICKET_PAGE_PARTS: list[Callable[[Ticket], TicketPagePart | None]] = []


def ticket_page(ticket: Ticket, error: str | None = None, failed: str | None = None, status: int = 200, **extra):
    """The ticket page; after a refused action, that action's form again with the message and what was
    typed (`extra` carries what another part's refused form needs). A co-bureau gets its own page."""
    seen = sight(current_user, ticket)
    if seen.cohandles:
        return cohandler_page(ticket, seen, error, failed, status)
    day = today()
    bureau = ticket.bureau
    parts = [part for provider in TICKET_PAGE_PARTS if (part := provider(ticket)) is not None]
    for part in parts:
        extra = {**part.values, **extra}  # what the caller passed (a refused form's state) goes first
    return render_template(
        "staff/ticket.html", ticket=ticket, seen=seen, actions=available_actions(ticket), error=error, failed=failed,
        values=request.form if failed else {}, labels={k: v[1] for k, v in ACTIONS.items()},
        colleagues=colleagues(db.session, bureau) if bureau else [],
        bureaus=[b for b in catalog_queries.bureaus(db.session) if b != bureau],
        today=day,
        templates=_templates(bureau) if bureau else [],
        due=ticket.running_due,
        deadline_of=Deadlines(db.session, day),
        action_labels=services.ACTION_LABELS,
        topics=catalog_queries.topics(db.session),
        correction_about=about(ticket) if ticket.problem else None,
        sections=[part.section for part in parts if part.section is not None],
        **extra,
    ), status


def cohandler_page(ticket: Ticket, seen: Sight, error: str | None = None, failed: str | None = None,
                   status: int = 200):
    """What a co-bureau sees of a ticket (portal/tickets/viewers.py): the description, the attachments
    and its own task, with the forms to answer or decline it; never the business's personal data."""
    day = today()
    own = [t for t in ticket.cohandling_tasks if t.asks(current_user.bureau_id)]
    return render_template(
        "staff/ticket_cohandle.html", ticket=ticket, seen=seen, tasks=own, task=cohandling.open_task(ticket, current_user.bureau),
        error=error, failed=failed, values=request.form if failed else {}, deadline_of=Deadlines(db.session, day),
    ), status


def _cohandling_part(ticket: Ticket) -> TicketPagePart:
    """The holder's and the office's page: the co-handling tasks (with the opinions, beside the reply
    form), those the reply still waits for, and the ticket's appeals of bad ratings."""
    return TicketPagePart({"cohandle_waiting": cohandling.waiting_for(ticket, today()),
                           "ticket_appeals": appeals.appeals_of(db.session, ticket)})


TICKET_PAGE_PARTS.append(_cohandling_part)


@bp.get("/tickets/<number>")
@roles_required(*WORKSPACE_ROLES)
def ticket(number: str):
    """Everything about a ticket: personal data, the whole timeline with internal notes, deadlines."""
    return ticket_page(visible_ticket(number))


def topic_field(code: str):
    """The topic a form names by code; none when left empty; a 400 for one that does not exist."""
    code = code.strip()
    if not code:
        return None
    topic = catalog_queries.topic_by_code(db.session, code) if is_key(code) else None
    if topic is None:
        raise Invalid("领域不存在。", "topic")
    return topic


def _days(value: str) -> int:
    value = value.strip()
    if not (value.isascii() and value.isdecimal() and len(value) < 4):
        raise Invalid("延期天数应为 1 至 30 个工作日。", "days")
    return int(value)


def _apply(ticket: Ticket, name: str) -> str:
    """Run one action through its service; returns the message shown after it."""
    if name in RULED_ACTIONS:
        return _apply_ruled(ticket, name)
    form = request.form
    who = current_actor()
    body = form.get("body", "")
    reason = form.get("reason", "")
    if name == "sign":
        services.sign(db.session, ticket, who)
        return "已签收，请在答复期限内办理。"
    if name == "return":
        services.return_to_dispatch(db.session, ticket, who, reason, body)
        return f"工单 {ticket.number} 已退回县营商环境办重新分办。"
    if name == "transfer":
        code = form.get("bureau", "").strip()
        to = catalog_queries.bureau_by_code(db.session, code) if code else None
        if code and to is None:
            raise Invalid("转办单位不存在。", "bureau")
        services.request_transfer(db.session, ticket, who, to, reason, topic_field(form.get("topic", "")))
        return "转办申请已提交县营商环境办审批。"
    if name == "extend":
        services.request_extension(db.session, ticket, who, _days(form.get("days", "")), reason, today())
        return "延期申请已提交县营商环境办审批。"
    if name == "note":
        services.add_note(db.session, ticket, who, body)
        return "备注已保存（仅内部可见）。"
    if name == "assign":
        username = form.get("assignee", "").strip()
        services.hand_over(db.session, ticket, who, user_by_username(db.session, username) if username else None)
        return f"已指派经办人：{ticket.assignee.display_name}。"
    if name == "reply":
        services.reply(db.session, ticket, who, body)
        return "答复已发送，企业可凭流水号查看并评价。"
    services.reject(db.session, ticket, who, reason)
    return "已作不予受理处理，理由已告知企业。"


def _apply_ruled(ticket: Ticket, name: str) -> str:
    """Run one co-handling or appeal action through its service; returns the message shown after it."""
    form = request.form
    who = current_actor()
    if name == "cohandle":
        codes = [c.strip() for c in form.getlist("bureau") if c.strip()]
        bureaus = [catalog_queries.bureau_by_code(db.session, c) if is_key(c) else None for c in codes]
        if None in bureaus:
            raise Invalid("协办单位不存在。", "bureau")
        tasks = cohandling.ask(db.session, ticket, who, bureaus, form.get("question", ""))
        return "已商请" + "、".join(f"{t.bureau.name}（期限 {chinese_date(t.due)}）" for t in tasks) + "协办。"
    if name == "opinion":
        cohandling.give_opinion(db.session, ticket, who, form.get("body", ""))
        return "协办意见已提交，承办单位将据此答复企业。"
    if name == "decline":
        cohandling.decline(db.session, ticket, who, form.get("reason", ""))
        return "已拒绝协办，理由已告知承办单位和县营商环境办。"
    appeals.appeal(db.session, ticket, who, form.get("reason", ""), today())
    return "差评申诉已提交县营商环境办复核。"


@bp.post("/tickets/<number>/<action>")
@roles_required(*WORKSPACE_ROLES)
def act(number: str, action: str):
    """One action on a ticket: sign, return, transfer, extend, note, assign, reply or reject; cohandle,
    opinion, decline or appeal."""
    if action not in ACTIONS and action not in RULED_ACTIONS:
        abort(404)
    ticket = visible_ticket(number)
    if action in ACTIONS and (current_user.role not in ACTIONS[action][2] or not sight(current_user, ticket).handles):
        abort(403)
    show_refusals_with(lambda exc: ticket_page(ticket, exc.message, action, exc.status))
    message = _apply(ticket, action)
    flash(message, "success")
    if sight(current_user, ticket) is not None:
        return redirect(url_for("workspace.ticket", number=ticket.number), code=303)
    return redirect(url_for("workspace.index"), code=303)


@bp.get("/tickets/<number>/attachments/<int:attachment_id>")
@roles_required(*WORKSPACE_ROLES)
def attachment(number: str, attachment_id: int):
    """A business's attachment, for the bureau holding the ticket and the supervisor; always a download.
    A confidential ticket's attachments (a licence, a letter) are the supervisor's only."""
    ticket = visible_ticket(number)
    if not sight(current_user, ticket).identity:
        abort(404)
    return send_attachment(ticket, attachment_id)


def _templates(bureau) -> list[ReplyTemplate]:
    return list(db.session.scalars(select(ReplyTemplate).where(ReplyTemplate.bureau_id == bureau.id)
                                   .order_by(ReplyTemplate.title)))


def _templates_page(bureau, errors: dict | None = None, values=None, status: int = 200):
    return render_template("staff/templates.html", templates=_templates(bureau), errors=errors or {},
                           values=values or {}), status


@bp.route("/templates", methods=["GET", "POST"])
@roles_required(*BUREAU_ROLES)
def templates():
    """The bureau's reply templates: list, add, change."""
    bureau = current_user.bureau
    if request.method == "GET":
        return _templates_page(bureau)
    form = request.form
    show_refusals_with(lambda exc: _templates_page(bureau, exc.errors, form, exc.status))
    raw_id = form.get("id", "")
    template_id = int(raw_id) if raw_id.isascii() and raw_id.isdecimal() and len(raw_id) < 10 else None
    template = services.save_reply_template(db.session, current_actor(), template_id, form.get("title", ""),
                                            form.get("body", ""))
    flash(f"答复模板“{template.title}”已保存。", "success")
    return redirect(url_for("workspace.templates"), code=303)


@bp.post("/templates/<int:template_id>/delete")
@roles_required(*BUREAU_ROLES)
def template_delete(template_id: int):
    """Remove one of the bureau's reply templates."""
    title = services.delete_reply_template(db.session, current_actor(), template_id)
    flash(f"答复模板“{title}”已删除。", "success")
    return redirect(url_for("workspace.templates"), code=303)


# JSON for the same people: the bureau's tickets and one ticket in full.

def staff_json(ticket: Ticket, viewing: Sight) -> dict:
    """A ticket as `viewing` may see it (portal/tickets/viewers.py): the holder bureau and the supervisor
    with personal data and the timeline, a co-bureau without either; a confidential ticket's business
    and attachments only for the supervisor (`viewing.identity`). Its channel and likely repeats."""
    data = {
        "number": ticket.number, "type": ticket.type.value, "status": ticket.state.value,
        "status_label": ticket.state.label, "topic": ticket.topic.code if ticket.topic else None,
        "guide": ticket.guide.slug if ticket.guide else None,
        "bureau": ticket.bureau.code if ticket.bureau else None,
        "assignee": ticket.assignee.username if ticket.assignee else None,
        "subject": ticket.subject, "description": ticket.description,
        "confidential": ticket.confidential, "channel": ticket.channel.value,
        "received_at": local(ticket.received_at).isoformat(timespec="minutes"),
        "attachments": [{"name": a.original_name, "size": a.size,
                         "url": url_for("workspace.attachment", number=ticket.number, attachment_id=a.id)}
                        for a in ticket.attachments] if viewing.identity else [],
        "filed_at": local(ticket.created_at).isoformat(timespec="minutes"),
        "sign_due": ticket.sign_due.isoformat() if ticket.sign_due else None,
        "reply_due": ticket.reply_due.isoformat() if ticket.reply_due else None,
        "cohandlers": cohandling.cohandlers_json(ticket),
    }
    if viewing.personal:
        shown = party(ticket, viewing.identity)
        data.update({"company_name": shown.company_name, "credit_code": shown.credit_code,
                     "contact_name": shown.contact_name, "phone": shown.phone, "email": shown.email})
    if not viewing.history:
        del data["assignee"]  # a staff name of another bureau
        return data
    data.update({
        "merged_into": ticket.merged_into.number if ticket.merged_into else None,
        "repeats": [r.number for r in ticket.repeats],
        "similar": [item.ticket.number for item in likely_repeats(db.session, ticket, viewing.viewer, current_user.bureau_id)],
    })
    data["events"] = [{"at": local(e.at).isoformat(timespec="minutes"), "action": e.action, "by": e.actor_name,
                       "actor": e.actor_kind, "from": e.from_state.value if e.from_state else None,
                       "to": e.to_state.value, "public_text": e.public_text, "internal_note": e.internal_note}
                      for e in ticket.events]
    return data


@api.get("/tickets")
@login_required
def api_tickets():
    """The account's open tickets (or ?view=all|overdue|due_today|mine), most urgent first."""
    if current_user.role not in WORKSPACE_ROLES:
        abort(403)
    filters = _filters()
    page = paginate(db.session, _listed(filters, today()), page_arg(), 50)
    return jsonify({"total": page.total, "page": page.page, "view": filters.view,
                    "tickets": [{"number": t.number, "status": t.state.value, "subject": t.subject, "channel": t.channel.value,
                                 "bureau": t.bureau.code if t.bureau else None,
                                 "due": t.running_due.isoformat() if t.running_due else None}
                                for t in page.items]})


@api.get("/tickets/<number>")
@login_required
def api_ticket(number: str):
    """One ticket in full, for its holder bureau and the supervisor; 404 for anyone else."""
    if current_user.role not in WORKSPACE_ROLES:
        abort(403)
    found = visible_ticket(number)
    return jsonify(staff_json(found, sight(current_user, found)))
