"""Subscribing by e-mail without an account: choose, confirm by a signed link, unsubscribe in one click."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("subscriptions", __name__, url_prefix="/subscribe")
