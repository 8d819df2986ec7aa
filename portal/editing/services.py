"""Staff keep their bureau's guides, policies and public answers (问答) current.

Every save is a new revision: the document as a content-file record, who wrote it and when.
Publishing applies a revision through the content import's own checks and upsert, so an edit obeys
exactly the rules of a content file, and the search outbox picks the change up in the same
transaction. A new guide, policy or answer exists only as draft revisions until one is published; an
answer is published (published_on the day) or retired (withdrawn from the public, its history kept) the
same way. Parts above editing add checks of their own to a record (`RECORD_CHECKS`: the answers check
that an answer written from a ticket holds none of the ticket's personal data). Each service takes the
acting staff member and writes its own audit line. Callers commit.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.actors import Actor
from portal.audit import audit, name_actions
from portal.catalog.content import (ContentError, answer_line, apply_record, as_record, check_record, guide_line,
                                    policy_line)
from portal.catalog.fields import BadValue, text
from portal.catalog.models import Answer, AnswerStatus, Bureau, Guide, Policy
from portal.clock import chinese_moment, local, now, today
from portal.editing.models import Revision
from portal.errors import InvalidFields, NotFound, Refused
from portal.text import is_key
from portal.tickets.models import Ticket, TicketType
from portal.tickets.services import tell_revised

KIND_LABELS = {"guide": "办事指南", "policy": "政策文件", "answer": "问答"}
MODELS: dict[str, type[Guide] | type[Policy] | type[Answer]] = {"guide": Guide, "policy": Policy, "answer": Answer}
LINES = {"guide": guide_line, "policy": policy_line, "answer": answer_line}
NOTE = text(200)
name_actions({"guide_draft": "保存办事指南草稿", "guide_publish": "发布办事指南", "guide_check": "核对办事指南无误",
              "policy_draft": "保存政策文件草稿", "policy_publish": "发布政策文件",
              "policy_part_approve": "同意列为本部门文件的措施",
              "answer_draft": "保存问答草稿", "answer_publish": "发布问答", "answer_retire": "撤下问答"})
# Checks that parts above editing add to a record: (session, kind, checked values) → errors by field.
RECORD_CHECKS: list[Callable[[Session, str, dict[str, Any]], dict[str, list[str]]]] = []


class EditingError(InvalidFields):
    """An edit the rules refuse, with messages by field ("" for the whole form); nothing was written."""


class NotEditable(NotFound):
    """No such guide or policy, or one of a bureau this account may not edit (answered 404 alike)."""

    def __init__(self, slug: str):
        super().__init__(f"没有可编辑的内容：{slug}")


@dataclass(frozen=True)
class Change:
    """The latest thing that happened to an item: when, who, and what."""

    when: dt.datetime | dt.date
    who: str
    what: str


@dataclass
class Document:
    """A guide or policy as editors see it: the public row (None while it exists only as a draft)
    and its revisions, newest first."""

    kind: str
    slug: str
    bureau: Bureau
    row: Guide | Policy | Answer | None
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
        return {name: value for name, value in LINES[self.kind](self.row).items() if name != "kind"}

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


def may_edit(actor: Actor, bureau: Bureau | None) -> bool:
    """Staff and bureau admins edit their own bureau's documents, the admin every bureau's, the supervisor none."""
    if bureau is None:
        return False
    return actor.is_admin or actor.acts_for(bureau)


def editable_bureaus(session: Session, actor: Actor) -> list[Bureau]:
    """The bureaus whose guides and policies this actor may edit."""
    if actor.is_admin:
        return list(session.scalars(select(Bureau).order_by(Bureau.id)))
    return [actor.bureau] if may_edit(actor, actor.bureau) else []


def documents(session: Session, actor: Actor, bureau: Bureau | None = None) -> list[Document]:
    """The guides and policies this actor may edit, draft-only ones first; `bureau` narrows the list."""
    bureaus = [b for b in editable_bureaus(session, actor) if bureau is None or b.id == bureau.id]
    ids = {b.id for b in bureaus}
    if not ids:
        return []
    found: list[Document] = []
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
                found.append(Document(kind, slug, revs[0].bureau, None, revs))
        found += [Document(kind, r.slug, r.bureau, r, _own(by_slug.get(r.slug, []), r.bureau)) for r in rows]
    return sorted(found, key=lambda i: (i.kind != "guide", i.row is not None))


def _own(revisions: list[Revision], bureau: Bureau) -> list[Revision]:
    """A document's history: what was published under its slug, and the drafts of its own bureau only
    (another bureau's draft under a colliding slug stays that bureau's)."""
    return [r for r in revisions if r.bureau_id == bureau.id or r.published_at is not None]


def find_document(session: Session, actor: Actor, kind: str, slug: str) -> Document:
    """The guide or policy (or draft-only document) `slug` if this actor may edit it, else NotEditable."""
    if kind not in MODELS or not is_key(slug):
        raise NotEditable(slug)
    model = MODELS[kind]
    row = session.scalars(select(model).where(model.slug == slug)).one_or_none()
    revisions = list(session.scalars(
        select(Revision).where(Revision.kind == kind, Revision.slug == slug).order_by(Revision.id.desc())))
    if row is None and not revisions:
        raise NotEditable(slug)
    bureau = row.bureau if row is not None else revisions[0].bureau
    document = Document(kind, slug, bureau, row, _own(revisions, bureau))
    if not may_edit(actor, document.bureau):
        raise NotEditable(slug)
    return document


def find_revision(session: Session, actor: Actor, kind: str, slug: str,
                  revision_id: int) -> tuple[Document, Revision]:
    """One revision of a document this actor may edit, else NotEditable."""
    document = find_document(session, actor, kind, slug)
    revision = next((r for r in document.revisions if r.id == revision_id), None)
    if revision is None:
        raise NotEditable(f"{slug}#{revision_id}")
    return document, revision


def check(session: Session, actor: Actor, kind: str, record: dict[str, Any], document: Document | None = None,
          note: str = "") -> dict[str, Any]:
    """A record passes a content line's checks, for a bureau the editor may edit, under a slug that is its own."""
    errors: dict[str, list[str]] = {}
    try:
        NOTE(note)
    except BadValue as exc:
        errors["note"] = [f"修改说明{exc}"]
    try:
        values = check_record(session, kind, record)
    except ContentError as exc:
        for e in exc.lines:
            errors.setdefault(e.field, []).append(e.message)
        raise EditingError(errors) from None
    bureau = session.scalars(select(Bureau).where(Bureau.code == values["bureau"])).one()
    if not may_edit(actor, bureau):
        errors.setdefault("bureau", []).append("只能编辑本部门的办事指南和政策文件")
    if document is not None and values["slug"] != document.slug:
        errors.setdefault("slug", []).append("已有内容的标识不能修改")
    if document is None:
        taken = _slug_taken(session, actor, kind, values["slug"])
        if taken:
            errors.setdefault("slug", []).append(taken)
    for check in RECORD_CHECKS:
        for name, messages in check(session, kind, values).items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise EditingError(errors)
    return values


def _slug_taken(session: Session, actor: Actor, kind: str, slug: str) -> str:
    """Why a new document may not take `slug` ("" if it may): a slug names one document, published or draft."""
    model = MODELS[kind]
    row = session.scalars(select(model).where(model.slug == slug)).one_or_none()
    holder = row.bureau if row is not None else session.scalars(
        select(Bureau).join(Revision, Revision.bureau_id == Bureau.id)
        .where(Revision.kind == kind, Revision.slug == slug).order_by(Revision.id.desc()).limit(1)).first()
    if holder is None:
        return ""
    if may_edit(actor, holder):
        return f"标识 {slug} 已有{KIND_LABELS[kind]}，请在列表中打开它继续编辑，或换一个标识"
    return f"标识 {slug} 已被{holder.name}的{KIND_LABELS[kind]}使用，请换一个标识"


def correction_ticket(session: Session, actor: Actor, kind: str, slug: str, number: str) -> Ticket | None:
    """The correction (纠错 ticket) a revision puts right: one about this document that the actor's
    bureau holds (the admin: any); none when no number is given."""
    number = (number or "").strip()
    if not number:
        return None
    ticket = session.scalars(select(Ticket).where(Ticket.number == number[:20])).one_or_none()
    about = None if ticket is None else ticket.guide if kind == "guide" else ticket.policy
    if (ticket is None or ticket.type is not TicketType.CORRECTION or about is None or about.slug != slug
            or not (actor.is_admin or actor.acts_for(ticket.bureau))):
        raise EditingError({"correction": [f"没有关于本{KIND_LABELS[kind]}、由本部门办理的纠错工单 {number[:20]}"]})
    return ticket


def _new_revision(session: Session, actor: Actor, kind: str, record: dict[str, Any], note: str,
                  document: Document | None, correction: str = "") -> Revision:
    values = check(session, actor, kind, record, document, note)
    ticket = correction_ticket(session, actor, kind, values["slug"], correction)
    bureau = session.scalars(select(Bureau).where(Bureau.code == values["bureau"])).one()
    revision = Revision(kind=kind, slug=values["slug"], bureau=bureau, record=as_record(kind, values),
                        note=NOTE(note), author_id=actor.user_id, author_name=actor.name, created_at=now(),
                        published_by="", correction_id=ticket.id if ticket is not None else None)
    session.add(revision)
    session.flush()
    return revision


def foreign_parent(session: Session, actor: Actor, values: dict[str, Any], document: Document | None) -> Policy | None:
    """The other bureau's document a policy is being put into as a part (a measure of its plan), when
    that bureau has to agree first: not for the admin, and not for a link already published."""
    parent_slug = values.get("part_of")
    if not parent_slug or actor.is_admin:
        return None
    parent = session.scalars(select(Policy).where(Policy.slug == parent_slug)).one_or_none()
    if parent is None or parent.bureau.code == values["bureau"]:
        return None
    row = document.row if document is not None else None
    if row is not None and row.part_of is not None and row.part_of.slug == parent_slug:
        return None
    return parent


def _parent_consent(session: Session, actor: Actor, revision: Revision, values: dict[str, Any],
                    document: Document | None) -> None:
    """Putting a measure into another bureau's document needs that bureau's consent (or the admin's)."""
    parent = foreign_parent(session, actor, values, document)
    if parent is not None and (revision is None or revision.part_approved_at is None):
        raise Refused(f"将本文件列为《{parent.title}》的一项措施，须经{parent.bureau.name}同意：请先保存草稿，"
                      f"{parent.bureau.name}在“指南和政策”中同意后再发布。", "part_of")


def part_requests(session: Session, actor: Actor) -> list[Revision]:
    """Drafts of other bureaus that would put a measure into one of this actor's bureau's documents and
    wait for its consent, newest first."""
    if not actor.is_bureau_staff:
        return []
    own = set(session.scalars(select(Policy.slug).where(Policy.bureau_id == actor.bureau_id)))
    drafts = session.scalars(select(Revision).where(
        Revision.kind == "policy", Revision.published_at.is_(None), Revision.part_approved_at.is_(None),
        Revision.bureau_id != actor.bureau_id).order_by(Revision.id.desc()))
    return [r for r in drafts if r.record.get("part_of") in own]


def approve_part(session: Session, actor: Actor, revision_id: int) -> Revision:
    """The parent document's bureau agrees that a draft of another bureau becomes one of its parts;
    the draft's own bureau then publishes it."""
    revision = session.get(Revision, revision_id)
    if revision is None or revision not in part_requests(session, actor):
        raise NotFound("没有待本部门同意的措施草稿。")
    revision.part_approved_by, revision.part_approved_at = actor.name, now()
    audit(session, actor, "policy_part_approve", target=revision.slug,
          detail=f"修订 #{revision.id}，列为 {revision.record.get('part_of')} 的措施")
    return revision


def _apply(session: Session, actor: Actor, revision: Revision) -> Guide | Policy | Answer:
    if revision.published_at is not None:
        raise EditingError({"": [f"修订 #{revision.id} 已于 {chinese_moment(revision.published_at)} 发布"]})
    document = find_document(session, actor, revision.kind, revision.slug)
    values = check(session, actor, revision.kind, dict(revision.record), document)
    if revision.kind == "policy":
        _parent_consent(session, actor, revision, values, document)
    if revision.kind == "guide":
        values["updated_on"] = today()
    if revision.kind == "answer" and values["status"] != AnswerStatus.RETIRED.value:
        values["status"] = AnswerStatus.PUBLISHED.value  # publishing a revision of an answer publishes it
        values["published_on"] = values["published_on"] or today()
    published = apply_record(session, revision.kind, values, actor,
                             reason=f"发布修订 #{revision.id}")  # the note is internal wording
    revision.published_at = now()
    revision.published_by = actor.name
    if revision.kind == "guide":  # 最近核对: a published revision vouches for the whole guide
        published.checked_on, published.checked_by_revision = today(), True
    if revision.correction_id is not None:
        ticket = session.get(Ticket, revision.correction_id)
        if ticket is not None:
            tell_revised(session, ticket, actor, f"{KIND_LABELS[revision.kind]}《{published.title}》",
                         f"/{'guides' if revision.kind == 'guide' else 'policies'}/{published.slug}")
    session.flush()
    return published


def confirm_check(session: Session, actor: Actor, slug: str) -> Guide:
    """The bureau has checked its guide against the rules in force and found it right (核对无误): the
    guide page's 最近核对 moves to today."""
    guide = session.scalars(select(Guide).where(Guide.slug == slug)).one_or_none()
    if guide is None or not may_edit(actor, guide.bureau):
        raise NotEditable(slug)
    guide.checked_on, guide.checked_by_revision = today(), False
    audit(session, actor, "guide_check", target=slug, detail=f"核对日期 {today().isoformat()}")
    return guide


def _audit(session: Session, actor: Actor, revision: Revision, what: str) -> None:
    detail = f"修订 #{revision.id}" + (f"：{revision.note}" if revision.note else "")
    audit(session, actor, f"{revision.kind}_{what}", target=revision.slug, detail=detail)


def save_draft(session: Session, actor: Actor, kind: str, record: dict[str, Any], note: str = "",
               document: Document | None = None, correction: str = "") -> Revision:
    """Store a checked record as a draft revision; nothing public changes until it is published."""
    revision = _new_revision(session, actor, kind, record, note, document, correction)
    _audit(session, actor, revision, "draft")
    return revision


def publish_revision(session: Session, actor: Actor, revision: Revision) -> Guide | Policy | Answer:
    """Apply a draft, checked again, through the content upsert under the actor's name; mark it published."""
    published = _apply(session, actor, revision)
    _audit(session, actor, revision, "publish")
    return published


def publish(session: Session, actor: Actor, kind: str, record: dict[str, Any], note: str = "",
            document: Document | None = None, correction: str = "") -> Revision:
    """Save a checked record as a revision and publish it at once; a linked correction's reporter is told."""
    if kind == "policy":  # refused before anything is written: the draft is what the other bureau agrees to
        _parent_consent(session, actor, None, check(session, actor, kind, record, document, note), document)
    revision = _new_revision(session, actor, kind, record, note, document, correction)
    _apply(session, actor, revision)
    _audit(session, actor, revision, "publish")
    return revision


def retire(session: Session, actor: Actor, document: Document, note: str = "") -> Revision:
    """Withdraw a published answer from the public (and from search): a revision with status retired,
    applied at once; the history stays and publishing a revision brings it back."""
    if document.kind != "answer" or document.row is None or document.row.status is not AnswerStatus.PUBLISHED:
        raise EditingError({"": ["只有已发布的问答可以撤下"]})
    record = dict(document.record, status=AnswerStatus.RETIRED.value)
    revision = _new_revision(session, actor, "answer", record, note or "撤下", document)
    _apply(session, actor, revision)
    _audit(session, actor, revision, "retire")
    return revision
