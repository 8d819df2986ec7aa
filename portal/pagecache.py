"""Public pages kept in each worker's memory for anonymous readers.

Most traffic on a county portal is someone without a cookie reading the home page, a search or a
list. Such a page is the same for every anonymous reader until the content changes or the county's
day turns, so a worker keeps what it rendered and answers the next such request from memory (about
1 ms instead of 10 to 20). Only what cannot differ between readers is kept: a GET with no cookie at
all, of a part that registered itself as public, answered 200 without writing to the session (no form
token, no flashed message: whatever is read from an empty session is the same for everyone), without
a cookie set and without `no-store`. An entry lives until the
content version changes (parts register how to read it: the index log's last number moves with every
change to a guide, a policy or the synonyms, on any host), the county's day changes, or
PAGE_CACHE_SECONDS pass (what no version follows, a bureau's telephone or a count on the home page, is
at most that old for a reader without a cookie); each worker keeps at most MAX_ENTRIES, the least
recently used going first. Whoever has a cookie (staff, a business that filed or signed in) always
gets a page drawn for them. A kept page is answered with `X-Page-Cache: hit`.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from flask import Flask, Response, current_app, request, session
from sqlalchemy.orm import Session

from portal.clock import today
from portal.extensions import db

MAX_ENTRIES = 500
PUBLIC_BLUEPRINTS: set[str] = set()  # parts whose anonymous GET pages may be kept
UNKEPT_ENDPOINTS: set[str] = set()  # pages of those parts that must not be
VERSIONS: list[Callable[[Session], object]] = []  # what the pages depend on; any change empties the cache


def public(blueprint_name: str, *except_endpoints: str) -> None:
    """Let anonymous GET pages of a blueprint be kept (but not `except_endpoints`)."""
    PUBLIC_BLUEPRINTS.add(blueprint_name)
    UNKEPT_ENDPOINTS.update(except_endpoints)


def depends_on(version: Callable[[Session], object]) -> None:
    """Kept pages depend on what `version(session)` returns: when it changes, they are all drawn anew."""
    if version not in VERSIONS:  # every app the process builds registers the same ones
        VERSIONS.append(version)


class _Cache:
    def __init__(self, max_age: float):
        self.max_age = max_age
        self.entries: OrderedDict[tuple, tuple[float, Response]] = OrderedDict()
        self.version: tuple | None = None

    def get(self, key: tuple) -> Response | None:
        found = self.entries.get(key)
        if found is None:
            return None
        stored, response = found
        if time.monotonic() - stored > self.max_age:
            del self.entries[key]
            return None
        self.entries.move_to_end(key)
        return response

    def put(self, key: tuple, response: Response) -> None:
        self.entries[key] = (time.monotonic(), response)
        self.entries.move_to_end(key)
        while len(self.entries) > MAX_ENTRIES:
            self.entries.popitem(last=False)

    def check(self, version: tuple) -> None:
        if version != self.version:
            self.entries.clear()
            self.version = version


def _eligible() -> bool:
    return (request.method == "GET" and not request.cookies and request.blueprint in PUBLIC_BLUEPRINTS
            and request.endpoint not in UNKEPT_ENDPOINTS)


def _key() -> tuple:
    return request.full_path, request.headers.get("Accept-Language", ""), today()


def init_app(app: Flask) -> None:
    """Keep pages for this app; call it after the blueprints are registered, so that what they do before
    every request (counting a guide's reading) still happens when a kept page answers."""
    cache = app.extensions["pagecache"] = _Cache(app.config["PAGE_CACHE_SECONDS"])
    if not app.config["PAGE_CACHE"]:
        return

    @app.before_request
    def _from_memory():
        if not _eligible():
            return None
        cache.check(tuple(version(db.session) for version in VERSIONS))
        found = cache.get(_key())
        if found is None:
            return None
        kept = Response(found.get_data(), status=found.status_code, headers=list(found.headers))
        kept.headers["X-Page-Cache"] = "hit"
        return kept.make_conditional(request)  # a feed reader that has it gets 304

    @app.after_request
    def _to_memory(response: Response) -> Response:
        if (_eligible() and "X-Page-Cache" not in response.headers and response.status_code == 200
                and not session.modified and "Set-Cookie" not in response.headers
                and "no-store" not in response.headers.get("Cache-Control", "") and not response.is_streamed):
            cache.put(_key(), Response(response.get_data(), status=200, headers=list(response.headers)))
        return response


def clear() -> None:
    """Forget every kept page of this worker (tests, and after a change the versions cannot see)."""
    current_app.extensions["pagecache"].entries.clear()
