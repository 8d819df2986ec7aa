"""Template filters and globals shared by every page and mail, and the headers every response carries."""
from __future__ import annotations

from flask import Flask, request, url_for

from portal.clock import chinese_date, chinese_moment, english_date, english_moment, today
from portal.extensions import db
from portal.i18n import N_, english
from portal.rendering import markdown
from portal.web import absolute_url

SITE_NAME = N_("会宁县营商环境服务平台")


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


def init_app(app: Flask, cite=None) -> None:
    """Filters (cndate, cndatetime, markdown), globals (url_with, url for absolute links in mail,
    site_name, cite) and the security headers."""
    app.jinja_env.filters["markdown"] = markdown
    app.jinja_env.filters["cndate"] = lambda value: english_date(value) if english() else chinese_date(value)
    app.jinja_env.filters["cndatetime"] = lambda value: english_moment(value) if english() else chinese_moment(value)
    app.jinja_env.globals["url_with"] = url_with
    app.jinja_env.globals["url"] = absolute_url
    app.jinja_env.globals["site_name"] = app.config["SITE"]["name"]
    if cite is not None:
        app.jinja_env.globals["cite"] = lambda text: cite(db.session, text or "")

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

