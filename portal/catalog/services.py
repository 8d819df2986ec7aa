"""The catalog's rules: policy expiry and guide usage counts. Callers commit."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.actors import SYSTEM, Actor
from portal.catalog.models import Guide, Policy, PolicyStatus, PolicyStatusChange
from portal.clock import chinese_date, now


def expire_policies(session: Session, day: dt.date, actor: Actor = SYSTEM) -> list[Policy]:
    """Mark every in-force policy whose expiry date lies before `day` as expired, recording why."""
    due = session.scalars(
        select(Policy)
        .where(Policy.status == PolicyStatus.IN_FORCE, Policy.expires_on.is_not(None), Policy.expires_on < day)
        .order_by(Policy.id)
    ).all()
    for policy in due:
        session.add(
            PolicyStatusChange(
                policy=policy,
                from_status=policy.status,
                to_status=PolicyStatus.EXPIRED,
                changed_at=now(),
                actor=actor.name or actor.kind,
                reason=f"有效期至 {chinese_date(policy.expires_on)}，已届满",
            )
        )
        policy.status = PolicyStatus.EXPIRED
    return list(due)


def count_guide_view(session: Session, guide: Guide) -> None:
    """Count one reading of a guide; the count orders the home page's most-used guides."""
    session.execute(update(Guide).where(Guide.id == guide.id).values(views=Guide.views + 1))
