"""How a reader wants the pages shown, kept in a cookie without an account: 长者模式 (large type, high
contrast, the simplest layout). The switch is a plain link to `/mode?elder=1&next=…`, so it works without
JavaScript; it only sets a display preference, so a GET without a form token is safe (nothing a forged
link could make a reader do but see larger type). A page drawn with a cookie is never kept by the page
cache (portal/pagecache.py keeps only pages for readers with no cookie at all), so the elder page never
reaches a reader without the cookie, and the page cache's own key is left as it is."""
from __future__ import annotations

from flask import Blueprint, Flask, has_request_context, redirect, request, url_for

from portal.web import safe_next

ELDER_COOKIE = "elder"
KEEP_FOR = 365 * 24 * 3600  # a preference, kept a year

bp = Blueprint("preferences", __name__)


def elder_mode() -> bool:
    """Does this reader want 长者模式?"""
    return has_request_context() and request.cookies.get(ELDER_COOKIE) == "1"


def here() -> str:
    """The current page's local address with its query, to come back to after a switch."""
    return request.full_path.rstrip("?") if request.method == "GET" else request.path


@bp.get("/mode")
def mode():
    """Switch 长者模式 on (`elder=1`) or off (anything else) and go back to `next` (a local path only)."""
    response = redirect(safe_next(request.args.get("next")) or url_for("catalog.home"), 303)
    if request.args.get("elder") == "1":
        response.set_cookie(ELDER_COOKIE, "1", max_age=KEEP_FOR, httponly=True, samesite="Lax",
                            secure=request.is_secure)
    else:
        response.delete_cookie(ELDER_COOKIE, httponly=True, samesite="Lax", secure=request.is_secure)
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """The switch's route, and `elder` and `here` in every template."""
    app.register_blueprint(bp)

    @app.context_processor
    def _preferences():
        return {"elder": elder_mode(), "here": here}

    @app.after_request
    def _varies_with_the_cookie(response):
        if response.mimetype == "text/html":
            response.vary.add("Cookie")  # a shared cache in front must not hand the elder page to others
        return response
