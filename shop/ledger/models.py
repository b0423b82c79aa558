"""The ledger: one row per money event and producer, never changed in amount, never deleted.

An entry's `amount` is signed whole đồng from the producer's point of view: + owed to the
producer, − taken off (commission, tax withheld, a payout). A reversal (a paid shipment
cancelled, so its money refunded) is an entry of the same kind with the opposite amount that
points at the entry it reverses (`reverses_id`): the sums by kind stay true, and a shipment
cancelled within a month nets to nothing in that month's statement and tax list.

`event_key` is unique: the same event recorded twice (a replayed webhook, two staff at once,
a retried command) inserts nothing the second time. `available_on` is the Vietnamese date
from which the entry may be paid out; None while it is not known yet (the buyer has not
paid, or the shipment is not delivered): see docs/architecture.md, "Money".
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop import clock
from shop.enums import enum_type
from shop.extensions import db


class EntryKind(enum.StrEnum):
    SALE = "sale"  # the goods' subtotal of a paid shipment
    SHIPPING = "shipping"  # its shipping fee, passed through to the producer who ships
    COMMISSION = "commission"  # the shop's commission (negative)
    TAX_VAT = "tax_vat"  # VAT withheld for a household business (negative)
    TAX_PIT = "tax_pit"  # personal income tax withheld (negative)
    ADJUSTMENT = "adjustment"  # by staff, with a reason (either sign)
    PAYOUT = "payout"  # money sent to the producer (negative)
    PAYOUT_RETURNED = "payout_returned"  # a payout line that failed comes back (positive)


# The kinds a payment of a shipment writes, in this order (and a cancellation reverses).
SHIPMENT_KINDS = (
    EntryKind.SALE,
    EntryKind.SHIPPING,
    EntryKind.COMMISSION,
    EntryKind.TAX_VAT,
    EntryKind.TAX_PIT,
)
PAYOUT_KINDS = (EntryKind.PAYOUT, EntryKind.PAYOUT_RETURNED)


class LedgerEntry(db.Model):
    """One money event for one producer (append-only; see the module's docstring)."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        sa.Index("ix_ledger_entries_producer_available", "producer_id", "available_on"),
        sa.Index("ix_ledger_entries_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(sa.ForeignKey("producers.id"))
    sub_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sub_orders.id"), index=True)
    payout_line_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    kind: Mapped[EntryKind] = mapped_column(enum_type(EntryKind, "ledger_entry_kind"))
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    event_key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    reverses_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ledger_entries.id"))
    available_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    sub_order = relationship("SubOrder")
    producer = relationship("Producer")


class CodRemittance(db.Model):
    """What a carrier actually handed over for cash collected on delivery (recorded by staff).

    One remittance per carrier and reference (the carrier's statement number): recording the
    same statement twice is refused. Its lines say which shipment (by tracking number) and
    how much; the reconciliation compares them with what the shipments were to collect.
    """

    __tablename__ = "cod_remittances"
    __table_args__ = (sa.UniqueConstraint("carrier", "reference", name="uq_cod_remittances_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    carrier: Mapped[str] = mapped_column(sa.String(80))
    reference: Mapped[str] = mapped_column(sa.String(100))
    received_on: Mapped[dt.date]
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)

    lines: Mapped[list[CodRemittanceLine]] = relationship(
        back_populates="remittance", order_by="CodRemittanceLine.id"
    )


class CodRemittanceLine(db.Model):
    """One shipment's cash in a remittance."""

    __tablename__ = "cod_remittance_lines"
    __table_args__ = (
        sa.UniqueConstraint("remittance_id", "sub_order_id", name="uq_cod_remittance_lines_sub"),
        sa.CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    remittance_id: Mapped[int] = mapped_column(sa.ForeignKey("cod_remittances.id"))
    sub_order_id: Mapped[int] = mapped_column(sa.ForeignKey("sub_orders.id"), index=True)
    amount: Mapped[int] = mapped_column(sa.BigInteger)

    remittance: Mapped[CodRemittance] = relationship(back_populates="lines")
    sub_order = relationship("SubOrder")
