"""Comments on draft policies: the public form on the policy page, and moderation, decisions and the
adoption report for the contact bureau's staff."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select

from portal.accounts.access import BUREAU_ROLES, audit, roles_required
from portal.catalog import queries
from portal.catalog.models import Policy, PolicyStatus
from portal.clock import now, today
from portal.consultations import services
from portal.consultations.models import Comment, Decision, Visibility
from portal.consultations.services import ConsultationError
from portal.extensions import db, limiter
from portal.tickets.views import limits_off

bp = Blueprint("consultations", __name__)

COMMENT_LIMIT = "5 per minute;20 per day"


def public_context(policy: Policy) -> dict:
    """What the policy page shows of its consultation."""
    report = services.adoption_report(policy)
    shown = services.comments(db.session, policy, public_only=True)
    every = services.comments(db.session, policy) if report else []
    parent = policy.part_of
    return {
        "via": parent if parent is not None and services.phase(parent, now()) == "open" else None,
        "phase": services.phase(policy, now()), "contact": services.contact_bureau(policy),
        "articles": services.articles(policy), "published_comments": shown, "report": report,
        "decided": [c for c in every if c.decision is not None and c.visibility is not Visibility.HIDDEN],
        "received": len(every) if report else None, "mask": services.mask_company, "decisions": list(Decision),
    }


@bp.post("/policies/<slug>/comments")
@limiter.limit(COMMENT_LIMIT, exempt_when=limits_off)
def comment(slug: str):
    """A business comments on a draft while the consultation is open."""
    policy = queries.public_policy_by_slug(db.session, slug) or abort(404)
    data, errors = services.validate(policy, request.form)
    refused = None
    if data is not None:
        try:
            services.submit(db.session, policy, data)
        except ConsultationError as exc:
            refused = exc.message
    if errors or refused:
        db.session.rollback()
        return render_template("catalog/policy_show.html", policy=policy, day=today(), consultation=public_context(policy),
                               comment_errors=errors, comment_refused=refused, values=request.form), 400
    db.session.commit()
    flash("意见已提交，感谢您的参与。意见征集结束后，本页将公布意见采纳情况。", "success")
    return redirect(url_for("catalog.policy_show", slug=policy.slug, _anchor="consultation"), code=303)


def _own_policies():
    bureau_id = current_user.bureau_id
    return list(db.session.scalars(select(Policy).where(
        Policy.consultation_opens_at.is_not(None) | (Policy.status == PolicyStatus.CONSULTATION),
        or_(Policy.consultation_bureau_id == bureau_id,
            (Policy.consultation_bureau_id.is_(None)) & (Policy.bureau_id == bureau_id)))
        .order_by(Policy.published_on.desc(), Policy.id)))


@bp.get("/staff/consultations")
@roles_required(*BUREAU_ROLES)
def staff_list():
    """The consultations this bureau answers, with counts of comments to look at."""
    rows = []
    for policy in _own_policies():
        items = services.comments(db.session, policy)
        rows.append((policy, services.phase(policy, now()), len(items),
                     sum(c.visibility is Visibility.PENDING for c in items),
                     sum(c.decision is None and c.visibility is not Visibility.HIDDEN for c in items),
                     services.adoption_report(policy)))
    return render_template("consultations/list.html", rows=[r for r in rows if r[1] != "none" or r[2]])


def _own_policy(slug: str) -> Policy:
    policy = queries.public_policy_by_slug(db.session, slug)
    if policy is None or services.contact_bureau(policy).id != current_user.bureau_id:
        abort(404)
    return policy


def _staff_page(policy: Policy, error: str | None = None, status: int = 200):
    return render_template("consultations/manage.html", policy=policy, phase=services.phase(policy, now()),
                           comments=services.comments(db.session, policy), decisions=list(Decision),
                           report=services.adoption_report(policy), error=error), status


@bp.get("/staff/consultations/<slug>")
@roles_required(*BUREAU_ROLES)
def manage(slug: str):
    """Every comment with the commenter's contact, its moderation and decision; the report."""
    return _staff_page(_own_policy(slug))


def _comment(policy: Policy, comment_id: int) -> Comment:
    item = db.session.get(Comment, comment_id)
    if item is None or item.policy_id != policy.id:
        abort(404)
    return item


@bp.post("/staff/consultations/<slug>/comments/<int:comment_id>/<any(moderate, decide):action>")
@roles_required(*BUREAU_ROLES)
def comment_action(slug: str, comment_id: int, action: str):
    """moderate (visibility published|hidden, reason) or decide (decision, reason)."""
    policy = _own_policy(slug)
    item = _comment(policy, comment_id)
    try:
        if action == "moderate":
            visibility = next((v for v in Visibility if v.value == request.form.get("visibility")), Visibility.PENDING)
            services.moderate(item, visibility, request.form.get("reason", ""), current_user.display_name)
            message = f"第 {item.id} 条意见已设为{visibility.label}。"
        else:
            decision = next((d for d in Decision if d.value == request.form.get("decision")), None)
            if decision is None:
                raise ConsultationError("请选择采纳、部分采纳或不采纳。")
            services.decide(item, decision, request.form.get("reason", ""), current_user.display_name)
            message = f"第 {item.id} 条意见：{decision.label}。"
    except ConsultationError as exc:
        db.session.rollback()
        return _staff_page(policy, exc.message, 400)
    audit(f"comment_{action}", target=f"{policy.slug}#{item.id}",
          detail=f"{request.form.get('visibility') or request.form.get('decision', '')} {request.form.get('reason', '')}"[:500])
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("consultations.manage", slug=policy.slug, _anchor=f"comment-{item.id}"), code=303)


@bp.post("/staff/consultations/<slug>/report")
@roles_required(*BUREAU_ROLES)
def report(slug: str):
    """Publish the adoption report on the policy's page."""
    policy = _own_policy(slug)
    try:
        services.publish_report(db.session, policy, request.form.get("summary", ""), current_user.display_name)
    except ConsultationError as exc:
        db.session.rollback()
        return _staff_page(policy, exc.message, 400)
    audit("adoption_report", target=policy.slug)
    db.session.commit()
    flash("意见采纳情况说明已在政策页面公布。", "success")
    return redirect(url_for("consultations.manage", slug=policy.slug), code=303)
