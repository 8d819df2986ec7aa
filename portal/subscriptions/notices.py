"""Notices of changes subscribers care about, recorded in the same transaction as the change.

A watcher of the transaction's changes (portal.changes), like the search outbox: whatever publishes
a policy or changes a guide (content import, staff publishing, a later API) is covered, and a
rolled-back transaction leaves no notice behind. Content is written in several flushes (a policy
first, its topic links after), so each notice is described from its policy or guide once, as the
transaction commits.
"""
from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from portal.catalog.models import Guide, Policy, PolicyStatus
from portal.changes import watch
from portal.subscriptions.models import Notice

PUBLISHED = {PolicyStatus.IN_FORCE: "新发布", PolicyStatus.CONSULTATION: "公开征求意见"}
IN_FORCE = "正式施行"
OPEN_FOR_COMMENT = "公开征求意见"
EFFECTIVE_TODAY = "今日起施行"  # recorded by the send job, not here: nothing is written on that day
GUIDE_CHANGES = (  # the guide fields a business plans around, and how a change is named
    ("promised_days", "办理时限调整"),
    ("statutory_days", "办理时限调整"),
    ("fee", "收费调整"),
    ("materials", "申请材料调整"),
)


def _changed(obj, name: str) -> bool:
    return bool(inspect(obj).attrs[name].history.added)


def policy_change(session: Session, policy: Policy) -> list[str]:
    """What a flush does to a policy that subscribers hear about; drafts never produce anything."""
    if policy in session.new:
        status = policy.status or PolicyStatus.IN_FORCE  # the column's default, applied at insert
        return [PUBLISHED[status]] if status in PUBLISHED else []
    history = inspect(policy).attrs.status.history
    if not history.added:
        return []
    before = history.deleted[0] if history.deleted else None
    after = history.added[0]
    if after is PolicyStatus.IN_FORCE and before is not PolicyStatus.IN_FORCE:
        return [IN_FORCE]
    if after is PolicyStatus.CONSULTATION and before is PolicyStatus.DRAFT:
        return [OPEN_FOR_COMMENT]
    return []


def guide_change(session: Session, guide: Guide) -> list[str]:
    """A changed time limit, fee or material list of an existing guide (a new guide is not a change)."""
    if guide in session.new:
        return []
    whats: list[str] = []
    for name, what in GUIDE_CHANGES:
        if _changed(guide, name) and what not in whats:
            whats.append(what)
    return whats


def _describe(notice: Notice, obj: Guide | Policy) -> None:
    """Copy what matching needs from the policy or guide as it stands now."""
    notice.slug = obj.slug
    notice.title = (obj.title or "")[:300]
    notice.bureau = obj.bureau.code if obj.bureau is not None else ""
    notice.topics = [link.topic.code for link in obj.topic_links if link.topic is not None]
    notice.beneficiaries = list(obj.beneficiaries or []) if isinstance(obj, Policy) else []


def _record_notices(session: Session, state: dict) -> None:
    """Note each policy or guide change of this flush; a second change of the same one in the same
    transaction adds to its notice."""
    recorded: dict[tuple[str, str], tuple[Notice, Guide | Policy]] = state.setdefault("recorded", {})
    for obj in [*session.new, *session.dirty]:
        if isinstance(obj, Policy):
            kind, whats = "policy", policy_change(session, obj)
        elif isinstance(obj, Guide):
            kind, whats = "guide", guide_change(session, obj)
        else:
            continue
        if not whats or not obj.slug:
            continue
        key = (kind, obj.slug)
        if key in recorded and recorded[key][0] in session:  # not one a rolled-back savepoint dropped
            notice = recorded[key][0]
            merged = notice.what.split("、")
            notice.what = "、".join([*merged, *(w for w in whats if w not in merged)])[:200]
        else:
            notice = Notice(kind=kind, what="、".join(whats)[:200])
            _describe(notice, obj)  # enough to insert; finished from the final state at commit
            session.add(notice)
        recorded[key] = (notice, obj)


def _describe_notices(session: Session, state: dict) -> None:
    """As the transaction commits: each notice described from its policy or guide as it now stands."""
    session.flush()  # every change of the transaction recorded first
    for notice, obj in state.pop("recorded", {}).values():
        if notice not in session:
            continue
        if obj in session.deleted or inspect(obj).was_deleted:  # published and deleted at once: nothing to tell
            if notice in session.new:
                session.expunge(notice)
            else:
                session.delete(notice)
        else:
            _describe(notice, obj)


def install() -> None:
    """Record notices of policy and guide changes in their transaction."""
    watch("notices", _record_notices, _describe_notices)
