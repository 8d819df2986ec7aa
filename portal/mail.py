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
from sqlalchemy import DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.clock import now
from portal.database import Base

MAX_ATTEMPTS = 20


class MailMessage(Base):
    """A mail to send after the commit; kept and retried until the server takes it."""

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")


def queue_mail(session: Session, recipient: str, subject: str, body: str) -> None:
    """Put a mail in the outbox, inside the caller's transaction."""
    if recipient:
        session.add(MailMessage(recipient=recipient, subject=subject, body=body))


def send_pending(session: Session, limit: int = 50) -> tuple[int, int]:
    """Send what the outbox holds; each message is committed as sent or failed on its own."""
    config = current_app.config
    sent = failed = 0
    pending = session.scalars(
        select(MailMessage).where(MailMessage.sent_at.is_(None), MailMessage.attempts < MAX_ATTEMPTS)
        .order_by(MailMessage.id).limit(limit)
    ).all()
    for message in pending:
        message.attempts += 1
        try:
            _deliver(config, message)
        except (OSError, smtplib.SMTPException) as exc:
            message.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            failed += 1
            current_app.logger.warning("mail %s to %s not sent: %s", message.id, message.recipient, exc)
        else:
            message.sent_at = now()
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
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        smtp.send_message(email)
