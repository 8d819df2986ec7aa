"""Atom feeds of policies: all, per topic and per bureau."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("feeds", __name__, url_prefix="/feeds")
