"""Template filters and globals shared by every page."""
from __future__ import annotations

import datetime as dt

from flask import Flask, request, url_for
from markupsafe import Markup

from portal.clock import local, today
from portal.rendering import markdown


def chinese_date(value: dt.date | dt.datetime | None) -> str:
    """2022-09-15 → 2022年9月15日; a moment is first put in county time."""
    if isinstance(value, dt.datetime):
        value = local(value).date()
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def chinese_moment(value: dt.datetime | None) -> str:
    """A stored moment as 2026年11月26日 13:45, county time."""
    if value is None:
        return ""
    moment = local(value)
    return f"{chinese_date(moment)} {moment:%H:%M}"


def url_with(**changes) -> str:
    """The current page's URL with some query arguments changed (None removes one); page resets."""
    # Keys url_for would read as its own options are not query arguments of ours: drop them.
    args = {k: v for k, v in request.args.items() if k != "endpoint" and not k.startswith("_")}
    if "page" not in changes:
        args.pop("page", None)
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = value
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def cite(text: str) -> Markup:
    """A reply's text with the document numbers of published policies linked to their pages."""
    from portal.extensions import db
    from portal.tickets.citations import link_citations

    return link_citations(db.session, text or "", lambda p: url_for("catalog.policy_show", slug=p.slug))


def init_app(app: Flask) -> None:
    app.jinja_env.filters["markdown"] = markdown
    app.jinja_env.filters["cndate"] = chinese_date
    app.jinja_env.filters["cndatetime"] = chinese_moment
    app.jinja_env.globals["url_with"] = url_with
    app.jinja_env.globals["cite"] = cite
    app.jinja_env.globals["site_name"] = "会宁县营商环境服务平台"

    @app.context_processor
    def _today():
        return {"today": today()}

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
