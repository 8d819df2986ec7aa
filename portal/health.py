"""Health check for load balancers and monitoring."""
from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import func, select

from portal.catalog.models import Guide, Policy
from portal.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 when the database answers, with the catalog's size; 503 otherwise."""
    try:
        guides = db.session.scalar(select(func.count()).select_from(Guide))
        policies = db.session.scalar(select(func.count()).select_from(Policy))
    except Exception:  # any database failure means unhealthy, whatever the driver raises
        return jsonify({"status": "error", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok", "guides": guides, "policies": policies})
