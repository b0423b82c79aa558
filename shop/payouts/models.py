"""Paying producers: the bank account each is paid into, and the payout batches staff send
to the bank (one line per producer, paid or failed line by line)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop import clock
from shop.enums import PayoutLineStatus, enum_type
from shop.extensions import db
from shop.producers.models import Producer


class PayoutAccount(db.Model):
    """Where a producer's payouts go. A change holds payouts until `held_until` (UTC)."""

    __tablename__ = "payout_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(sa.ForeignKey("producers.id"), unique=True)
    bank_bin: Mapped[str] = mapped_column(sa.String(6))
    account_number: Mapped[str] = mapped_column(sa.String(19))
    holder_name: Mapped[str] = mapped_column(sa.String(70))
    changed_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    held_until: Mapped[dt.datetime]

    producer: Mapped[Producer] = relationship()


class PayoutBatch(db.Model):
    """One bulk transfer prepared for the bank."""

    __tablename__ = "payout_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Producers left out when the batch was made, and why (JSON list of {producer, reason}).
    skipped: Mapped[str] = mapped_column(sa.Text, default="[]")

    lines: Mapped[list[PayoutLine]] = relationship(back_populates="batch", order_by="PayoutLine.id")

    @property
    def number(self) -> str:
        return f"CT{self.id:05d}"


class PayoutLine(db.Model):
    """One producer's payout in a batch; its amount is what its ledger entries claimed."""

    __tablename__ = "payout_lines"
    __table_args__ = (sa.UniqueConstraint("batch_id", "producer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("payout_batches.id"), index=True)
    producer_id: Mapped[int] = mapped_column(sa.ForeignKey("producers.id"), index=True)
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    # The account as it was when the batch was made (what the bank was told).
    bank_bin: Mapped[str] = mapped_column(sa.String(6))
    account_number: Mapped[str] = mapped_column(sa.String(19))
    holder_name: Mapped[str] = mapped_column(sa.String(70))
    status: Mapped[PayoutLineStatus] = mapped_column(
        enum_type(PayoutLineStatus, "payout_line_status"), default=PayoutLineStatus.PENDING
    )
    decided_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    failure_reason: Mapped[str | None] = mapped_column(sa.Text)

    batch: Mapped[PayoutBatch] = relationship(back_populates="lines")
    producer: Mapped[Producer] = relationship()
