"""What a producer sees of its money: balances, the months it has entries in, and a monthly
statement per shipment (sale, shipping, commission, tax withheld, net) as a page and a CSV.

Read only: everything is summed from the ledger's entries (shop.ledger), never stored.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from shop import clock
from shop.extensions import db
from shop.formatting import format_day
from shop.ledger.models import EntryKind, LedgerEntry
from shop.ledger.services import balances
from shop.orders.models import Order, SubOrder
from shop.payouts.models import PayoutBatch, PayoutLine

RECENT_PAYOUTS = 12
_TAX = (EntryKind.TAX_VAT, EntryKind.TAX_PIT)


def balances_of(producer_id: int):
    """Pending, available and paid, today (Vietnam's date)."""
    return balances(producer_id)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """A Vietnamese calendar month as stored (naive UTC) timestamps."""
    return clock.start_of_day_utc(month), clock.start_of_day_utc(next_month(month))


def months_with_entries(producer_id: int) -> list[dt.date]:
    """The first day of each month from the producer's first entry to this one, newest first."""
    first = db.session.scalar(
        sa.select(sa.func.min(LedgerEntry.created_at)).where(LedgerEntry.producer_id == producer_id)
    )
    if first is None:
        return []
    local = first.replace(tzinfo=dt.UTC).astimezone(clock.SHOP_TZ).date().replace(day=1)
    months, month, this = [], local, clock.today().replace(day=1)
    while month <= this:
        months.append(month)
        month = next_month(month)
    return months[::-1]


@dataclass
class ShipmentRow:
    """One shipment's money in the month (a cancellation in the same month nets it out)."""

    sub_order_id: int
    order_number: str
    day: dt.date
    sale: int = 0
    shipping: int = 0
    commission: int = 0
    vat: int = 0
    pit: int = 0

    @property
    def tax(self) -> int:
        return self.vat + self.pit

    @property
    def net(self) -> int:
        return self.sale + self.shipping + self.commission + self.vat + self.pit


@dataclass
class OtherRow:
    """An entry not tied to a shipment: an adjustment, a payout, a payout returned."""

    day: dt.date
    kind: EntryKind
    amount: int
    note: str


@dataclass
class Statement:
    producer_id: int
    month: dt.date
    shipments: list[ShipmentRow] = field(default_factory=list)
    others: list[OtherRow] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(row, name) for row in self.shipments)

    @property
    def others_total(self) -> int:
        return sum(row.amount for row in self.others)


def _local_day(moment: dt.datetime) -> dt.date:
    return moment.replace(tzinfo=dt.UTC).astimezone(clock.SHOP_TZ).date()


_COLUMN = {
    EntryKind.SALE: "sale",
    EntryKind.SHIPPING: "shipping",
    EntryKind.COMMISSION: "commission",
    EntryKind.TAX_VAT: "vat",
    EntryKind.TAX_PIT: "pit",
}


def statement(producer_id: int, month: dt.date) -> Statement:
    """Every entry the producer's ledger gained in `month`, grouped by shipment."""
    start, end = _bounds(month)
    rows = db.session.execute(
        sa.select(LedgerEntry, Order.number)
        .outerjoin(SubOrder, SubOrder.id == LedgerEntry.sub_order_id)
        .outerjoin(Order, Order.id == SubOrder.order_id)
        .where(
            LedgerEntry.producer_id == producer_id,
            LedgerEntry.created_at >= start,
            LedgerEntry.created_at < end,
        )
        .order_by(LedgerEntry.created_at, LedgerEntry.id)
    ).all()
    result = Statement(producer_id, month)
    by_shipment: dict[int, ShipmentRow] = {}
    for entry, number in rows:
        column = _COLUMN.get(entry.kind)
        if column is not None and entry.sub_order_id is not None:
            row = by_shipment.get(entry.sub_order_id)
            if row is None:
                row = ShipmentRow(entry.sub_order_id, number or "", _local_day(entry.created_at))
                by_shipment[entry.sub_order_id] = row
                result.shipments.append(row)
            setattr(row, column, getattr(row, column) + entry.amount)
        else:
            day = _local_day(entry.created_at)
            result.others.append(OtherRow(day, entry.kind, entry.amount, entry.note or ""))
    return result


def statement_csv(statement: Statement) -> bytes:
    """The statement as CSV for a spreadsheet: UTF-8 with a BOM, amounts in whole đồng."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            _("Date"),
            _("Order"),
            _("Sale"),
            _("Shipping"),
            _("Commission"),
            _("VAT withheld"),
            _("PIT withheld"),
            _("Net"),
        ]
    )
    for row in statement.shipments:
        writer.writerow(
            [
                format_day(row.day),
                row.order_number,
                row.sale,
                row.shipping,
                row.commission,
                row.vat,
                row.pit,
                row.net,
            ]
        )
    writer.writerow(
        [
            _("Total"),
            "",
            statement.total("sale"),
            statement.total("shipping"),
            statement.total("commission"),
            statement.total("vat"),
            statement.total("pit"),
            statement.total("net"),
        ]
    )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def recent_payouts(producer_id: int) -> list[PayoutLine]:
    """The producer's latest payout lines, newest first."""
    return list(
        db.session.scalars(
            sa.select(PayoutLine)
            .join(PayoutBatch)
            .where(PayoutLine.producer_id == producer_id)
            .order_by(PayoutLine.id.desc())
            .limit(RECENT_PAYOUTS)
        )
    )
