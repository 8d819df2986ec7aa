"""Health check for load balancers and monitoring."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import func, select

from portal.catalog.models import Guide, Policy
from portal.clock import today
from portal.extensions import db
from portal.mail import parked
from portal.tickets.workdays import missing_years

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 when the database and the index can be read and the index writer keeps up, with their
    counts; 503 with the reason otherwise (a writer that died leaves changes waiting: degraded)."""
    body: dict = {"status": "ok"}
    try:
        body["guides"] = db.session.scalar(select(func.count()).select_from(Guide))
        body["policies"] = db.session.scalar(select(func.count()).select_from(Policy))
        reader = current_app.extensions["search"]
        body["index_host"] = reader.store.host
        body["index_pending"] = reader.store.pending(db.session)  # log rows this host has not applied
        body["index_lag_seconds"] = round(reader.store.lag(db.session), 1)
        body["database"] = "ok"
        this_year = today().year
        body["calendar_missing_years"] = missing_years(db.session, [this_year, this_year + 1])
        body["mail_parked"] = len(parked(db.session))  # failed too often; `flask --app portal mail parked`
    except Exception:  # any database failure means unhealthy, whatever the driver raises
        return jsonify({"status": "error", "database": "unreachable"}), 503
    try:
        body["index_documents"] = reader.snapshot().searcher.doc_count()
        body["index"] = "ok"
    except Exception:  # a missing or unreadable index
        body.update(status="error", index="unreadable")
        return jsonify(body), 503
    limit = current_app.config["INDEX_MAX_LAG"]
    if body["index_lag_seconds"] > limit:
        body.update(status="degraded", reason=f"index writer behind: the oldest of {body['index_pending']} changes "
                                              f"has waited {body['index_lag_seconds']:.0f} s (more than {limit} s); "
                                              "is `flask --app portal search worker` running?")
        return jsonify(body), 503
    return jsonify(body)
