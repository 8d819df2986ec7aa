"""Comments on draft policies: the consultation section of the policy page and its comment form, and
moderation, decisions and the adoption report for the contact bureau's staff."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import or_, select

from portal import site
from portal.accounts.access import BUREAU_ROLES, current_actor, roles_required
from portal.catalog import queries
from portal.catalog.models import Policy, PolicyStatus
from portal.catalog.views import POLICY_SECTIONS, PageSection, render_policy
from portal.clock import now
from portal.consultations import services
from portal.consultations.models import Comment, Decision, Visibility
from portal.errors import show_refusals_with
from portal.extensions import db, limiter
from portal.web import limits_off

bp = Blueprint("consultations", __name__)
site.column("consultations", "征求意见", "互动交流", public=False)  # its pages are the staff's; the form is on the policy page

COMMENT_LIMIT = "5 per minute;20 per day"


def policy_section(policy: Policy, comment_errors: dict | None = None, comment_refused: str | None = None,
                   values=None, **_extras) -> PageSection:
    """What the policy page shows of its consultation: the window, the form, published comments, the report."""
    report = services.adoption_report(policy)
    shown = services.comments(db.session, policy, public_only=True)
    every = services.comments(db.session, policy) if report else []
    parent = policy.part_of
    return PageSection("consultations/_policy_section.html", {
        "via": parent if parent is not None and services.phase(parent, now()) == "open" else None,
        "phase": services.phase(policy, now()), "contact": services.contact_bureau(policy),
        "articles": services.articles(policy), "published_comments": shown, "report": report,
        "decided": [c for c in every if c.decision is not None and c.visibility is not Visibility.HIDDEN],
        "received": len(every) if report else None, "mask": services.mask_company, "decisions": list(Decision),
        "errors": comment_errors or {}, "refused": comment_refused, "values": values or {},
    })


POLICY_SECTIONS.append(policy_section)


@bp.post("/policies/<slug>/comments")
@limiter.limit(COMMENT_LIMIT, exempt_when=limits_off)
def comment(slug: str):
    """A business comments on a draft while the consultation is open."""
    policy = queries.public_policy_by_slug(db.session, slug) or abort(404)
    data, errors = services.validate(policy, request.form)
    if errors:
        return render_policy(policy, 400, comment_errors=errors, values=request.form)
    show_refusals_with(lambda exc: render_policy(policy, 400, comment_refused=exc.message, values=request.form))
    services.submit(db.session, policy, data)
    # Shown beside the form, where the browser lands (#comment-sent), not at the top of a long page.
    flash("意见已提交，感谢您的参与。意见征集结束后，本页将公布意见采纳情况。", "placed-comment")
    return redirect(url_for("catalog.policy_show", slug=policy.slug, _anchor="comment-sent"), code=303)


def _own_policies():
    bureau_id = current_actor().bureau_id
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
    policy = queries.public_policy_by_slug(db.session, slug) or abort(404)
    services.answering(current_actor(), policy)
    return policy


def _staff_page(policy: Policy, error: str | None = None, status: int = 200):
    return render_template("consultations/manage.html", policy=policy, phase=services.phase(policy, now()),
                           comments=services.comments(db.session, policy), decisions=list(Decision),
                           report=services.adoption_report(policy), error=error), status


def _refused_on_staff_page(policy: Policy) -> None:
    show_refusals_with(lambda exc: _staff_page(policy, exc.message, exc.status))


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
    _refused_on_staff_page(policy)
    reason = request.form.get("reason", "")
    if action == "moderate":
        visibility = next((v for v in Visibility if v.value == request.form.get("visibility")), Visibility.PENDING)
        services.moderate(db.session, current_actor(), item, visibility, reason)
        message = f"第 {item.id} 条意见已设为{visibility.label}。"
    else:
        decision = next((d for d in Decision if d.value == request.form.get("decision")), None)
        services.decide(db.session, current_actor(), item, decision, reason)
        message = f"第 {item.id} 条意见：{decision.label}。"
    flash(message, "success")
    return redirect(url_for("consultations.manage", slug=policy.slug, _anchor=f"comment-{item.id}"), code=303)


@bp.post("/staff/consultations/<slug>/report")
@roles_required(*BUREAU_ROLES)
def report(slug: str):
    """Publish the adoption report on the policy's page."""
    policy = _own_policy(slug)
    _refused_on_staff_page(policy)
    services.publish_report(db.session, current_actor(), policy, request.form.get("summary", ""))
    flash("意见采纳情况说明已在政策页面公布。", "success")
    return redirect(url_for("consultations.manage", slug=policy.slug), code=303)

