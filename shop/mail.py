"""Outgoing e-mail through an outbox table.

A message is a row written in the same transaction as the change it reports, so a rollback
sends nothing and a crash loses nothing. After the transaction commits, the new rows are
delivered: as .eml files in instance/outbox/ by default, or by SMTP when MAIL_SERVER is set.
A failed delivery stays pending and `flask mail send` retries it.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from email.header import Header
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from shop import clock
from shop.extensions import db

_PENDING_KEY = "outbox_new_ids"


class OutboxMessage(db.Model):
    """An e-mail waiting to be delivered, or the record of one delivered."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)


def queue_mail(recipient: str, subject: str, body: str) -> OutboxMessage:
    """Add a message to the current transaction; it goes out only if that commits."""
    message = OutboxMessage(recipient=recipient, subject=subject, body=body)
    db.session.add(message)
    return message


class EncodedSubject(str):
    """A Subject header whose encoded words keep the spaces between words inside them.

    The email package's own folding splits a long non-ASCII subject between encoded words at
    a space, and RFC 2047 readers drop whitespace between encoded words: "người mua đã hủy"
    arrived as "người muađã hủy". email.header.Header puts each space inside a word instead.
    (EmailPolicy keeps a value that has `name` as it is, and folds it with its `fold`.)
    """

    name = "Subject"

    def fold(self, *, policy) -> str:
        if self.isascii():  # nothing to encode: the usual folding
            return policy.header_factory(self.name, str(self)).fold(policy=policy)
        encoded = Header(str(self), "utf-8", header_name=self.name).encode(linesep=policy.linesep)
        return f"{self.name}: {encoded}{policy.linesep}"


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    """The RFC 5322 message for an outbox row (UTF-8, plain text)."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = EncodedSubject(message.subject)
    email["Message-ID"] = make_msgid(domain="cho-ocop.vn")
    email.set_content(message.body)
    return email


def _deliver(email: EmailMessage, message_id: int) -> None:
    config = current_app.config
    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(email)
        return
    folder = outbox_folder()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = clock.utcnow().strftime("%Y%m%dT%H%M%S")
    (folder / f"{stamp}-{message_id:06d}.eml").write_bytes(bytes(email))


def outbox_folder() -> Path:
    """Where the file backend writes .eml files: MAIL_OUTBOX_DIR, default instance/outbox.

    With several app servers and no MAIL_SERVER, point it at a folder they all mount: an
    erasure (shop/privacy/erasure.py) deletes a message's file wherever it was written."""
    return Path(
        current_app.config.get("MAIL_OUTBOX_DIR") or Path(current_app.instance_path) / "outbox"
    )


def send_pending(ids: list[int] | None = None) -> tuple[int, int]:
    """Deliver pending messages (all, or the given ids); returns (sent, failed)."""
    sender = current_app.config["MAIL_SENDER"]
    sent = failed = 0
    with Session(db.engine) as session:
        query = sa.select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
        if ids is not None:
            query = query.where(OutboxMessage.id.in_(ids))
        for message in session.scalars(query.order_by(OutboxMessage.id)):
            message.attempts += 1
            try:
                _deliver(build_email(message, sender), message.id)
            except (OSError, smtplib.SMTPException) as exc:
                message.last_error = f"{type(exc).__name__}: {exc}"[:1000]
                failed += 1
                current_app.logger.warning("mail %s not sent: %s", message.id, exc)
            else:
                message.sent_at = clock.utcnow()
                message.last_error = None
                sent += 1
            session.commit()
    return sent, failed


def _remember_new_messages(session: Session, _flush_context: object) -> None:
    new_ids = [obj.id for obj in session.new if isinstance(obj, OutboxMessage)]
    if new_ids:
        session.info.setdefault(_PENDING_KEY, []).extend(new_ids)


def _after_commit(session: Session) -> None:
    ids = session.info.pop(_PENDING_KEY, None)
    if ids:
        send_pending(ids)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)


def register_session_hooks() -> None:
    """Deliver new messages after each commit of the app's scoped session."""
    hooks = (
        ("after_flush", _remember_new_messages),
        ("after_commit", _after_commit),
        ("after_rollback", _after_rollback),
    )
    for name, handler in hooks:
        if not event.contains(Session, name, handler):
            event.listen(Session, name, handler)
