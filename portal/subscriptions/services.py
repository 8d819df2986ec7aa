"""Policy subscriptions (精准推送、不来即享, measure 13): subscribe, confirm by a signed link, match
notices to subscribers, record each delivery with the mail that carries it, unsubscribe in one click.

Callers commit. Nothing here reads the request: links in mail are absolute addresses from
PORTAL_BASE_URL (portal.web.absolute_url); the mail text is templates/mail/policy_*.txt.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from portal.catalog.models import Bureau, Guide, Policy, PolicyStatus, Topic
from portal.clock import county_midnight, local, now
from portal.errors import Invalid
from portal.mail import MailMessage, queue_mail
from portal.subscriptions.models import Delivery, Notice, Subscriber
from portal.subscriptions.notices import EFFECTIVE_TODAY
from portal.web import absolute_url

EVERYONE = "全部市场主体"  # a policy for every business matches every beneficiary choice
BENEFICIARIES = ("小微企业", "个体工商户", "高新技术企业", "新办企业", "农业经营主体", "外贸企业", "创业者")
CONFIRM_FOR = dt.timedelta(days=7)
CONFIRMATIONS_PER_DAY = 3  # confirmation mails to one address a day: nobody can flood a stranger's inbox
CONFIRM_SALT = "subscriptions.confirm"
UNSUBSCRIBE_SALT = "subscriptions.unsubscribe"


class LinkRefused(Invalid):
    """A confirm or unsubscribe link that was altered, is for the other purpose, or has expired."""


@dataclass(frozen=True)
class Choice:
    """What an address asks to hear about: topic codes, bureau codes, beneficiary types."""

    email: str
    topics: list[str]
    bureaus: list[str]
    beneficiaries: list[str]


# ---- what can be chosen


def beneficiary_choices(session: Session) -> list[str]:
    """The fixed beneficiary types, then those named by policies in force (全部市场主体 is not a choice:
    it is what every choice already receives)."""
    used: list[str] = []
    for names in session.scalars(select(Policy.beneficiaries).where(Policy.status == PolicyStatus.IN_FORCE)):
        used += [n for n in names or [] if isinstance(n, str)]
    return list(dict.fromkeys(n for n in [*BENEFICIARIES, *used] if n != EVERYONE))


# ---- signed links


class _CountyClockSigner(TimestampSigner):
    """Signs with the portal's clock, so `as_of` moves link ages as it moves everything else."""

    def get_timestamp(self) -> int:
        return int(now().timestamp())


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt, signer=_CountyClockSigner)


def _fingerprint(email: str) -> str:
    """Ties a link to its address without putting the address in the URL (and so in access logs)."""
    return hashlib.sha256(email.encode()).hexdigest()[:16]


def confirm_token(subscriber: Subscriber) -> str:
    return _serializer(CONFIRM_SALT).dumps([subscriber.id, _fingerprint(subscriber.email)])


def unsubscribe_token(subscriber: Subscriber) -> str:
    return _serializer(UNSUBSCRIBE_SALT).dumps([subscriber.id, _fingerprint(subscriber.email)])


def _from_token(session: Session, token: str, salt: str, max_age: dt.timedelta | None) -> Subscriber | None:
    """The subscriber a link names; raises LinkRefused for a bad or expired signature. None when the
    signature holds but the subscription is gone (or the id now belongs to another address)."""
    try:
        payload = _serializer(salt).loads(token, max_age=int(max_age.total_seconds()) if max_age else None)
    except SignatureExpired:
        raise LinkRefused("链接已过期（确认链接的有效期为 7 天）。请重新提交订阅，再点击新邮件中的链接。") from None
    except BadData:
        raise LinkRefused("链接无效：可能复制不完整或已被改动。请直接点击邮件中的完整链接。") from None
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], int)
            and isinstance(payload[1], str)):
        raise LinkRefused("链接无效：可能复制不完整或已被改动。请直接点击邮件中的完整链接。")
    subscriber = session.get(Subscriber, payload[0])
    if subscriber is not None and subscriber.unsubscribed_at is not None and not subscriber.email:
        return subscriber  # ended, its address already erased
    if subscriber is None or _fingerprint(subscriber.email) != payload[1]:
        return None
    return subscriber


def subscriber_to_confirm(session: Session, token: str) -> Subscriber | None:
    """The subscription a confirm link names: signed for confirming and at most 7 days old."""
    return _from_token(session, token, CONFIRM_SALT, CONFIRM_FOR)


def subscriber_to_unsubscribe(session: Session, token: str) -> Subscriber | None:
    """The subscription an unsubscribe link names: signed for unsubscribing; it never expires."""
    return _from_token(session, token, UNSUBSCRIBE_SALT, None)


# ---- subscribing


def mailbox(email: str) -> str:
    """The mailbox an address reaches: lowercased, without a "+tag" (name+1@ and name+2@ are name@)."""
    local, _, domain = email.lower().partition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def subscribe(session: Session, choice: Choice) -> Subscriber | None:
    """Record an unconfirmed subscription and mail its confirm link (double opt-in). Whether the address
    was known is never told; past CONFIRMATIONS_PER_DAY requests a day for one mailbox (whatever its
    "+tags"), nothing is sent."""
    since = now() - dt.timedelta(days=1)
    box = mailbox(choice.email)
    local, _, domain = box.partition("@")
    escape = lambda text: text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")  # noqa: E731
    pattern = escape(local) + "%@" + escape(domain)
    candidates = session.scalars(select(Subscriber.email).where(
        func.lower(Subscriber.email).like(pattern, escape="\\"), Subscriber.confirmed_at.is_(None),
        Subscriber.created_at >= since))
    if sum(mailbox(email) == box for email in candidates) >= CONFIRMATIONS_PER_DAY:
        return None
    subscriber = Subscriber(email=choice.email, topics=choice.topics, bureaus=choice.bureaus,
                            beneficiaries=choice.beneficiaries, created_at=now())
    session.add(subscriber)
    session.flush()
    queue_mail(session, subscriber.email, "mail/policy_confirm.txt", choice=describe_choice(session, subscriber),
               token=confirm_token(subscriber))
    return subscriber


def confirm_state(subscriber: Subscriber) -> str:
    """What confirming would find: pending, already (confirmed before) or ended."""
    if subscriber.unsubscribed_at is not None:
        return "ended"
    return "already" if subscriber.confirmed_at is not None else "pending"


def confirm(session: Session, subscriber: Subscriber) -> str:
    """Confirm once (a second click changes nothing); the confirmed subscription replaces every older
    one of the same address. Returns confirmed, already or ended (unsubscribed or replaced)."""
    if subscriber.unsubscribed_at is not None:
        return "ended"
    if subscriber.confirmed_at is not None:
        return "already"
    moment = now()
    subscriber.confirmed_at = moment
    older = list(session.scalars(select(Subscriber).where(
        Subscriber.email == subscriber.email, Subscriber.id < subscriber.id, Subscriber.unsubscribed_at.is_(None))))
    live = [p for p in older if p.confirmed_at is not None]
    if live:  # changing one's choices loses nothing: notices since the first confirmation still count,
        subscriber.confirmed_at = min(p.confirmed_at for p in live)  # and those already mailed stay mailed
        mailed = set(session.scalars(select(Delivery.notice_id).where(Delivery.subscriber_id.in_([p.id for p in live]))))
        session.add_all(Delivery(subscriber_id=subscriber.id, notice_id=n, mail_id=None, at=moment) for n in mailed)
    for previous in older:
        _end(previous, moment, session)
    return "confirmed"


def unsubscribe(session: Session, subscriber: Subscriber) -> bool:
    """Stop every mail to this subscription at once; True if it was live, False if already ended."""
    if subscriber.unsubscribed_at is not None:
        return False
    _end(subscriber, now(), session)
    return True


def _end(subscriber: Subscriber, moment: dt.datetime, session: Session) -> None:
    """An ended subscription keeps its choices and deliveries (for the figures) but not its address:
    consent withdrawn, the address is erased (个人信息保护法 art. 47), also from the mail outbox."""
    _erase_address(session, subscriber.email)
    subscriber.unsubscribed_at = moment
    subscriber.email = ""


def _erase_address(session: Session, email: str) -> None:
    """Mail not yet sent to the address is dropped; sent mail keeps no address and no text."""
    if not email or session.scalar(select(func.count()).select_from(Subscriber).where(
            Subscriber.email == email, Subscriber.unsubscribed_at.is_(None))) > 1:
        return  # another live subscription of the same address still needs its mail
    session.execute(delete(MailMessage).where(MailMessage.recipient == email, MailMessage.sent_at.is_(None)))
    session.execute(update(MailMessage).where(MailMessage.recipient == email).values(recipient="", body=""))


def forget_unconfirmed(session: Session) -> int:
    """Erase subscriptions never confirmed whose link has expired: an address nobody confirmed is kept
    no longer than its confirm link lives (and a day's grace)."""
    stale = session.scalars(select(Subscriber).where(
        Subscriber.confirmed_at.is_(None), Subscriber.unsubscribed_at.is_(None),
        Subscriber.created_at < now() - CONFIRM_FOR - dt.timedelta(days=1))).all()
    for subscriber in stale:
        _erase_address(session, subscriber.email)
        session.delete(subscriber)
    session.flush()
    return len(stale)


def describe_choice(session: Session, subscriber: Subscriber) -> str:
    """The subscriber's choices in words, for the mails and pages."""
    topics = dict(session.execute(select(Topic.code, Topic.name)).all())
    bureaus = dict(session.execute(select(Bureau.code, Bureau.name)).all())
    lines = []
    if subscriber.topics:
        lines.append("领域：" + "、".join(topics.get(c, c) for c in subscriber.topics))
    if subscriber.bureaus:
        lines.append("部门：" + "、".join(bureaus.get(c, c) for c in subscriber.bureaus))
    if subscriber.beneficiaries:
        lines.append("企业类型：" + "、".join(subscriber.beneficiaries))
    return "\n".join(lines)


def masked(email: str) -> str:
    """An address as a page may show it: b***@example.com."""
    if "@" not in email:
        return ""
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}"


# ---- matching and delivering


def matches(subscriber: Subscriber, notice: Notice) -> bool:
    """A shared topic, the notice's bureau, or a shared beneficiary type (a policy for 全部市场主体
    reaches every beneficiary choice) makes a notice the subscriber's."""
    if set(subscriber.topics or []) & set(notice.topics or []):
        return True
    if notice.bureau and notice.bureau in (subscriber.bureaus or []):
        return True
    wanted = set(subscriber.beneficiaries or [])
    offered = set(notice.beneficiaries or [])
    return bool(wanted) and bool(wanted & offered or EVERYONE in offered)


def live_subscribers(session: Session) -> list[Subscriber]:
    """Confirmed and not unsubscribed: the only ones who get anything."""
    return list(session.scalars(select(Subscriber).where(
        Subscriber.confirmed_at.is_not(None), Subscriber.unsubscribed_at.is_(None)).order_by(Subscriber.id)))


def due_notices(session: Session, subscriber: Subscriber) -> list[Notice]:
    """Matching notices recorded since the confirmation and not yet delivered to this subscriber."""
    if subscriber.confirmed_at is None or subscriber.unsubscribed_at is not None:
        return []
    delivered = select(Delivery.notice_id).where(Delivery.subscriber_id == subscriber.id)
    candidates = session.scalars(select(Notice).where(
        Notice.at >= subscriber.confirmed_at, Notice.id.not_in(delivered)).order_by(Notice.at, Notice.id))
    return [notice for notice in candidates if matches(subscriber, notice)]


def record_effective_today(session: Session, day: dt.date) -> list[Notice]:
    """A policy decided earlier that takes effect on `day` gets a 今日起施行 notice, once: a policy with
    any notice already recorded that day (published today, or a rerun of the job) gets none."""
    if session.get_bind().dialect.name == "postgresql":  # two runs at once: the second waits, then sees these
        session.execute(text("SELECT pg_advisory_xact_lock(71310001)"))
    policies = session.scalars(select(Policy).where(
        Policy.status == PolicyStatus.IN_FORCE, Policy.effective_from == day, Policy.published_on < day)
        .order_by(Policy.id))
    noticed_today = set(session.scalars(select(Notice.slug).where(
        Notice.kind == "policy", Notice.at >= county_midnight(day))))
    recorded = []
    for policy in policies:
        if policy.slug in noticed_today:
            continue
        notice = Notice(kind="policy", slug=policy.slug, title=policy.title[:300], what=EFFECTIVE_TODAY,
                        bureau=policy.bureau.code, topics=[t.code for t in policy.topics],
                        beneficiaries=list(policy.beneficiaries or []), at=now())
        session.add(notice)
        recorded.append(notice)
    session.flush()
    return recorded


def record_deliveries(session: Session, subscriber: Subscriber) -> list[Delivery]:
    """Queue one mail (a digest when several) for the subscriber's due notices and record each delivery
    with it, in the caller's transaction: committed together, so a notice is mailed once or not at all."""
    notices = due_notices(session, subscriber)
    if not notices:
        return []
    message = queue_mail(session, subscriber.email, "mail/policy_notices.txt",
                         unsubscribe=absolute_url("subscriptions.unsubscribe", token=unsubscribe_token(subscriber)),
                         **_digest(session, subscriber, notices))
    session.flush()
    deliveries = [Delivery(subscriber_id=subscriber.id, notice_id=n.id, mail_id=message.id, at=now())
                  for n in notices]
    session.add_all(deliveries)
    session.flush()
    return deliveries


def unsent_mail_ids(session: Session) -> list[int]:
    """Subscription mail recorded but not yet taken by the server (SMTP down, or a crash after commit)."""
    return list(session.scalars(
        select(MailMessage.id).where(MailMessage.sent_at.is_(None),
                                     MailMessage.id.in_(select(Delivery.mail_id).where(Delivery.mail_id.is_not(None))))
        .order_by(MailMessage.id)))


# ---- the mail


def _digest(session: Session, subscriber: Subscriber, notices: list[Notice]) -> dict:
    """What the notices mail shows: each notice with its policy or guide as it stands, the day, the
    subscriber's choices and its unsubscribe token."""
    bureaus = dict(session.execute(select(Bureau.code, Bureau.name)).all())
    items = []
    for notice in notices:
        model = Policy if notice.kind == "policy" else Guide
        document = session.scalars(select(model).where(model.slug == notice.slug)).one_or_none()
        items.append({"notice": notice, "bureau": bureaus.get(notice.bureau, notice.bureau),
                      "policy": document if notice.kind == "policy" else None,
                      "guide": document if notice.kind == "guide" else None})
    return {"items": items, "day": local(now()).date(), "choice": describe_choice(session, subscriber),
            "token": unsubscribe_token(subscriber)}
