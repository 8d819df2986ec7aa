"""Comments on draft policies: the public form, and moderation and decisions for the contact bureau."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("consultations", __name__)
