"""The domain's errors, one hierarchy, and every error turned into a Chinese page, JSON under /api/,
or the form it came from.

Services raise a `DomainError` (a message, the HTTP status it means and, where one input is at
fault, the field); the request boundary has already rolled the transaction back when the handler
here runs. A view that wants its form back with the message next to the field says so with
`show_refusals_with(render)` before it calls the service.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from redis.exceptions import RedisError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A request the portal's rules refuse; the message is shown to whoever asked."""

    status = 400
    title = "操作未完成"

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field

    @property
    def errors(self) -> dict[str, list[str]]:
        """Messages by field ("" for the request as a whole), the one shape every form shows."""
        return {self.field: [self.message]}


class Invalid(DomainError):
    """The asker's input is wrong or missing (400)."""


class Refused(DomainError):
    """The rules do not allow this now, whatever the input (409)."""

    status = 409


class NotFound(DomainError):
    """No such thing, or one this asker may not know of (404 alike)."""

    status = 404
    title = "页面不存在"


class Forbidden(DomainError):
    """The asker's role may not do this (403)."""

    status = 403
    title = "无权访问"


class Unavailable(DomainError):
    """A part the request needs is not ready (503); the message says what to do meanwhile."""

    status = 503
    title = "服务暂不可用"


class InvalidFields(Invalid):
    """Several fields are wrong at once (a content record, a form): messages by field."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("；".join(m for messages in errors.values() for m in messages),
                         next(iter(errors), ""))
        self._errors = errors

    @property
    def errors(self) -> dict[str, list[str]]:
        return self._errors


MESSAGES = {
    400: ("请求有误", "您提交的内容格式不正确，请检查后重试。"),
    403: ("无权访问", "您没有访问此页面的权限。"),
    404: ("页面不存在", "您要找的页面不存在，可能已被移除或地址有误。"),
    405: ("请求方式不允许", "此页面不支持这种请求方式。"),
    409: ("操作未完成", "该工单刚被其他操作更新，请刷新页面查看最新状态后再试。"),
    413: ("文件过大", "上传的内容超过了允许的大小。"),
    429: ("操作过于频繁", "您的操作过于频繁，请稍后再试。"),
    500: ("系统繁忙", "服务器暂时出现问题，我们已记录此错误，请稍后再试。"),
    503: ("服务暂不可用", "服务暂时不可用，请稍后再试。"),
}

_REFUSAL_FORM = "refusal_form"


def show_refusals_with(render: Callable[[DomainError], object]) -> None:
    """This request's form is shown again, by `render`, when a service refuses it (after rollback)."""
    setattr(g, _REFUSAL_FORM, render)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _respond(code: int, title: str | None = None, message: str | None = None):
    default_title, default_message = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    title, message = title or default_title, message or default_message
    if wants_json():
        return jsonify({"error": title, "message": message}), code
    template = "errors/404.html" if code == 404 else "errors/error.html"
    return render_template(template, code=code, title=title, message=message), code


def register_error_handlers(app: Flask) -> None:
    """Every error a reader can meet gets a page in Chinese (or JSON), never a stack trace."""

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        render = g.pop(_REFUSAL_FORM, None)
        if exc.status >= 500:
            app.logger.warning("%s on %s: %s", type(exc).__name__, request.path, exc.message)
        if render is not None and exc.status < 500:
            return render(exc)
        if wants_json():
            body = {"error": exc.title, "message": exc.message}
            if exc.field:
                body["errors"] = exc.errors
            return jsonify(body), exc.status
        return _respond(exc.status, exc.title, exc.message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return _respond(exc.code or 500)

    @app.errorhandler(StaleDataError)
    def changed_meanwhile(exc: StaleDataError):
        return _respond(409)

    @app.errorhandler(OperationalError)
    def database_busy(exc: OperationalError):
        if "database is locked" not in str(exc.orig):  # SQLite's one writer was busy for too long
            return unexpected_error(exc)
        app.logger.warning("database locked on %s %s; answered 503", request.method, request.path)
        response, code = _respond(503, "服务繁忙", "系统正忙于写入数据，请稍等几秒后重新提交；您填写的内容未被保存。")
        response = app.make_response((response, code))
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(RedisError)
    def counting_store_down(exc: RedisError):
        """The shared store of rate limits (Redis) cannot be reached: the pages that count answer 503,
        as for a busy database, rather than serve without their limits."""
        app.logger.error("rate limit store unreachable on %s %s: %s", request.method, request.path, exc)
        response = app.make_response(domain_error(Unavailable(
            "系统的访问计数服务暂时无法连接，请稍后再试；您填写的内容未被保存。")))
        response.headers["Retry-After"] = "30"
        return response

    @app.errorhandler(CSRFError)
    def form_expired(exc: CSRFError):
        return _respond(400, "页面已过期", "表单缺少或带有失效的安全校验码。请返回上一页，刷新后重新提交。")

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _respond(500)
