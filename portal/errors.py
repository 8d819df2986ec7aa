"""Domain errors and HTTP errors turned into Chinese pages (or JSON under /api/)."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from sqlalchemy.orm.exc import StaleDataError

from portal.extensions import db
from portal.search.index import IndexMissing
from portal.tickets.services import TicketError

MESSAGES = {
    400: ("请求有误", "您提交的内容格式不正确，请检查后重试。"),
    403: ("无权访问", "您没有访问此页面的权限。"),
    404: ("页面不存在", "您要找的页面不存在，可能已被移除或地址有误。"),
    405: ("请求方式不允许", "此页面不支持这种请求方式。"),
    409: ("操作未完成", "该工单刚被其他操作更新，请刷新页面查看最新状态后再试。"),
    413: ("文件过大", "上传的内容超过了允许的大小。"),
    429: ("操作过于频繁", "您的操作过于频繁，请稍后再试。"),
    500: ("系统繁忙", "服务器暂时出现问题，我们已记录此错误，请稍后再试。"),
    503: ("服务暂不可用", "检索索引正在建立，请稍后再试；也可以按领域和部门浏览办事指南。"),
}


def _respond(code: int):
    title, message = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    if request.path.startswith("/api/"):
        return jsonify({"error": title, "message": message}), code
    template = "errors/404.html" if code == 404 else "errors/error.html"
    return render_template(template, code=code, title=title, message=message), code


def register_error_handlers(app: Flask) -> None:
    """Every error a reader can meet gets a page in Chinese, never a stack trace."""

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return _respond(exc.code or 500)

    @app.errorhandler(StaleDataError)
    def changed_meanwhile(exc: StaleDataError):
        db.session.rollback()
        return _respond(409)

    @app.errorhandler(TicketError)
    def ticket_refused(exc: TicketError):
        db.session.rollback()
        if request.path.startswith("/api/"):
            return jsonify({"error": "操作未完成", "message": exc.message}), exc.status
        return render_template("errors/error.html", code=exc.status, title="操作未完成", message=exc.message), exc.status

    @app.errorhandler(CSRFError)
    def form_expired(exc: CSRFError):
        db.session.rollback()
        return render_template("errors/error.html", code=400, title="页面已过期",
                               message="表单缺少或带有失效的安全校验码。请返回上一页，刷新后重新提交。"), 400

    @app.errorhandler(IndexMissing)
    def index_missing(exc: IndexMissing):
        app.logger.warning("no search index at %s: run `flask --app portal search reindex`", exc)
        return _respond(503)

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _respond(500)
