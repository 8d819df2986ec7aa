"""Open311 GeoReport v2 at /open311/v2/: discovery, services, a service's definition, requests (GET,
and POST with an API key) and one request, each as .json and .xml. Errors are the spec's list of
{code, description}: 403 for a missing, wrong or revoked api_key, 404 for an unknown service or request,
400 for anything else. POST takes the spec's form encoding, or a JSON object with the same names
(attributes as "attribute[code]" keys or an "attribute" object); either within the 64 KB body cap."""
from __future__ import annotations

from flask import Blueprint, current_app, request
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException

from portal.catalog import queries as catalog_queries
from portal.errors import MESSAGES, DomainError, Invalid
from portal.extensions import db, limiter
from portal.open311 import services
from portal.open311.formats import errors, respond
from portal.open311.models import ApiKey
from portal.web import absolute_url, limits_off, with_code

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
bp.after_request(with_code)  # a POST's answer holds a retrieval code; a key's own tickets their replies
FORMAT = "<any(json, xml):fmt>"
CHANGESET = "2026-12-02T00:00:00+08:00"  # when this service list's shape last changed
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


def _fmt() -> str:
    fmt = (request.view_args or {}).get("fmt")
    return fmt if fmt in ("json", "xml") else ("xml" if request.path.endswith(".xml") else "json")


@bp.errorhandler(DomainError)
def _refused(exc: DomainError):
    messages = [f"{name}：{m}" if name and name != "_body" else m for name, ms in exc.errors.items() for m in ms]
    return errors(_fmt(), exc.status, messages)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    code = exc.code or 500
    return errors(_fmt(), code, [MESSAGES.get(code, MESSAGES[400])[1]])


@bp.before_request
def _cap_body() -> None:
    """A form body too (no files here) may hold MAX_JSON_LENGTH bytes: 413 beyond."""
    request.max_content_length = current_app.config["MAX_JSON_LENGTH"]


def _body() -> dict:
    """The POST's fields: a form, or a JSON object."""
    if request.mimetype == "application/json":
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise Invalid("请求体应为 JSON 对象，或按规范使用表单编码。", "_body")
        return body
    return request.form.to_dict()


def _presented_key() -> str:
    value = request.args.get("api_key") or (_body().get("api_key") if request.method == "POST" else None)
    return value if isinstance(value, str) else ""


def _by_key() -> str:
    """Rate limits count per API key (its name), and per client address for callers without a key."""
    try:
        record = services.key_named_by(db.session, _presented_key())
    except DomainError:
        record = None
    return f"open311-key:{record.name}" if record is not None else f"open311-ip:{get_remote_address()}"


def _limit() -> str:
    return current_app.config["OPEN311_LIMIT"]


limited = limiter.limit(_limit, key_func=_by_key, exempt_when=limits_off)


def _caller() -> ApiKey | None:
    """The key a GET presents: none is fine (published tickets only), a wrong or revoked one is 403."""
    key = request.args.get("api_key")
    return services.authenticate(db.session, key) if key else None


@bp.get(f"/discovery.{FORMAT}")
@limited
def discovery(fmt: str):
    """Where the endpoint is and what it speaks."""
    body = {"changeset": CHANGESET, "contact": "会宁县营商环境办（县发改局）",
            "key_service": "API key 由县营商环境办发放（flask --app portal apikeys create）",
            "endpoints": [{"specification": SPECIFICATION, "url": absolute_url("open311.services_list", fmt="json")
                           .rsplit("/", 1)[0], "changeset": CHANGESET, "type": "production",
                           "formats": ["application/json", "text/xml"]}]}
    return respond(fmt, "discovery", None, body)


@bp.get(f"/services.{FORMAT}")
@limited
def services_list(fmt: str):
    """Every topic as a service."""
    return respond(fmt, "services", "service", [services.service(t) for t in catalog_queries.topics(db.session)])


@bp.get(f"/services/<code>.{FORMAT}")
@limited
def service_definition(code: str, fmt: str):
    """A topic's attributes: the portal's own filing fields."""
    return respond(fmt, "service_definition", None, services.definition(services.topic_for(db.session, code)))


@bp.get(f"/requests.{FORMAT}")
@limited
def requests_list(fmt: str):
    """Published tickets and the caller's own, newest first; never personal data."""
    key = _caller()
    found = services.find_requests(db.session, key, services.filters_from(request.args))
    return respond(fmt, "service_requests", "request", [services.request_record(t) for t in found])


@bp.post(f"/requests.{FORMAT}")
@limited
def request_create(fmt: str):
    """File a ticket with an API key: 201 with its number, the deadlines and its retrieval code."""
    body = _body()
    key = services.authenticate(db.session, body.get("api_key"))
    attributes = body.get("attribute") if isinstance(body.get("attribute"), dict) else {}
    attributes = {**{name[len("attribute["):-1]: value for name, value in body.items()
                     if name.startswith("attribute[") and name.endswith("]")}, **attributes}
    ticket, code = services.file_request(db.session, key, body, attributes)
    return respond(fmt, "service_requests", "request", [{
        "service_request_id": ticket.number, "service_notice": services.notice(ticket), "retrieval_code": code,
    }], 201)


@bp.get(f"/requests/<number>.{FORMAT}")
@limited
def request_show(number: str, fmt: str):
    """One ticket the caller may read (published, or filed with its key)."""
    key = _caller()
    return respond(fmt, "service_requests", "request", [services.request_record(
        services.request_by_number(db.session, number, key))])


@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
@limited
def unknown(rest: str):
    """Anything else under /open311/v2/: the spec's 404."""
    return errors(_fmt(), 404, ["没有这个接口。可用：discovery、services、services/<service_code>、requests、"
                                "requests/<service_request_id>，后缀 .json 或 .xml。"])
