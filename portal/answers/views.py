"""The knowledge base's pages: the public list and answer pages with 这解决了您的问题吗？, the similar
answers the filing form shows while a business types, the guide pages' answers, and the staff's
"写入知识库" on a replied ticket."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, session, url_for
from sqlalchemy import select

from portal import site
from portal.accounts.access import current_actor, roles_required
from portal.accounts.models import Role
from portal.answers import services
from portal.catalog import queries
from portal.catalog.models import Answer, AnswerStatus, AnswerTopic, Guide, Topic
from portal.catalog.views import GUIDE_SECTIONS, PageSection
from portal.clock import today
from portal.errors import DomainError, show_refusals_with
from portal.extensions import db, limiter
from portal.search.index import IndexMissing
from portal.search.service import SearchRequest, search
from portal.search.views import reader
from portal.tickets.models import Ticket
from portal.tickets.views import FILING_SECTIONS, find_ticket
from portal.tickets.workspace import TICKET_PAGE_PARTS, TicketPagePart, ticket_page, visible_ticket
from portal.web import limits_off, page_arg, paginate, text_arg

bp = Blueprint("answers", __name__)
api = Blueprint("answers_api", __name__, url_prefix="/api/v1/answers")
site.column("answers", "问答", "互动交流")

PER_PAGE = 20
SIMILAR_SHOWN = 5
VOTE_LIMIT = "10 per minute;60 per day"
VOTED = "voted_answers"  # slugs this browser has already voted on (signed session)
WRITER_ROLES = (Role.STAFF, Role.BUREAU_ADMIN, Role.ADMIN)


def similar(text: str, topic: str = "", limit: int = SIMILAR_SHOWN) -> list[dict]:
    """Published answers like a question being typed: the search of answers only, best first."""
    text = (text or "").strip()[:200]
    if len(text) < 2:
        return []
    try:
        snapshot = reader().snapshot()
    except IndexMissing:
        return []
    request_ = SearchRequest(q=text, kind="answer", topic=topic if queries.topic_by_code(db.session, topic) else "",
                             per_page=limit)
    response = search(snapshot, request_, today())
    if not response.hits and request_.topic:  # the topic chosen may not be the one the answer has
        response = search(snapshot, SearchRequest(q=text, kind="answer", per_page=limit), today())
    return [{"slug": h.slug, "question": h.plain_title, "url": h.url, "snippet": str(h.snippet)} for h in response.hits]


@bp.get("/answers")
def answer_list():
    """Published answers, newest first; `q` searches them, `topic` narrows them."""
    topic = queries.topic_by_code(db.session, text_arg("topic", 40))
    words = text_arg("q")
    if words:
        found = similar(words, topic.code if topic else "", limit=PER_PAGE)
        return render_template("answers/list.html", found=found, page=None, words=words, topic=topic,
                               topics=_topics_with_answers())
    statement = (select(Answer).where(Answer.status == AnswerStatus.PUBLISHED)
                 .order_by(Answer.published_on.desc(), Answer.id.desc()))
    if topic is not None:
        statement = statement.where(Answer.topic_links.any(topic_id=topic.id))
    page = paginate(db.session, statement, page_arg(), PER_PAGE)
    return render_template("answers/list.html", found=None, page=page, words="", topic=topic,
                           topics=_topics_with_answers())


def _topics_with_answers() -> list[Topic]:
    counted = select(AnswerTopic.topic_id).join(Answer).where(Answer.status == AnswerStatus.PUBLISHED)
    return list(db.session.scalars(select(Topic).where(Topic.id.in_(counted)).order_by(Topic.id)))


@bp.get("/answers/<slug>")
def show(slug: str):
    """One answer: the question, the answer, the bureau, topics, the guides and policies it cites, and
    这解决了您的问题吗？"""
    answer = services.public_answer(db.session, slug)
    return render_template("answers/show.html", answer=answer, voted=slug in session.get(VOTED, []))


@bp.post("/answers/<slug>/vote")
@limiter.limit(VOTE_LIMIT, exempt_when=limits_off)
def vote(slug: str):
    """这解决了您的问题吗？: one vote per answer per browser, no account; counted, nothing else kept."""
    answer = services.public_answer(db.session, slug)
    choice = request.form.get("solved", "")
    if choice not in ("yes", "no"):
        abort(400)
    voted = list(session.get(VOTED, []))
    if slug not in voted:
        services.vote(db.session, answer, choice == "yes")
        session[VOTED] = (voted + [slug])[-200:]
    flash("谢谢您的反馈！" + ("" if choice == "yes" else "问题没有解决的，可以在下面提交诉求，由责任部门限时答复。"), "success")
    return redirect(url_for("answers.show", slug=slug, _anchor="solved"), code=303)


@api.get("/similar")
def similar_api():
    """GET /api/v1/answers/similar?q=&topic=: published answers like the question being typed."""
    text = request.args.get("q", "")[:200]
    return jsonify({"query": text, "answers": similar(text, text_arg("topic", 40))})


def filing_section(values: dict) -> PageSection | None:
    """已有答复的类似问题 on the filing form: from what was typed when the form comes back (without
    JavaScript), and as a box the script fills while the business types."""
    typed = " ".join(v for v in (values.get("subject", ""), values.get("description", "")[:100]) if v)
    return PageSection("answers/_similar.html", {"found": similar(typed, values.get("topic", "")) if typed else []})


FILING_SECTIONS.append(filing_section)


def guide_section(guide: Guide) -> PageSection | None:
    """The published answers that cite a guide, on its page."""
    answers = queries.answers_for_guide(db.session, guide)
    return PageSection("answers/_guide_section.html", {"answers": answers}) if answers else None


GUIDE_SECTIONS.append(guide_section)


def ticket_part(ticket: Ticket) -> TicketPagePart | None:
    """写入知识库 on a replied ticket the business agreed to publish, for its bureau's staff and the admin."""
    actor = current_actor()
    if ticket.state not in services.ANSWERABLE or not ticket.publish or not services.may_write(actor, ticket):
        return None
    source = services.written_from(db.session, ticket)
    return TicketPagePart(section=PageSection("answers/_ticket_section.html",
                                              {"slug": source.slug if source else "", "written": bool(source)}))


TICKET_PAGE_PARTS.append(ticket_part)


@bp.post("/staff/tickets/<number>/answer")
@roles_required(*WRITER_ROLES)
def write_from_ticket(number: str):
    """POST /staff/tickets/<number>/answer (question, answer): a draft answer written anew from the ticket."""
    ticket = find_ticket(number) if current_actor().is_admin else visible_ticket(number)
    if ticket is None:
        abort(404)

    def refused(exc: DomainError):
        messages = [m for ms in exc.errors.values() for m in ms] or [exc.message]
        return ticket_page(ticket, error="；".join(messages), failed="answer", status=exc.status)

    show_refusals_with(refused)
    revision = services.write_from_ticket(db.session, current_actor(), ticket, request.form.get("question", ""),
                                          request.form.get("answer", ""))
    flash(f"已写入知识库草稿（修订 #{revision.id}）：请核对后发布。发布后出现在“问答”栏目和检索中。", "success")
    return redirect(url_for("editing.revision", section="answers", slug=revision.slug, revision_id=revision.id),
                    code=303)
