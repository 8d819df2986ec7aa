"""flask --app portal subscriptions send"""
from __future__ import annotations

from flask.cli import AppGroup

subscriptions_cli = AppGroup("subscriptions", help="政策订阅推送。")
