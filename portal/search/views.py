"""The search page and its JSON twins; what people searched (热搜 on the home page, and the queries
that found nothing for the staff at /staff/search-gaps)."""
from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from portal import site
from portal.accounts.access import client_address, current_actor, roles_required
from portal.accounts.models import Role
from portal.catalog import queries
from portal.catalog.models import Bureau, PolicyStatus, Topic
from portal.catalog.views import HOME_SECTIONS, PageSection
from portal.clock import today
from portal.errors import DomainError, show_refusals_with
from portal.extensions import db, limiter
from portal.search import gaps
from portal.search.index import IndexMissing
from portal.search.reader import SearchReader
from portal.search.service import KINDS, MAX_PER_PAGE, ORDERS, STATUSES, SearchRequest, SearchResponse, search, suggest
from portal.web import int_arg, key_arg

bp = Blueprint("search", __name__)
site.column("search", "站内搜索", "搜索服务")
api = Blueprint("search_api", __name__, url_prefix="/api/v1")
staff = Blueprint("search_staff", __name__, url_prefix="/staff/search-gaps")
site.column("search_staff", "检索缺口", "其他", public=False)

STATUS_LABELS = {s.value: s.label for s in PolicyStatus if s.value in STATUSES}
KIND_LABELS = {"guide": "办事指南", "policy": "政策文件", "answer": "问答"}
GAP_ROLES = (Role.ADMIN, Role.SUPERVISOR)
PERSON_DAY = 24 * 3600
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
        kind=key_arg("kind", KINDS),
        bureau=key_arg("bureau"),
        topic=key_arg("topic"),
        status=key_arg("status", (*STATUSES, "all")),
        page=int_arg("page", 1, 1, 100000),
        per_page=int_arg("per_page", 10, 1, MAX_PER_PAGE),
        order=key_arg("order", ORDERS) or "relevance",
    )


def reader() -> SearchReader:
    return current_app.extensions["search"]


def record(req: SearchRequest, response: SearchResponse) -> None:
    """Count what a person searched (first page, no filters), once a day per query: a gap if it found
    nothing, a search for 热搜 if it found something (portal.search.gaps: no address is kept)."""
    if req.page != 1 or req.filters or response.parsed.empty:
        return
    text = gaps.recordable(req.q)
    if not text:
        return
    day = today()
    key = gaps.person_key(current_app.config["SECRET_KEY"], current_app.config["DATABASE_URL"], client_address(),
                          day, text)
    if limiter.storage.incr(key, PERSON_DAY) == 1:  # memory:// is safe under threads (portal.extensions)
        gaps.record(db.session, text, response.total > 0, day)


@bp.get("/search")
def search_page():
    """Results with highlighted snippets, facets and paging; related topics when nothing matches."""
    req = search_request()
    snapshot = reader().snapshot()
    response = search(snapshot, req, today())
    record(req, response)
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
    record(req, response)
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


def hot_section() -> PageSection | None:
    """热搜 under the home page's search box: what people searched most in the last 7 days and found."""
    hot = gaps.hot_queries(db.session, today())
    return PageSection("search/_hot.html", {"hot": hot}) if hot else None


HOME_SECTIONS.append(hot_section)


@staff.get("")
@roles_required(*GAP_ROLES)
def gap_list():
    """Queries that found nothing, most searched first, each with a one-step synonym form."""
    return render_template("search/gaps.html", gaps=gaps.gaps(db.session), errors={}, failed=None)


def _gap_id(raw: str) -> int:
    return int(raw) if raw.isdecimal() and len(raw) < 10 else 0


@staff.post("/<gap_id>/synonym")
@roles_required(*GAP_ROLES)
def add_synonym(gap_id: str):
    """Add the gap's words as a synonym of the official terms typed (a content line, audited)."""
    means = gaps.parse_means(request.form.get("means", "")[:1100])

    def refused(exc: DomainError):
        return render_template("search/gaps.html", gaps=gaps.gaps(db.session), errors=exc.errors,
                               failed=_gap_id(gap_id), typed=request.form.get("means", "")), exc.status

    show_refusals_with(refused)
    synonym = gaps.add_synonym(db.session, current_actor(), _gap_id(gap_id), means)
    flash(f"已添加同义词：{synonym.term} → {'、'.join(synonym.means)}。检索索引稍后同步，内容导出中也会包含这一行。", "success")
    return redirect(url_for("search_staff.gap_list"), code=303)


@staff.post("/<gap_id>/dismiss")
@roles_required(*GAP_ROLES)
def dismiss(gap_id: str):
    """Remove a gap that needs no synonym."""
    gaps.dismiss(db.session, current_actor(), _gap_id(gap_id))
    flash("已忽略这条检索记录。", "success")
    return redirect(url_for("search_staff.gap_list"), code=303)
