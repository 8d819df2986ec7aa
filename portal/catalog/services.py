"""The catalog's rules: policy expiry and guide usage counts. Callers commit."""
from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter

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


class GuideReadings:
    """Readings of guide pages, counted in the worker's memory and written together.

    A reading is counted before the page is drawn (or taken from the page cache), and the counts are
    added to the guides at most every `every` seconds, or sooner once `most` readings wait, in the
    transaction of the request that finds them due: one short write instead of one per reading, so
    that readers of the busiest pages do not queue for SQLite's one writer. A worker that stops loses
    what it had not written (at most `every` seconds of counts): the count only orders the home page's
    most-used guides.
    """

    def __init__(self, every: float = 30.0, most: int = 1000):
        self.every, self.most = every, most
        self.counts: Counter[str] = Counter()
        self.since = time.monotonic()
        self.lock = threading.Lock()  # gthread workers count from several threads

    def count(self, slug: str) -> None:
        with self.lock:
            self.counts[slug] += 1

    def take_if_due(self) -> Counter[str]:
        """The readings to write now (empty while they may wait)."""
        with self.lock:
            if not self.counts or (time.monotonic() - self.since < self.every and self.counts.total() < self.most):
                return Counter()
            counts, self.counts, self.since = self.counts, Counter(), time.monotonic()
            return counts

    def give_back(self, counts: Counter[str]) -> None:
        """Readings that could not be written wait for the next time."""
        with self.lock:
            self.counts.update(counts)


def add_readings(session: Session, counts: Counter[str]) -> None:
    """Add counted readings to their guides (a slug that names no guide changes nothing)."""
    for slug, readings in sorted(counts.items()):  # one order in every worker: no deadlock on PostgreSQL
        session.execute(update(Guide).where(Guide.slug == slug).values(views=Guide.views + readings))
