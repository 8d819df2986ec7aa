"""Staff keep their bureau's guides, policies and answers current: drafts, preview, publish, revisions,
and the retirement of an answer.

Each view loads the document through the editing services (another bureau's document is a 404),
calls one service and redirects with a message; the boundary commits, and a refused edit comes
back as the form with the messages next to their fields."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.accounts.access import current_actor, roles_required
from portal.accounts.models import Role
from portal.catalog import queries
from portal.catalog.models import AnswerStatus, CaseType, Guide, Policy, PolicyStatus
from portal.clock import local
from portal.editing import services
from portal.editing.forms import (BLANK_FAQ_ROWS, BLANK_MATERIAL_ROWS, LABELS, blank_record, form_values,
                                  material_forms, read_form)
from portal.editing.services import KIND_LABELS, Document, EditingError
from portal.errors import DomainError, show_refusals_with
from portal.extensions import db
from portal.web import private

bp = Blueprint("editing", __name__, url_prefix="/staff/content")
bp.after_request(private)  # drafts not yet public

EDITOR_ROLES = (Role.STAFF, Role.BUREAU_ADMIN, Role.ADMIN)
SECTIONS = {"guides": "guide", "policies": "policy", "answers": "answer"}
TEMPLATES = {"guide": "editing/guide_form.html", "policy": "editing/policy_form.html", "answer": "editing/answer_form.html"}
SECTION_OF = {kind: section for section, kind in SECTIONS.items()}
ACTIONS = {"preview", "draft", "publish"}


def _document(kind: str, slug: str) -> Document:
    """The document if this account may edit it; any other, or none, is a 404 alike."""
    return services.find_document(db.session, current_actor(), kind, slug)


def _own_bureau_code() -> str | None:
    """The bureau a staff member or bureau admin edits for; None for the admin, who chooses."""
    if current_user.role is Role.ADMIN:
        return None
    if current_user.bureau is None:
        abort(403)
    return current_user.bureau.code


@bp.get("/")
@roles_required(*EDITOR_ROLES)
def index():
    """The bureau's guides and policies with their last change, pending drafts and catch-all warnings."""
    _own_bureau_code()
    bureau = None
    if current_user.role is Role.ADMIN:
        bureau = queries.bureau_by_code(db.session, request.args.get("bureau", "")[:40])
    found = services.documents(db.session, current_actor(), bureau)
    return render_template(
        "editing/content_list.html",
        guides=[d for d in found if d.kind == "guide"],
        policies=[d for d in found if d.kind == "policy"],
        answers=[d for d in found if d.kind == "answer"],
        bureau=bureau,
        bureaus=services.editable_bureaus(db.session, current_actor()),
        part_requests=services.part_requests(db.session, current_actor()),
    )


def _form_page(kind: str, document: Document | None, values: dict, errors: dict, status: int = 200,
               preview: bool = False, source=None):
    """The edit form of a guide or policy, as typed, with its errors and, when asked, the preview."""
    session = db.session
    parents = []
    if kind == "policy":
        parents = list(session.scalars(select(Policy).where(Policy.part_of_id.is_(None)).order_by(Policy.id)))
    return render_template(
        TEMPLATES[kind],
        kind=kind,
        section=SECTION_OF[kind],
        kind_label=KIND_LABELS[kind],
        item=document,
        values=values,
        errors=errors,
        labels=LABELS[kind],
        preview=preview,
        catch_all=services.catch_all_items(values) if kind == "guide" else [],
        source=source,
        topics=queries.topics(session),
        bureaus=services.editable_bureaus(session, current_actor()),
        all_bureaus=queries.bureaus(session),
        case_types=list(CaseType),
        statuses=list(PolicyStatus),
        material_forms=material_forms(),
        parents=[p for p in parents if document is None or p.slug != document.slug],
        blank_material_rows=BLANK_MATERIAL_ROWS,
        blank_faq_rows=BLANK_FAQ_ROWS,
        all_guides=list(session.scalars(select(Guide).order_by(Guide.title))) if kind == "answer" else [],
        all_policies=list(session.scalars(select(Policy).where(Policy.status != PolicyStatus.DRAFT)
                                          .order_by(Policy.title))) if kind == "answer" else [],
    ), status


@bp.route("/<any(guides, policies, answers):section>/new", methods=["GET", "POST"])
@roles_required(*EDITOR_ROLES)
def new(section: str):
    """A new guide or policy: it exists only as a draft revision until it is published."""
    kind = SECTIONS[section]
    own = _own_bureau_code()
    if request.method == "GET":
        default = own or request.args.get("bureau", "")[:40]
        return _form_page(kind, None, form_values(kind, blank_record(kind, default)), {})
    return _submit(kind, None)


@bp.route("/<any(guides, policies, answers):section>/<slug>/edit", methods=["GET", "POST"])
@roles_required(*EDITOR_ROLES)
def edit(section: str, slug: str):
    """Edit a guide or policy, starting from what the public sees, or from a revision (?from=id)."""
    kind = SECTIONS[section]
    document = _document(kind, slug)
    if request.method == "POST":
        return _submit(kind, document)
    source = None
    if request.args.get("from", "").isdecimal() and len(request.args["from"]) < 10:
        source = next((r for r in document.revisions if r.id == int(request.args["from"])), None) or abort(404)
    record = dict(source.record) if source is not None else document.record
    return _form_page(kind, document, form_values(kind, record), {}, source=source)


def _submit(kind: str, document: Document | None):
    """Preview (writes nothing), save a draft, or save and publish; bad input gets the form back with 400."""
    action = request.form.get("action", "")
    if action not in ACTIONS:
        abort(400)
    # Staff write for their own bureau, whatever was posted; an existing document keeps its slug.
    values, record, errors = read_form(kind, request.form, document.slug if document else None, _own_bureau_code())
    note = values["note"]

    def refused(exc: DomainError):
        shown = dict(errors)
        for name, messages in exc.errors.items():
            shown.setdefault(name, messages)
        return _form_page(kind, document, values, shown, exc.status if shown else 200, preview=action == "preview")

    show_refusals_with(refused)
    actor = current_actor()
    if errors or action == "preview":
        services.check(db.session, actor, kind, record, document, note)  # every message at once
        if errors:
            raise EditingError(errors)
        return _form_page(kind, document, values, {}, preview=True)
    try:
        if action == "draft":
            revision = services.save_draft(db.session, actor, kind, record, note, document)
        else:
            revision = services.publish(db.session, actor, kind, record, note, document)
        db.session.flush()
    except IntegrityError:  # a new slug published by someone else at the same moment
        raise EditingError({"": [f"标识 {record.get('slug')} 刚被其他人使用，请换一个标识后重试"]}) from None
    if action == "draft":
        flash(f"已保存草稿（修订 #{revision.id}），公开页面尚未改变；发布后才会生效。", "success")
    else:
        flash(f"已发布（修订 #{revision.id}），公开页面已更新，站内检索稍后同步。", "success")
    return redirect(url_for("editing.history", section=SECTION_OF[kind], slug=revision.slug), code=303)


@bp.get("/<any(guides, policies, answers):section>/<slug>/revisions")
@roles_required(*EDITOR_ROLES)
def history(section: str, slug: str):
    """Every revision of the document: who, when, what changed, published or draft."""
    kind = SECTIONS[section]
    return render_template("editing/revision_list.html", item=_document(kind, slug), section=section,
                           kind_label=KIND_LABELS[kind])


def _revision_page(document: Document, revision, errors: dict | None = None, status: int = 200):
    current = document.record if document.row is not None else None
    changed = [name for name, label in LABELS[document.kind].items()
               if current is not None and name != "updated_on" and revision.record.get(name) != current.get(name)]
    return render_template(
        "editing/revision_show.html",
        item=document,
        revision=revision,
        section=SECTION_OF[document.kind],
        kind_label=KIND_LABELS[document.kind],
        labels=LABELS[document.kind],
        record=revision.record,
        changed=changed,
        catch_all=services.catch_all_items(revision.record) if document.kind == "guide" else [],
        newer_publication=_newer_publication(document, revision),
        errors=errors or {},
        topic_names={t.code: t.name for t in queries.topics(db.session)},
        bureau_names={b.code: b.name for b in queries.bureaus(db.session)},
        case_type_labels={c.value: c.label for c in CaseType},
        status_labels={s.value: s.label for s in (AnswerStatus if document.kind == "answer" else PolicyStatus)},
    ), status


def _newer_publication(document: Document, revision):
    """A publication after this draft was saved: publishing the draft would undo its changes."""
    if revision.published_at is not None:
        return None
    later = [r for r in document.revisions if r.published_at is not None and r.id != revision.id
             and local(r.published_at) > local(revision.created_at)]
    return max(later, key=lambda r: local(r.published_at)) if later else None


@bp.get("/<any(guides, policies, answers):section>/<slug>/revisions/<int:revision_id>")
@roles_required(*EDITOR_ROLES)
def revision(section: str, slug: str, revision_id: int):
    """One revision as it would be (or was) published, and what it changes."""
    document, found = services.find_revision(db.session, current_actor(), SECTIONS[section], slug, revision_id)
    return _revision_page(document, found)


@bp.post("/<any(guides, policies, answers):section>/<slug>/revisions/<int:revision_id>/publish")
@roles_required(*EDITOR_ROLES)
def publish(section: str, slug: str, revision_id: int):
    """Publish a draft revision."""
    kind = SECTIONS[section]
    actor = current_actor()
    document, found = services.find_revision(db.session, actor, kind, slug, revision_id)

    def refused(exc: DomainError):
        again, revision = services.find_revision(db.session, actor, kind, slug, revision_id)
        return _revision_page(again, revision, exc.errors, exc.status)

    show_refusals_with(refused)
    try:
        services.publish_revision(db.session, actor, found)
        db.session.flush()
    except IntegrityError:
        raise EditingError({"": ["该标识刚被其他人使用，请刷新后重试"]}) from None
    flash(f"已发布修订 #{found.id}，公开页面已更新，站内检索稍后同步。", "success")
    return redirect(url_for("editing.history", section=section, slug=found.slug), code=303)


@bp.post("/policies/<slug>/revisions/<int:revision_id>/approve-part")
@roles_required(Role.STAFF, Role.BUREAU_ADMIN)
def approve_part(slug: str, revision_id: int):
    """The bureau whose document another bureau's draft would join agrees; that bureau then publishes."""
    revision = services.approve_part(db.session, current_actor(), revision_id)
    flash(f"已同意将《{revision.title}》列为本部门文件的措施；{revision.bureau.name}发布后生效。", "success")
    return redirect(url_for("editing.index"), code=303)


@bp.post("/answers/<slug>/retire")
@roles_required(*EDITOR_ROLES)
def retire(slug: str):
    """Withdraw a published answer from the public and from search (its history stays)."""
    actor = current_actor()
    document = _document("answer", slug)
    revision = services.retire(db.session, actor, document, request.form.get("note", "")[:200])
    flash(f"已撤下（修订 #{revision.id}），公开页面不再显示，站内检索稍后同步；发布任一修订可重新公开。", "success")
    return redirect(url_for("editing.history", section="answers", slug=slug), code=303)
