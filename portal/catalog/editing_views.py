"""Staff keep their bureau's guides and policies current: drafts, preview, publish, revisions.

Each view loads the item through the editing service (another bureau's item is a 404), calls one
service, records the audit line, commits once and redirects with a message."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.accounts.access import audit, roles_required
from portal.accounts.models import Role
from portal.catalog import editing, queries
from portal.catalog.editing import EDITOR_ROLES, KIND_LABELS, EditingError, Item, NotEditable
from portal.catalog.editing_forms import (BLANK_FAQ_ROWS, BLANK_MATERIAL_ROWS, LABELS, blank_record, form_values,
                                          material_forms, read_form)
from portal.catalog.models import CaseType, Policy, PolicyStatus
from portal.clock import local
from portal.extensions import db

bp = Blueprint("editing", __name__, url_prefix="/staff/content")

SECTIONS = {"guides": "guide", "policies": "policy"}
SECTION_OF = {kind: section for section, kind in SECTIONS.items()}
ACTIONS = {"preview", "draft", "publish"}


def _kind(section: str) -> str:
    return SECTIONS[section]


def _item(kind: str, slug: str) -> Item:
    """The item if this account may edit it; any other, or none, is a 404 alike."""
    try:
        return editing.find_item(db.session, current_user, kind, slug)
    except NotEditable:
        abort(404)


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
    found = editing.items(db.session, current_user, bureau)
    return render_template(
        "catalog/edit/content_list.html",
        guides=[i for i in found if i.kind == "guide"],
        policies=[i for i in found if i.kind == "policy"],
        bureau=bureau,
        bureaus=editing.editable_bureaus(db.session, current_user),
    )


def _form_page(kind: str, item: Item | None, values: dict, errors: dict, status: int = 200,
               preview: bool = False, source=None):
    """The edit form of a guide or policy, as typed, with its errors and, when asked, the preview."""
    session = db.session
    parents = []
    if kind == "policy":
        parents = list(session.scalars(select(Policy).where(Policy.part_of_id.is_(None)).order_by(Policy.id)))
    template = "catalog/edit/guide_form.html" if kind == "guide" else "catalog/edit/policy_form.html"
    return render_template(
        template,
        kind=kind,
        section=SECTION_OF[kind],
        kind_label=KIND_LABELS[kind],
        item=item,
        values=values,
        errors=errors,
        labels=LABELS[kind],
        preview=preview,
        catch_all=editing.catch_all_items(values) if kind == "guide" else [],
        source=source,
        topics=queries.topics(session),
        bureaus=editing.editable_bureaus(session, current_user),
        all_bureaus=queries.bureaus(session),
        case_types=list(CaseType),
        statuses=list(PolicyStatus),
        material_forms=material_forms(),
        parents=[p for p in parents if item is None or p.slug != item.slug],
        blank_material_rows=BLANK_MATERIAL_ROWS,
        blank_faq_rows=BLANK_FAQ_ROWS,
    ), status


@bp.route("/<any(guides, policies):section>/new", methods=["GET", "POST"])
@roles_required(*EDITOR_ROLES)
def new(section: str):
    """A new guide or policy: it exists only as a draft revision until it is published."""
    kind = _kind(section)
    own = _own_bureau_code()
    if request.method == "GET":
        default = own or request.args.get("bureau", "")[:40]
        return _form_page(kind, None, form_values(kind, blank_record(kind, default)), {})
    return _submit(kind, None)


@bp.route("/<any(guides, policies):section>/<slug>/edit", methods=["GET", "POST"])
@roles_required(*EDITOR_ROLES)
def edit(section: str, slug: str):
    """Edit a guide or policy, starting from what the public sees, or from a revision (?from=id)."""
    kind = _kind(section)
    item = _item(kind, slug)
    if request.method == "POST":
        return _submit(kind, item)
    source = None
    if request.args.get("from", "").isdecimal() and len(request.args["from"]) < 10:
        source = next((r for r in item.revisions if r.id == int(request.args["from"])), None) or abort(404)
    record = dict(source.record) if source is not None else item.record
    return _form_page(kind, item, form_values(kind, record), {}, source=source)


def _submit(kind: str, item: Item | None):
    """Preview (writes nothing), save a draft, or save and publish; bad input gets the form back with 400."""
    action = request.form.get("action", "")
    if action not in ACTIONS:
        abort(400)
    session = db.session
    # Staff write for their own bureau, whatever was posted; an existing item keeps its slug.
    values, record, errors = read_form(kind, request.form, item.slug if item else None, _own_bureau_code())
    note = values["note"]
    revision = None
    try:
        if errors or action == "preview":
            editing.check(session, current_user, kind, record, item, note)  # every message at once
        elif action == "draft":
            revision = editing.save_draft(session, current_user, kind, record, note, item)
        else:
            revision = editing.publish(session, current_user, kind, record, note, item)
    except EditingError as exc:
        for name, messages in exc.errors.items():
            errors.setdefault(name, messages)
    except IntegrityError:  # a new slug published by someone else at the same moment
        session.rollback()
        errors[""] = [f"标识 {record.get('slug')} 刚被其他人使用，请换一个标识后重试"]
    except NotEditable:  # the item moved to another bureau meanwhile
        session.rollback()
        abort(404)
    if revision is None:
        session.rollback()
        return _form_page(kind, item, values, errors, 400 if errors else 200, preview=action == "preview")
    audit(f"{kind}_{action}", target=revision.slug, detail=_detail(revision))
    session.commit()
    if action == "draft":
        flash(f"已保存草稿（修订 #{revision.id}），公开页面尚未改变；发布后才会生效。", "success")
    else:
        flash(f"已发布（修订 #{revision.id}），公开页面已更新，站内检索稍后同步。", "success")
    return redirect(url_for("editing.history", section=SECTION_OF[kind], slug=revision.slug), code=303)


def _detail(revision) -> str:
    return f"修订 #{revision.id}" + (f"：{revision.note}" if revision.note else "")


@bp.get("/<any(guides, policies):section>/<slug>/revisions")
@roles_required(*EDITOR_ROLES)
def history(section: str, slug: str):
    """Every revision of the item: who, when, what changed, published or draft."""
    kind = _kind(section)
    item = _item(kind, slug)
    return render_template("catalog/edit/revision_list.html", item=item, section=section,
                           kind_label=KIND_LABELS[kind])


def _revision_page(item: Item, revision, errors: dict | None = None, status: int = 200):
    current = item.record if item.row is not None else None
    changed = [name for name, label in LABELS[item.kind].items()
               if current is not None and name != "updated_on" and revision.record.get(name) != current.get(name)]
    return render_template(
        "catalog/edit/revision_show.html",
        item=item,
        revision=revision,
        section=SECTION_OF[item.kind],
        kind_label=KIND_LABELS[item.kind],
        labels=LABELS[item.kind],
        record=revision.record,
        changed=changed,
        catch_all=editing.catch_all_items(revision.record) if item.kind == "guide" else [],
        newer_publication=_newer_publication(item, revision),
        errors=errors or {},
        topic_names={t.code: t.name for t in queries.topics(db.session)},
        bureau_names={b.code: b.name for b in queries.bureaus(db.session)},
        case_type_labels={c.value: c.label for c in CaseType},
        status_labels={s.value: s.label for s in PolicyStatus},
    ), status


def _newer_publication(item: Item, revision):
    """A publication after this draft was saved: publishing the draft would undo its changes."""
    if revision.published_at is not None:
        return None
    later = [r for r in item.revisions if r.published_at is not None and r.id != revision.id
             and local(r.published_at) > local(revision.created_at)]
    return max(later, key=lambda r: local(r.published_at)) if later else None


@bp.get("/<any(guides, policies):section>/<slug>/revisions/<int:revision_id>")
@roles_required(*EDITOR_ROLES)
def revision(section: str, slug: str, revision_id: int):
    """One revision as it would be (or was) published, and what it changes."""
    try:
        item, found = editing.find_revision(db.session, current_user, _kind(section), slug, revision_id)
    except NotEditable:
        abort(404)
    return _revision_page(item, found)


@bp.post("/<any(guides, policies):section>/<slug>/revisions/<int:revision_id>/publish")
@roles_required(*EDITOR_ROLES)
def publish(section: str, slug: str, revision_id: int):
    """Publish a draft revision."""
    kind = _kind(section)
    session = db.session
    try:
        item, found = editing.find_revision(session, current_user, kind, slug, revision_id)
    except NotEditable:
        abort(404)
    try:
        editing.publish_revision(session, current_user, found)
    except NotEditable:
        session.rollback()
        abort(404)
    except (EditingError, IntegrityError) as exc:
        session.rollback()
        errors = exc.errors if isinstance(exc, EditingError) else {"": ["该标识刚被其他人使用，请刷新后重试"]}
        item, found = editing.find_revision(session, current_user, kind, slug, revision_id)
        return _revision_page(item, found, errors, 400)
    audit(f"{kind}_publish", target=found.slug, detail=_detail(found))
    session.commit()
    flash(f"已发布修订 #{found.id}，公开页面已更新，站内检索稍后同步。", "success")
    return redirect(url_for("editing.history", section=section, slug=found.slug), code=303)
