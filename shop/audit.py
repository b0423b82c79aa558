"""The audit log: who did what to which record, when, why, and the state before and after.

Rows are only ever inserted. The application has no route that edits or deletes them, and
the ORM refuses to: updating or deleting an AuditEntry raises AuditLogIsAppendOnly.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop import clock
from shop.accounts.models import User
from shop.extensions import db
from shop.text import fold


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or remove an audit entry."""


class AuditEntry(db.Model):
    """One recorded action."""

    __tablename__ = "audit_entries"
    __table_args__ = (sa.Index("ix_audit_entries_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    subject_type: Mapped[str] = mapped_column(sa.String(40))
    subject_id: Mapped[int]
    summary: Mapped[str] = mapped_column(sa.String(300), default="")
    reason: Mapped[str | None] = mapped_column(sa.Text)
    before: Mapped[str | None] = mapped_column(sa.Text)  # JSON
    after: Mapped[str | None] = mapped_column(sa.Text)  # JSON
    # summary and reason folded ("nuoc mam"), for the log's word filter
    search_text: Mapped[str | None] = mapped_column(sa.Text)

    actor: Mapped[User | None] = relationship()

    @property
    def before_data(self) -> dict[str, Any]:
        return json.loads(self.before) if self.before else {}

    @property
    def after_data(self) -> dict[str, Any]:
        return json.loads(self.after) if self.after else {}


def record(
    action: str,
    subject: Any,
    *,
    actor: User | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
    summary: str = "",
) -> AuditEntry:
    """Add an entry to the current transaction (it commits or rolls back with the change)."""
    entry = AuditEntry(
        action=action,
        subject_type=type(subject).__name__,
        subject_id=subject.id,
        actor_id=actor.id if actor is not None else None,
        before=_dump(before),
        after=_dump(after),
        reason=reason,
        summary=summary[:300],
        search_text=fold(f"{summary[:300]} {reason or ''}".strip()),
    )
    db.session.add(entry)
    return entry


def _dump(data: dict[str, Any] | None) -> str | None:
    if data is None:
        return None
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_change(_mapper, _connection, _target) -> None:
    raise AuditLogIsAppendOnly("audit entries cannot be changed or deleted")
