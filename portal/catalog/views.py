"""Public catalog pages: home, guides, policies, bureaus and topics."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, render_template, request
from sqlalchemy.exc import SQLAlchemyError

from portal import pagecache
from portal.boundary import transaction
from portal.catalog import queries
from portal.catalog.models import Guide, Policy
from portal.catalog.services import GuideReadings, add_readings
from portal.clock import today
from portal.extensions import db
from portal.web import page_arg, paginate, text_arg

bp = Blueprint("catalog", __name__)
pagecache.public(bp.name)

GUIDES_PER_PAGE = 20
POLICIES_PER_PAGE = 20


@dataclass(frozen=True)
class PageSection:
    """A part of a page that another part of the portal contributes: its template and what it shows."""

    template: str
    context: dict


# Sections that parts above the catalog add to a policy's page (the consultation, for one): each
# provider gets the policy and the request's extras and gives a section, or None.
POLICY_SECTIONS: list[Callable[..., PageSection | None]] = []


# Sections that parts above the catalog add to a guide's page (the knowledge base's answers citing it).
GUIDE_SECTIONS: list[Callable[[Guide], PageSection | None]] = []

# Sections that parts above the catalog add to the home page (search's 热搜, for one): each provider
# gives a section or None.
HOME_SECTIONS: list[Callable[[], PageSection | None]] = []


def render_policy(policy: Policy, status: int = 200, **extras):
    """A policy's page with the sections other parts contribute; `extras` reach every provider (a
    refused comment's messages and what was typed, say)."""
    sections = [section for provider in POLICY_SECTIONS if (section := provider(policy, **extras)) is not None]
    return render_template("catalog/policy_show.html", policy=policy, day=today(), sections=sections), status


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
        sections=[section for provider in HOME_SECTIONS if (section := provider()) is not None],
    )


@bp.get("/guides")
def guide_list():
    """Guides filtered by topic, bureau, fully online and words; unknown filter values are ignored."""
    session = db.session
    topic = queries.topic_by_code(session, text_arg("topic", 40))
    bureau = queries.bureau_by_code(session, text_arg("bureau", 40))
    online = request.args.get("online") == "1"
    words = text_arg("q")
    page = paginate(session, queries.guides_query(topic, bureau, online, words), page_arg(), GUIDES_PER_PAGE)
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
    sections = [section for provider in GUIDE_SECTIONS if (section := provider(guide)) is not None]
    return render_template("catalog/guide_show.html", guide=guide, sections=sections)


@bp.record_once
def _set_up_readings(state):
    state.app.extensions["guide_readings"] = GuideReadings(state.app.config["GUIDE_READINGS_SECONDS"])


@bp.before_app_request
def _count_reading():
    """Count a guide's reading, also one the page cache answers (it runs before the cache)."""
    readings: GuideReadings = current_app.extensions["guide_readings"]
    if request.endpoint == "catalog.guide_show" and request.method == "GET":
        readings.count(request.view_args["slug"])
    counts = readings.take_if_due()
    if counts:
        try:
            with transaction():
                add_readings(db.session, counts)
        except SQLAlchemyError:  # the database is busy: the reader is not kept waiting for a count
            current_app.logger.warning("guide readings not written yet", exc_info=True)
            readings.give_back(counts)


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
    page = paginate(session, queries.policies_query(day, view, topic, bureau, parts), page_arg(), POLICIES_PER_PAGE)
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
    """One policy: document number, dates, status badge, text and interpretation, and the sections
    other parts add (its consultation)."""
    return render_policy(queries.public_policy_by_slug(db.session, slug) or abort(404))


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
