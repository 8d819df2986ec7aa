"""Helpers every web module shares: the rate-limit switch, query arguments, paging, absolute URLs."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from portal.clock import parse_day
from portal.errors import Invalid
from portal.text import is_key

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")

def limits_off() -> bool:
    """PORTAL_RATELIMIT_ENABLED=false (tests, load checks) exempts every request, read per app."""
    return not current_app.config.get("RATELIMIT_ENABLED", True)


def page_arg(name: str = "page") -> int:
    """A page number argument; anything but a positive integer means the first page."""
    return int_arg(name, 1, 1, 999999)


def int_arg(name: str, default: int, low: int, high: int) -> int:
    """A decimal query argument kept within [low, high]; anything else gives `default`."""
    raw = request.args.get(name, "")
    ok = raw.isascii() and raw.isdecimal() and 0 < len(raw) < 7
    return min(max(int(raw), low), high) if ok else default


def text_arg(name: str, max_len: int = 100) -> str:
    """A query argument as plain text: control characters dropped, cut to `max_len`."""
    raw = request.args.get(name, "")
    return "".join(ch for ch in raw if ch >= " ").strip()[:max_len]


def key_arg(name: str, allowed=None) -> str:
    """A code or slug argument; anything else (or a value not in `allowed`) is dropped."""
    value = request.args.get(name, "").strip()
    if allowed is not None:
        return value if value in allowed else ""
    return value if is_key(value) else ""


def date_arg(name: str) -> dt.date | None:
    """A YYYY-MM-DD argument, or None for anything else."""
    return parse_day(request.args.get(name))


@dataclass(frozen=True)
class Page:
    """One page of a list and what the pager needs."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(session: Session, stmt: Select, page: int, per_page: int) -> Page:
    """Run `stmt` for one page; a page past the end shows the last page."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    items = list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique())
    return Page(items, page, per_page, total)


def base_url() -> str:
    """Where absolute links point: PORTAL_BASE_URL (required in production); in development the
    address a request came to, or the address `make run` serves on (PORTAL_BIND) for a command.
    Never the Host header in production, which anyone can set."""
    configured = current_app.config.get("BASE_URL")
    if configured:
        return configured
    if has_request_context():
        return request.url_root.rstrip("/")
    return current_app.config["LOCAL_URL"]


def absolute_url(endpoint: str, **values) -> str:
    """An absolute address of a route, for mail and feeds, built without a request."""
    return base_url() + current_app.url_map.bind("localhost").build(endpoint, values)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no // or backslash tricks."""
    if not target or len(target) > 500:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    return target


def json_object() -> dict:
    """The request's JSON object, or Invalid (400, field "_body") saying why not."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # json.loads gives up on very deep nesting with this, not a ValueError
        raise Invalid("JSON 嵌套过深。", "_body") from None
    if not isinstance(body, dict):
        raise Invalid("请求体应为 JSON 对象（Content-Type: application/json）。", "_body")
    return body


def _cap_bodies() -> None:
    """A body that is not a form (JSON above all) may hold MAX_JSON_LENGTH bytes, not the 16 MB a filing
    with attachments may: a large anonymous body would otherwise hold a worker's CPU for seconds."""
    if request.mimetype not in FORM_TYPES:
        request.max_content_length = current_app.config["MAX_JSON_LENGTH"]


def private(response, referrer: str = "same-origin"):
    """A page with personal data or a retrieval code: no cache may keep it; `referrer` "no-referrer"
    where its address itself holds a code."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = referrer
    return response


def with_code(response):
    """`private`, for pages and answers that carry a ticket's retrieval code or open a ticket with one."""
    return private(response, "no-referrer")


def init_app(app: Flask) -> None:
    app.before_request(_cap_bodies)
