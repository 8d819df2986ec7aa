"""Subscribing by e-mail without an account: choose, confirm by a signed link, unsubscribe in one click."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from portal import site
from portal.catalog import queries
from portal.errors import show_refusals_with
from portal.extensions import csrf, db, limiter
from portal.subscriptions import forms, services
from portal.text import is_key
from portal.web import limits_off

bp = Blueprint("subscriptions", __name__, url_prefix="/subscribe")
site.column("subscriptions", "政策订阅", "互动交流")
site.column("subscriptions.sent", "政策订阅", "互动交流", public=False)  # after the form: check your mail

SUBSCRIBE_LIMIT = "3 per minute;20 per day"


def _form(values: dict, errors: dict | None = None, status: int = 200):
    session = db.session
    page = render_template("subscriptions/subscription_new.html", values=values, errors=errors or {},
                           topics=queries.topics(session), bureaus=queries.bureaus(session),
                           beneficiaries=services.beneficiary_choices(session))
    return page, status


def _codes(name: str) -> list[str]:
    return [v for v in request.args.getlist(name) if is_key(v)][:20]


@bp.route("", methods=["GET", "POST"])
@limiter.limit(SUBSCRIBE_LIMIT, methods=["POST"], exempt_when=limits_off)
def new():
    """The subscription form; on success a confirm link is mailed and the same page shown to everyone."""
    if request.method == "GET":  # ?topic=, ?bureau=, ?beneficiary= tick boxes in advance (from a policy page)
        return _form({"email": "", "consent": False, "topics": _codes("topic"), "bureaus": _codes("bureau"),
                      "beneficiaries": request.args.getlist("beneficiary")[:20]})
    choice, errors = forms.validate(db.session, request.form)
    if errors:
        return _form(forms.form_values(request.form), errors, 400)
    services.subscribe(db.session, choice)
    return redirect(url_for("subscriptions.sent"), code=303)


@bp.get("/sent")
def sent():
    """Tells that a confirmation mail is on its way, without saying whether the address was known."""
    return render_template("subscriptions/subscription_sent.html")


def _refused(exc):
    return render_template("subscriptions/link_refused.html", message=exc.message), 400


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """The double opt-in link. Opening it shows what would be confirmed and a button; only the button's
    POST confirms, so a mail scanner that follows links confirms nothing. Confirms once; a second
    confirmation shows the same result and changes nothing."""
    show_refusals_with(_refused)
    subscriber = services.subscriber_to_confirm(db.session, token)
    if subscriber is None:
        raise services.LinkRefused("此订阅已不存在。如需接收推送，请重新提交订阅。")
    if request.method == "GET":
        state = services.confirm_state(subscriber)
    else:
        state = services.confirm(db.session, subscriber)
    return render_template("subscriptions/subscription_confirm.html", state=state, asking=request.method == "GET",
                           email=services.masked(subscriber.email),
                           choice=services.describe_choice(db.session, subscriber),
                           unsubscribe_url=url_for("subscriptions.unsubscribe",
                                                   token=services.unsubscribe_token(subscriber)))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: a mail client POSTs "List-Unsubscribe=One-Click" with no form; the signed token is the key
def unsubscribe(token: str):
    """Opening the link shows a button; its POST (or a mail client's one-click POST) ends the
    subscription at once, and no further mail is sent. Idempotent."""
    show_refusals_with(_refused)
    subscriber = services.subscriber_to_unsubscribe(db.session, token)
    email = services.masked(subscriber.email) if subscriber is not None else ""
    if request.method == "GET":
        ended = subscriber is None or subscriber.unsubscribed_at is not None
        return render_template("subscriptions/subscription_unsubscribe.html", email=email, asking=not ended)
    if subscriber is not None:
        services.unsubscribe(db.session, subscriber)
    return render_template("subscriptions/subscription_unsubscribe.html", email=email, asking=False)
