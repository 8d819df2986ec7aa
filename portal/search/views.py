"""The search page and its JSON twins."""
from __future__ import annotations

import time

from flask import Blueprint, current_app, jsonify, render_template, request
from sqlalchemy import select

from portal import site
from portal.catalog import queries
from portal.catalog.models import Bureau, PolicyStatus, Topic
from portal.clock import today
from portal.extensions import db
from portal.search.index import IndexMissing
from portal.search.reader import SearchReader
from portal.search.service import MAX_PER_PAGE, ORDERS, STATUSES, SearchRequest, search, suggest
from portal.web import int_arg, key_arg

bp = Blueprint("search", __name__)
site.column("search", "站内搜索", "搜索服务")
api = Blueprint("search_api", __name__, url_prefix="/api/v1")

STATUS_LABELS = {s.value: s.label for s in PolicyStatus if s.value in STATUSES}
KIND_LABELS = {"guide": "办事指南", "policy": "政策文件"}
NAMES_TTL = 60.0
_names_cache: dict[str, tuple[float, dict]] = {}


def catalog_names() -> dict[str, dict[str, str]]:
    """Bureau and topic names by code, read at most once a minute per process."""
    key = current_app.config["DATABASE_URL"]
    cached = _names_cache.get(key)
    if cached and time.monotonic() - cached[0] < NAMES_TTL:
        return cached[1]
    names = {
        "bureau": dict(db.session.execute(select(Bureau.code, Bureau.name)).all()),
        "topic": dict(db.session.execute(select(Topic.code, Topic.name)).all()),
    }
    _names_cache[key] = (time.monotonic(), names)
    return names


def search_request() -> SearchRequest:
    """The search as asked in the query string; anything malformed is dropped, never an error."""
    return SearchRequest(
        q=request.args.get("q", "")[:2000],
        kind=key_arg("kind", ("guide", "policy")),
        bureau=key_arg("bureau"),
        topic=key_arg("topic"),
        status=key_arg("status", (*STATUSES, "all")),
        page=int_arg("page", 1, 1, 100000),
        per_page=int_arg("per_page", 10, 1, MAX_PER_PAGE),
        order=key_arg("order", ORDERS) or "relevance",
    )


def reader() -> SearchReader:
    return current_app.extensions["search"]


@bp.get("/search")
def search_page():
    """Results with highlighted snippets, facets and paging; related topics when nothing matches."""
    req = search_request()
    snapshot = reader().snapshot()
    response = search(snapshot, req, today())
    context = {"response": response, "req": req, "names": catalog_names(),
               "status_labels": STATUS_LABELS, "kind_labels": KIND_LABELS}
    if not response.parsed.empty and not response.hits:
        context["related_topics"] = _related_topics(response)
        context["popular"] = queries.most_used_guides(db.session, 6)
    if not response.parsed.empty and req.page == 1:
        context["suggestions"] = suggest(snapshot, req.q, 5)
    return render_template("search/results.html", **context)


def _related_topics(response) -> list:
    """Topics whose name shares a word with the query: a way on when the search found nothing."""
    terms = response.parsed.highlight_terms()
    topics = queries.topics(db.session)
    related = [t for t in topics if any(term in t.name or term in t.description for term in terms)]
    return (related or [t for t in topics if t.key_indicator])[:8]


@api.get("/search")
def search_api():
    """GET /api/v1/search: the JSON of DESIGN.md."""
    req = search_request()
    response = search(reader().snapshot(), req, today())
    return jsonify({
        "query": req.q,
        "total": response.total,
        "page": min(req.page, response.pages),
        "per_page": req.per_page,
        "results": [
            {"kind": h.kind, "slug": h.slug, "title": h.plain_title, "url": h.url, "snippet": str(h.snippet),
             "bureau": h.bureau, "topics": h.topics, "score": h.score}
            for h in response.hits
        ],
        "facets": response.facets,
    })


@api.get("/suggest")
def suggest_api():
    """GET /api/v1/suggest?q=: titles for what has been typed so far."""
    text = request.args.get("q", "")[:100]
    try:
        snapshot = reader().snapshot()
    except IndexMissing:
        return jsonify({"query": text, "suggestions": []})
    return jsonify({"query": text, "suggestions": suggest(snapshot, text)})
