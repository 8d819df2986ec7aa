"""Atom feeds of policies: all, per topic and per bureau.

Each feed holds what its page lists by default (never drafts, expired or repealed policies), so a
reader subscribed to a page sees what the page shows. The XML is built with ElementTree, which
escapes text and attributes, and nothing in it depends on the current time but the day's statuses:
an unchanged catalogue gives the same bytes and the same ETag.
"""
from __future__ import annotations

import datetime as dt
import re

# ElementTree only builds the feeds here; nothing parses XML (bandit B405 warns of parsing).
import xml.etree.ElementTree as ET  # nosec B405
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy.orm import Session, selectinload

from portal import pagecache
from portal.catalog import queries
from portal.catalog.models import Bureau, Policy, PolicyTopic, Topic
from portal.clock import COUNTY_TZ, chinese_date, local, today
from portal.extensions import db
from portal.web import absolute_url

bp = Blueprint("feeds", __name__, url_prefix="/feeds")
pagecache.public(bp.name)

ATOM = "http://www.w3.org/2005/Atom"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"
FEED_SIZE = 50
# The day the action plan went out for comment, where the portal's content begins. It dates the
# tag: ids and stands in for `updated` in an empty feed, which must not move with the clock.
SITE_FIRST_DAY = dt.date(2022, 9, 15)
# Characters XML 1.0 cannot carry at all; ElementTree writes them unescaped and the feed breaks.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def feed_policies(session: Session, day: dt.date, topic: Topic | None = None,
                  bureau: Bureau | None = None) -> list[Policy]:
    """The newest public policies as their page lists them on `day`, last changed first.

    The all-policies feed leaves out the plan's single measures as the policy list does; a topic's
    or a bureau's feed includes them, as the topic and bureau pages do."""
    parts = topic is not None or bureau is not None
    stmt = (
        queries.policies_query(day, "current", topic=topic, bureau=bureau, include_parts=parts)
        .options(selectinload(Policy.topic_links).selectinload(PolicyTopic.topic))
        .order_by(None)
        .order_by(Policy.modified_at.desc(), Policy.published_on.desc(), Policy.id.desc())
        .limit(FEED_SIZE)
    )
    return list(session.scalars(stmt))


@bp.get("/policies.atom")
def policies():
    """The newest current policies and consultations, of every bureau and topic."""
    return atom_response(
        title=site_name() + " · 政策文件",
        key="policies",
        alternate=absolute_url("catalog.policy_list"),
        entries=feed_policies(db.session, today()),
    )


@bp.get("/topics/<code>.atom")
def topic(code: str):
    """The newest current policies and measures of one topic; an unknown code is 404."""
    found = queries.topic_by_code(db.session, code) or abort(404)
    return atom_response(
        title=f"{site_name()} · {found.name} · 政策文件",
        key=f"topics/{found.code}",
        alternate=absolute_url("catalog.topic_show", code=found.code),
        entries=feed_policies(db.session, today(), topic=found),
    )


@bp.get("/bureaus/<code>.atom")
def bureau(code: str):
    """The newest current policies and measures of one bureau; an unknown code is 404."""
    found = queries.bureau_by_code(db.session, code) or abort(404)
    return atom_response(
        title=f"{site_name()} · {found.name} · 政策文件",
        key=f"bureaus/{found.code}",
        alternate=absolute_url("catalog.bureau_show", code=found.code),
        entries=feed_policies(db.session, today(), bureau=found),
    )


def atom_response(title: str, key: str, alternate: str, entries: list[Policy]) -> Response:
    """The feed as a cacheable response; a reader holding the same ETag gets 304."""
    self_url = absolute_url(request.endpoint, **request.view_args)
    body = render_feed(title, key, self_url, alternate, entries, today())
    response = Response(body, content_type=CONTENT_TYPE)
    response.cache_control.public = True
    response.cache_control.max_age = 600
    # No Last-Modified: a policy leaving the feed (expired, repealed) changes the feed without a
    # newer `updated`, and a reader asking If-Modified-Since would miss it. The ETag hashes the body.
    response.add_etag()
    return response.make_conditional(request)


def render_feed(title: str, key: str, self_url: str, alternate: str, entries: list[Policy], day: dt.date) -> bytes:
    """An Atom document (RFC 4287) of `entries`, as UTF-8 bytes."""
    # Names are written bare under a default xmlns: ElementTree would otherwise invent ns0: prefixes.
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": "zh-CN"})
    child(feed, "id", tag_uri(f"feeds/{key}"))
    child(feed, "title", title)
    updated = max((local(p.modified_at) for p in entries), default=None)
    child(feed, "updated", rfc3339(updated or first_moment(SITE_FIRST_DAY)))
    child(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    child(feed, "link", rel="alternate", type="text/html", href=alternate)
    author = child(feed, "author")
    child(author, "name", site_name())
    child(author, "uri", absolute_url("catalog.home"))
    child(feed, "generator", site_name(), uri=absolute_url("catalog.home"))
    for policy in entries:
        feed.append(entry(policy, day))
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def entry(policy: Policy, day: dt.date) -> ET.Element:
    """One policy as an Atom entry; its status and document number open the summary."""
    element = ET.Element("entry")
    child(element, "id", tag_uri(f"policies/{policy.slug}"))
    child(element, "title", policy.title)
    child(element, "updated", rfc3339(local(policy.modified_at)))
    child(element, "published", rfc3339(first_moment(policy.published_on)))
    child(element, "link", rel="alternate", type="text/html", href=absolute_url("catalog.policy_show", slug=policy.slug))
    author = child(element, "author")
    child(author, "name", policy.bureau.name)
    child(author, "uri", absolute_url("catalog.bureau_show", code=policy.bureau.code))
    scheme = absolute_url("catalog.topic_list")
    for linked in policy.topics:
        child(element, "category", term=linked.code, label=linked.name, scheme=scheme)
    child(element, "summary", summary(policy, day), type="text")
    return element


def summary(policy: Policy, day: dt.date) -> str:
    """【现行有效】文号。摘要 — what the policy list shows beside the title, then its summary."""
    status = policy.status_on(day).label
    if policy.pending_on(day):
        status += f"，{chinese_date(policy.effective_from)}起施行"
    head = f"【{status}】" + (f"{policy.doc_number}。" if policy.doc_number else "")
    return head + policy.summary


def child(parent: ET.Element, name: str, text: str | None = None, **attributes: str) -> ET.Element:
    """An Atom element under `parent`, with characters XML cannot carry dropped."""
    element = ET.SubElement(parent, name, {k: NOT_XML.sub("", v) for k, v in attributes.items()})
    if text is not None:
        element.text = NOT_XML.sub("", text)
    return element


def rfc3339(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def first_moment(day: dt.date) -> dt.datetime:
    """00:00 county time on `day`."""
    return dt.datetime.combine(day, dt.time(), tzinfo=COUNTY_TZ)


def tag_uri(specific: str) -> str:
    """A tag: URI (RFC 4151) under the site's host name: stable while the host is, whatever the paths."""
    host = urlsplit(absolute_url("catalog.home")).hostname or "localhost"
    return f"tag:{host},{SITE_FIRST_DAY.isoformat()}:{specific}"


def site_name() -> str:
    return current_app.jinja_env.globals["site_name"]
