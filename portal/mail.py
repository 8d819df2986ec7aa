"""Mail: written to an outbox in the transaction that causes it, sent after the commit, retried.

The text of every mail is a template under templates/mail/ with a `subject` and a `body` block;
the body ends with the one signature. The request boundary (portal.boundary) sends what a
transaction queued once it has committed; `mail send` retries what failed. A mail failure never
loses or rolls back what caused it. With no PORTAL_MAIL_SERVER (development) messages go to the log
instead of a server.
"""
from __future__ import annotations

import datetime as dt
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app
from sqlalchemy import DateTime, Integer, String, Text, inspect, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, scoped_session

from portal.clock import now
from portal.database import Base
from portal.i18n import LANGS, force_locale

CLAIM_FOR = dt.timedelta(minutes=5)  # a sender that died releases its messages after this
MAX_ATTEMPTS = 8  # then the message is parked: shown to the operator (`mail parked`), no longer retried


class MailMessage(Base):
    """A mail to send after the commit; kept and retried until the server takes it. The body is
    blanked once sent: it may hold a retrieval code, which is stored nowhere else in clear."""

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    # RFC 2369/8058 one-click unsubscribe for subscription mail: the link a mail client may POST to
    list_unsubscribe: Mapped[str | None] = mapped_column(String(500))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")


_QUEUED = "mail.queued"  # the messages this transaction queued, sent by the boundary after its commit


def one_line(subject: str, limit: int = 200) -> str:
    """A subject as a header may carry it: whitespace (line breaks included) folded to single spaces,
    at most `limit` characters."""
    subject = " ".join(subject.split())
    return subject if len(subject) <= limit else subject[: limit - 1] + "…"


def compose(template: str, **context) -> tuple[str, str]:
    """A mail template rendered: (subject, body) from its `subject` and `body` blocks; whatever the
    values hold, the subject is one line."""
    found = current_app.jinja_env.get_template(template)
    rendered = found.new_context(context)
    subject = "".join(found.blocks["subject"](rendered))
    body = "".join(found.blocks["body"](rendered))
    return one_line(subject), body.strip("\n") + "\n"


def queue_mail(session: Session, recipient: str, template: str, unsubscribe: str | None = None,
               lang: str = "zh", **context) -> MailMessage | None:
    """Put the mail `template` writes in the outbox, inside the caller's transaction (nothing for an
    empty address); `unsubscribe`, a link that ends a subscription by POST, goes into its headers;
    `lang` the language it is written in (a business that filed in English reads English)."""
    if not recipient:
        return None
    with force_locale(lang if lang in LANGS else "zh"):
        subject, body = compose(template, **context)
    message = MailMessage(recipient=recipient, subject=subject, body=body, list_unsubscribe=unsubscribe)
    session.add(message)  # begins the transaction if none has begun
    owner = (session() if isinstance(session, scoped_session) else session).get_transaction()
    session.info.setdefault(_QUEUED, []).append((owner, message))
    return message


def take_queued(session: Session, transaction) -> list[int]:
    """The ids of the mail `transaction` queued, now that it has committed, handed over once; what
    other transactions queued (committed elsewhere, or rolled back) is dropped. Ids come from the
    identity map, so a message the transaction deleted again costs nothing: the sender won't find it."""
    queued = session.info.pop(_QUEUED, [])
    return [state.identity[0] for owner, message in queued if owner is transaction
            and (state := inspect(message)).identity]


def forget_queued(session: Session) -> None:
    """A rolled-back transaction queued nothing."""
    session.info.pop(_QUEUED, None)


def _claim(session: Session, message_id: int) -> bool:
    """Take a message for sending; another worker or the timer holding it makes this fail."""
    moment = now()
    claimed = session.execute(
        update(MailMessage)
        .where(MailMessage.id == message_id, MailMessage.sent_at.is_(None), MailMessage.attempts < MAX_ATTEMPTS,
               or_(MailMessage.claimed_at.is_(None), MailMessage.claimed_at < moment - CLAIM_FOR))
        .values(claimed_at=moment, attempts=MailMessage.attempts + 1)
    ).rowcount
    session.commit()
    return claimed == 1


def send_pending(session: Session, ids: list[int] | None = None, limit: int = 50) -> tuple[int, int]:
    """Send the given messages (a request sends only its own) or the oldest waiting ones; each is
    claimed first, so two senders never send the same mail, and committed as sent or failed alone."""
    config = current_app.config
    query = (select(MailMessage.id).where(MailMessage.sent_at.is_(None), MailMessage.attempts < MAX_ATTEMPTS)
             .order_by(MailMessage.id).limit(limit))
    if ids is not None:
        query = query.where(MailMessage.id.in_(ids))
    sent = failed = 0
    for message_id in session.scalars(query).all():
        if not _claim(session, message_id):
            continue
        message = session.get(MailMessage, message_id, populate_existing=True)
        try:
            _deliver(config, message)
        except Exception as exc:  # any failure, a refused address included, leaves the mail queued
            message.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            message.claimed_at = None
            failed += 1
            current_app.logger.warning("mail %s to %s not sent (attempt %s of %s): %s", message.id,
                                       masked(message.recipient), message.attempts, MAX_ATTEMPTS, exc)
        else:
            message.sent_at = now()
            message.body = ""
            sent += 1
        session.commit()
    return sent, failed


def parked(session: Session) -> list[MailMessage]:
    """Mail that failed MAX_ATTEMPTS times: no longer retried until the operator says so."""
    return list(session.scalars(select(MailMessage).where(
        MailMessage.sent_at.is_(None), MailMessage.attempts >= MAX_ATTEMPTS).order_by(MailMessage.id)))


def release_parked(session: Session) -> int:
    """Give every parked message its attempts back (after the operator mended the cause)."""
    return session.execute(update(MailMessage).where(
        MailMessage.sent_at.is_(None), MailMessage.attempts >= MAX_ATTEMPTS)
        .values(attempts=0, claimed_at=None)).rowcount


def masked(address: str) -> str:
    """An address as a log or an operator's list may show it: b***@example.com."""
    name, at, domain = (address or "").partition("@")
    return f"{name[:1]}***@{domain}" if at else "***"


def _deliver(config, message: MailMessage) -> None:
    if not config.get("MAIL_SERVER"):  # development only: production refuses to start without a server
        current_app.logger.info("mail (no PORTAL_MAIL_SERVER, logged only) to %s: %s\n%s",
                                message.recipient, message.subject, message.body)
        return
    email = EmailMessage()
    email["From"] = formataddr(("会宁县营商环境服务平台", config["MAIL_SENDER"]))
    email["To"] = message.recipient
    email["Subject"] = one_line(message.subject)  # also for rows written before subjects were folded
    email["Message-ID"] = make_msgid(domain=config["MAIL_SENDER"].split("@")[-1])
    if message.list_unsubscribe:
        email["List-Unsubscribe"] = f"<{message.list_unsubscribe}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(message.body)
    security = config.get("MAIL_SECURITY", "none")
    smtp_class = smtplib.SMTP_SSL if security == "ssl" else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config.get("MAIL_TIMEOUT", 10)) as smtp:
        if security == "starttls":
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)
