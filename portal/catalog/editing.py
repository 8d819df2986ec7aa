"""Staff keep their bureau's guides and policies current.

Every save is a new revision: the item as a content-file record, who wrote it and when. Publishing
applies a revision through the content import's own checks and upsert, so an edit obeys exactly the
rules of a content file, and the search outbox picks the change up in the same transaction. A new
guide or policy exists only as draft revisions until one is published. Callers commit.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.accounts.models import Role, User
from portal.catalog.content import (ContentError, Invalid, apply_record, as_record, check_record, guide_line,
                                    policy_line, text)
from portal.catalog.models import Bureau, Guide, Policy, Revision
from portal.catalog.queries import is_key
from portal.clock import local, now, today

KIND_LABELS = {"guide": "办事指南", "policy": "政策文件"}
MODELS: dict[str, type[Guide] | type[Policy]] = {"guide": Guide, "policy": Policy}
EDITOR_ROLES = (Role.STAFF, Role.BUREAU_ADMIN, Role.ADMIN)
NOTE = text(200)


class EditingError(Exception):
    """An edit the rules refuse, with messages by field ("" for the whole form); nothing was written."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("；".join(m for messages in errors.values() for m in messages))
        self.errors = errors


class NotEditable(Exception):
    """No such guide or policy, or one of a bureau this account may not edit (answered 404 alike)."""


@dataclass(frozen=True)
class Change:
    """The latest thing that happened to an item: when, who, and what."""

    when: dt.datetime | dt.date
    who: str
    what: str


@dataclass
class Item:
    """A guide or policy as editors see it: the public row (None while it exists only as a draft)
    and its revisions, newest first."""

    kind: str
    slug: str
    bureau: Bureau
    row: Guide | Policy | None
    revisions: list[Revision] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.row.title if self.row is not None else self.revisions[0].title

    @property
    def draft(self) -> Revision | None:
        """The newest revision if it is not published yet: the public page differs from it."""
        return self.revisions[0] if self.revisions and self.revisions[0].published_at is None else None

    @property
    def record(self) -> dict[str, Any]:
        """What the public sees as a content record; for a draft-only item, its newest draft."""
        if self.row is None:
            return dict(self.revisions[0].record)
        line = guide_line(self.row) if self.kind == "guide" else policy_line(self.row)
        return {name: value for name, value in line.items() if name != "kind"}

    @property
    def catch_all(self) -> list[str]:
        """The guide's open-ended conditions or materials (其他材料…), which 一次告知 forbids."""
        if self.kind != "guide":
            return []
        return self.row.catch_all_items if self.row is not None else catch_all_items(self.record)

    @property
    def last_change(self) -> Change | None:
        """The newest save or publication of a revision; for imported content, its import."""
        changes = [Change(r.created_at, r.author_name, "保存草稿") for r in self.revisions]
        changes += [Change(r.published_at, r.published_by, "发布") for r in self.revisions if r.published_at]
        if changes:
            return max(changes, key=lambda c: local(c.when))
        if self.row is not None:
            when = self.row.updated_on if self.kind == "guide" else self.row.modified_at
            return Change(when, "", "内容文件导入")
        return None


def catch_all_items(record: dict[str, Any]) -> list[str]:
    """The catch-all rule of a stored guide (Guide.catch_all_items), applied to a record or form values."""
    materials = [m for m in record.get("materials") or [] if isinstance(m, dict) and isinstance(m.get("name"), str)]
    conditions = record.get("conditions") if isinstance(record.get("conditions"), str) else ""
    return Guide(conditions=conditions, materials=materials).catch_all_items  # transient: never added


def may_edit(user: User, bureau: Bureau | None) -> bool:
    """Staff and bureau admins edit their own bureau's items, the admin every bureau's, the supervisor none."""
    if bureau is None or not user.is_active:
        return False
    if user.role is Role.ADMIN:
        return True
    return user.role in (Role.STAFF, Role.BUREAU_ADMIN) and user.bureau_id == bureau.id


def editable_bureaus(session: Session, user: User) -> list[Bureau]:
    """The bureaus whose guides and policies this account may edit."""
    if user.role is Role.ADMIN:
        return list(session.scalars(select(Bureau).order_by(Bureau.id)))
    return [user.bureau] if may_edit(user, user.bureau) else []


def items(session: Session, user: User, bureau: Bureau | None = None) -> list[Item]:
    """The guides and policies this account may edit, draft-only ones first; `bureau` narrows the list."""
    bureaus = [b for b in editable_bureaus(session, user) if bureau is None or b.id == bureau.id]
    ids = {b.id for b in bureaus}
    if not ids:
        return []
    found: list[Item] = []
    for kind, model in MODELS.items():
        rows = session.scalars(select(model).where(model.bureau_id.in_(ids))
                               .options(selectinload(model.bureau)).order_by(model.id)).all()
        slugs = {r.slug for r in rows}
        revisions = session.scalars(
            select(Revision).where(Revision.kind == kind)
            .where(Revision.bureau_id.in_(ids) | Revision.slug.in_(slugs)).order_by(Revision.id.desc())
        ).all()
        by_slug: dict[str, list[Revision]] = {}
        for rev in revisions:
            by_slug.setdefault(rev.slug, []).append(rev)
        unpublished = set(by_slug) - slugs
        published_elsewhere = set(session.scalars(select(model.slug).where(model.slug.in_(unpublished))))
        for slug in sorted(unpublished - published_elsewhere, key=lambda s: -by_slug[s][0].id):
            revs = by_slug[slug]
            if revs[0].bureau_id in ids:
                found.append(Item(kind, slug, revs[0].bureau, None, revs))
        found += [Item(kind, r.slug, r.bureau, r, _own(by_slug.get(r.slug, []), r.bureau)) for r in rows]
    return sorted(found, key=lambda i: (i.kind != "guide", i.row is not None))


def _own(revisions: list[Revision], bureau: Bureau) -> list[Revision]:
    """An item's history: what was published under its slug, and the drafts of its own bureau only
    (another bureau's draft under a colliding slug stays that bureau's)."""
    return [r for r in revisions if r.bureau_id == bureau.id or r.published_at is not None]


def find_item(session: Session, user: User, kind: str, slug: str) -> Item:
    """The guide or policy (or draft-only item) `slug` if this account may edit it, else NotEditable."""
    if kind not in MODELS or not is_key(slug):
        raise NotEditable(slug)
    model = MODELS[kind]
    row = session.scalars(select(model).where(model.slug == slug)).one_or_none()
    revisions = list(session.scalars(
        select(Revision).where(Revision.kind == kind, Revision.slug == slug).order_by(Revision.id.desc())))
    if row is None and not revisions:
        raise NotEditable(slug)
    bureau = row.bureau if row is not None else revisions[0].bureau
    item = Item(kind, slug, bureau, row, _own(revisions, bureau))
    if not may_edit(user, item.bureau):
        raise NotEditable(slug)
    return item


def find_revision(session: Session, user: User, kind: str, slug: str, revision_id: int) -> tuple[Item, Revision]:
    """One revision of an item this account may edit, else NotEditable."""
    item = find_item(session, user, kind, slug)
    revision = next((r for r in item.revisions if r.id == revision_id), None)
    if revision is None:
        raise NotEditable(f"{slug}#{revision_id}")
    return item, revision


def history(session: Session, user: User, kind: str, slug: str) -> list[Revision]:
    """Every revision of a guide or policy this account may edit, newest first (NotEditable otherwise)."""
    return find_item(session, user, kind, slug).revisions


def check(session: Session, user: User, kind: str, record: dict[str, Any], item: Item | None = None,
          note: str = "") -> dict[str, Any]:
    """A record passes a content line's checks, for a bureau the editor may edit, under a slug that is its own."""
    errors: dict[str, list[str]] = {}
    try:
        NOTE(note)
    except Invalid as exc:
        errors["note"] = [f"修改说明{exc}"]
    try:
        values = check_record(session, kind, record)
    except ContentError as exc:
        for e in exc.errors:
            errors.setdefault(e.field, []).append(e.message)
        raise EditingError(errors) from None
    bureau = session.scalars(select(Bureau).where(Bureau.code == values["bureau"])).one()
    if not may_edit(user, bureau):
        errors.setdefault("bureau", []).append("只能编辑本部门的办事指南和政策文件")
    if item is not None and values["slug"] != item.slug:
        errors.setdefault("slug", []).append("已有内容的标识不能修改")
    if item is None:
        taken = _slug_taken(session, user, kind, values["slug"])
        if taken:
            errors.setdefault("slug", []).append(taken)
    if errors:
        raise EditingError(errors)
    return values


def _slug_taken(session: Session, user: User, kind: str, slug: str) -> str:
    """Why a new item may not take `slug` ("" if it may): a slug names one item, published or draft."""
    model = MODELS[kind]
    row = session.scalars(select(model).where(model.slug == slug)).one_or_none()
    holder = row.bureau if row is not None else session.scalars(
        select(Bureau).join(Revision, Revision.bureau_id == Bureau.id)
        .where(Revision.kind == kind, Revision.slug == slug).order_by(Revision.id.desc()).limit(1)).first()
    if holder is None:
        return ""
    if may_edit(user, holder):
        return f"标识 {slug} 已有{KIND_LABELS[kind]}，请在列表中打开它继续编辑，或换一个标识"
    return f"标识 {slug} 已被{holder.name}的{KIND_LABELS[kind]}使用，请换一个标识"


def save_draft(session: Session, user: User, kind: str, record: dict[str, Any], note: str = "",
               item: Item | None = None) -> Revision:
    """Store a checked record as a draft revision by `user`; nothing public changes until it is published."""
    values = check(session, user, kind, record, item, note)
    bureau = session.scalars(select(Bureau).where(Bureau.code == values["bureau"])).one()
    revision = Revision(kind=kind, slug=values["slug"], bureau=bureau, record=as_record(kind, values),
                        note=NOTE(note), author_id=user.id, author_name=user.display_name, created_at=now(),
                        published_by="")
    session.add(revision)
    session.flush()
    return revision


def publish_revision(session: Session, user: User, revision: Revision) -> Guide | Policy:
    """Apply a draft, checked again, through the content upsert under `user`'s name; mark it published."""
    if revision.published_at is not None:
        raise EditingError({"": [f"修订 #{revision.id} 已于 {local(revision.published_at):%Y-%m-%d %H:%M} 发布"]})
    item = find_item(session, user, revision.kind, revision.slug)
    values = check(session, user, revision.kind, dict(revision.record), item)
    if revision.kind == "guide":
        values["updated_on"] = today()
    published = apply_record(session, revision.kind, values, actor=user.display_name,
                             reason=f"发布修订 #{revision.id}")  # the note is internal wording
    revision.published_at = now()
    revision.published_by = user.display_name
    session.flush()
    return published


def publish(session: Session, user: User, kind: str, record: dict[str, Any], note: str = "",
            item: Item | None = None) -> Revision:
    """Save a checked record as a revision and publish it at once."""
    revision = save_draft(session, user, kind, record, note, item)
    publish_revision(session, user, revision)
    return revision
