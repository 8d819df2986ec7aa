"""Public catalog pages: home, guides, policies, bureaus and topics."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from portal.catalog import queries
from portal.catalog.services import count_guide_view
from portal.clock import today
from portal.extensions import db

bp = Blueprint("catalog", __name__)

GUIDES_PER_PAGE = 20
POLICIES_PER_PAGE = 20


def page_arg() -> int:
    """The `page` query argument; anything but a positive integer means the first page."""
    raw = request.args.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdecimal() and 0 < len(raw) < 7 else 1


def text_arg(name: str, max_len: int = 100) -> str:
    """A query argument as plain text: control characters dropped, cut to `max_len`."""
    raw = request.args.get(name, "")
    return "".join(ch for ch in raw if ch >= " ").strip()[:max_len]


@bp.get("/")
def home():
    """Search box, topics, most-used guides, latest policies and the complaint entry."""
    session = db.session
    return render_template(
        "catalog/home.html",
        topics=queries.topics(session),
        guide_counts=queries.counts_by_topic(session),
        popular=queries.most_used_guides(session),
        latest=queries.latest_policies(session, today()),
        supervisor=next((b for b in queries.bureaus(session) if b.supervisor), None),
    )


@bp.get("/guides")
def guide_list():
    """Guides filtered by topic, bureau, fully online and words; unknown filter values are ignored."""
    session = db.session
    topic = queries.topic_by_code(session, text_arg("topic", 40))
    bureau = queries.bureau_by_code(session, text_arg("bureau", 40))
    online = request.args.get("online") == "1"
    words = text_arg("q")
    page = queries.paginate(
        session, queries.guides_query(topic, bureau, online, words), page_arg(), GUIDES_PER_PAGE
    )
    return render_template(
        "catalog/guide_list.html",
        page=page,
        topic=topic,
        bureau=bureau,
        online=online,
        words=words,
        topics=queries.topics(session),
        bureaus=queries.bureaus(session),
    )


@bp.get("/guides/<slug>")
def guide_show(slug: str):
    """One guide with every element, its materials as a printable checklist."""
    guide = queries.guide_by_slug(db.session, slug) or abort(404)
    count_guide_view(db.session, guide)
    db.session.commit()
    return render_template("catalog/guide_show.html", guide=guide)


@bp.get("/policies")
def policy_list():
    """Policies by status; expired and repealed ones only when asked for."""
    session = db.session
    view = request.args.get("status", "current")
    if view not in queries.POLICY_VIEWS:
        view = "current"
    topic = queries.topic_by_code(session, text_arg("topic", 40))
    bureau = queries.bureau_by_code(session, text_arg("bureau", 40))
    parts = request.args.get("parts") == "1"
    day = today()
    page = queries.paginate(
        session, queries.policies_query(day, view, topic, bureau, parts), page_arg(), POLICIES_PER_PAGE
    )
    return render_template(
        "catalog/policy_list.html",
        page=page,
        view=view,
        views=queries.POLICY_VIEWS,
        topic=topic,
        bureau=bureau,
        parts=parts,
        day=day,
        topics=queries.topics(session),
        bureaus=queries.bureaus(session),
    )


@bp.get("/policies/<slug>")
def policy_show(slug: str):
    """One policy: document number, dates, status badge, text and interpretation."""
    from portal.consultations.views import public_context

    policy = queries.public_policy_by_slug(db.session, slug) or abort(404)
    return render_template("catalog/policy_show.html", policy=policy, day=today(),
                           consultation=public_context(policy), comment_errors={}, comment_refused=None, values={})


@bp.get("/bureaus")
def bureau_list():
    """Every bureau with what it leads."""
    return render_template("catalog/bureau_list.html", bureaus=queries.bureaus(db.session))


@bp.get("/bureaus/<code>")
def bureau_show(code: str):
    """A bureau: contact, the topics it leads or co-operates on, its guides and current policies."""
    session = db.session
    bureau = queries.bureau_by_code(session, code) or abort(404)
    co_topics = [t for t in queries.topics(session) if bureau in t.co_bureaus]
    day = today()
    policies = list(session.scalars(queries.policies_query(day, "current", bureau=bureau, include_parts=True)))
    return render_template(
        "catalog/bureau_show.html", bureau=bureau, co_topics=co_topics, policies=policies, day=day
    )


@bp.get("/topics")
def topic_list():
    """The 18 key indicators and the measures' other subjects."""
    session = db.session
    return render_template(
        "catalog/topic_list.html", topics=queries.topics(session), guide_counts=queries.counts_by_topic(session)
    )


@bp.get("/topics/<code>")
def topic_show(code: str):
    """A topic: lead and co-bureaus, its guides and its current policies and measures."""
    session = db.session
    topic = queries.topic_by_code(session, code) or abort(404)
    day = today()
    guides = list(session.scalars(queries.guides_query(topic=topic)))
    policies = list(session.scalars(queries.policies_query(day, "current", topic=topic, include_parts=True)))
    return render_template("catalog/topic_show.html", topic=topic, guides=guides, policies=policies, day=day)
