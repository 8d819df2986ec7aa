"""Mail: written to an outbox in the transaction that causes it, sent after the commit, retried.

A mail failure never loses or rolls back what caused it. With no PORTAL_MAIL_SERVER (development)
messages go to the log instead of a server.
"""
from __future__ import annotations

import datetime as dt
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app
from sqlalchemy import DateTime, Integer, String, Text, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.clock import now
from portal.database import Base

CLAIM_FOR = dt.timedelta(minutes=5)  # a sender that died releases its messages after this


class MailMessage(Base):
    """A mail to send after the commit; kept and retried until the server takes it. The body is
    blanked once sent: it may hold a retrieval code, which is stored nowhere else in clear."""

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")


def queue_mail(session: Session, recipient: str, subject: str, body: str) -> MailMessage | None:
    """Put a mail in the outbox, inside the caller's transaction."""
    if not recipient:
        return None
    message = MailMessage(recipient=recipient, subject=subject, body=body)
    session.add(message)
    return message


def queued(session: Session) -> list[MailMessage]:
    """The mail this transaction has queued, to send right after its commit."""
    return [obj for obj in session.new if isinstance(obj, MailMessage)]


def send_after_commit(session: Session, messages: list[MailMessage]) -> None:
    """Try the request's own mail now; the timer's `mail send` retries what fails."""
    if messages:
        send_pending(session, ids=[m.id for m in messages])


def _claim(session: Session, message_id: int) -> bool:
    """Take a message for sending; another worker or the timer holding it makes this fail."""
    moment = now()
    claimed = session.execute(
        update(MailMessage)
        .where(MailMessage.id == message_id, MailMessage.sent_at.is_(None),
               or_(MailMessage.claimed_at.is_(None), MailMessage.claimed_at < moment - CLAIM_FOR))
        .values(claimed_at=moment, attempts=MailMessage.attempts + 1)
    ).rowcount
    session.commit()
    return claimed == 1


def send_pending(session: Session, ids: list[int] | None = None, limit: int = 50) -> tuple[int, int]:
    """Send the given messages (a request sends only its own) or the oldest waiting ones; each is
    claimed first, so two senders never send the same mail, and committed as sent or failed alone."""
    config = current_app.config
    query = select(MailMessage.id).where(MailMessage.sent_at.is_(None)).order_by(MailMessage.id).limit(limit)
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
            current_app.logger.warning("mail %s to %s not sent: %s", message.id, message.recipient, exc)
        else:
            message.sent_at = now()
            message.body = ""
            sent += 1
        session.commit()
    return sent, failed


def _deliver(config, message: MailMessage) -> None:
    if not config.get("MAIL_SERVER"):
        current_app.logger.info("mail (no PORTAL_MAIL_SERVER, logged only) to %s: %s\n%s",
                                message.recipient, message.subject, message.body)
        return
    email = EmailMessage()
    email["From"] = formataddr(("会宁县营商环境服务平台", config["MAIL_SENDER"]))
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain=config["MAIL_SENDER"].split("@")[-1])
    email.set_content(message.body)
    security = config.get("MAIL_SECURITY", "none")
    smtp_class = smtplib.SMTP_SSL if security == "ssl" else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config.get("MAIL_TIMEOUT", 10)) as smtp:
        if security == "starttls":
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)
