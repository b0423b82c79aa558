"""Writing the ledger and reading balances from it.

`record` is the only way in: one entry, in the caller's transaction, once per event key
(INSERT … ON CONFLICT DO NOTHING on both engines, so a replayed event or a racing request
writes nothing and is told so). The hooks below are called by the order and payment code in
the transaction of the event itself, after the conditional UPDATE that made the event:

- `shipment_paid(sub)`: the buyer's money for a shipment is in (a bank transfer confirmed, a
  card webhook, or cash collected at delivery): SALE, SHIPPING, COMMISSION and, for the legal
  forms the shop withholds for, TAX_VAT and TAX_PIT.
- `shipment_delivered(sub)`: the day its money becomes available is now known (delivered and
  paid): `available_on` = delivery date + LEDGER_DAYS_UNTIL_AVAILABLE on its entries.
- `shipment_cancelled(sub)`: a paid shipment cancelled (its money to be refunded): each of its
  entries reversed by an entry of the same kind and the opposite amount.

Rounding: every amount is whole đồng; commission, VAT and PIT are each computed exactly on the
shipment's goods subtotal (commission per line at its OCOP group's percent, summed) and
rounded once per shipment, half up (12 345.5 → 12 346; 12 345.4 → 12 345).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from shop import clock
from shop.catalog.models import Product, ProductSet
from shop.enums import OrderStatus, PaymentMethod, PaymentStatus
from shop.extensions import db
from shop.ledger.models import PAYOUT_KINDS, SHIPMENT_KINDS, EntryKind, LedgerEntry
from shop.orders.models import OrderLine, SubOrder, SubOrderEvent
from shop.producers.models import Producer

K = EntryKind


@dataclass(frozen=True)
class Balances:
    pending: int
    available: int
    paid: int

    @property
    def total(self) -> int:
        """What the shop owes the producer now: pending + available."""
        return self.pending + self.available


def record(
    producer_id: int,
    kind: EntryKind,
    amount: int,
    event_key: str,
    *,
    sub_order_id: int | None = None,
    payout_line_id: int | None = None,
    available_on: dt.date | None = None,
    note: str = "",
    actor=None,
    reverses_id: int | None = None,
) -> bool:
    """Insert one entry in the caller's transaction; False (nothing written) if an entry with
    this event key exists already (committed, or being written by a transaction that then
    commits: PostgreSQL waits for it)."""
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise TypeError("ledger amounts are whole đồng (int)")
    values = {
        "producer_id": producer_id,
        "kind": EntryKind(kind),
        "amount": amount,
        "event_key": event_key,
        "sub_order_id": sub_order_id,
        "payout_line_id": payout_line_id,
        "available_on": available_on,
        "note": note[:300],
        "actor_id": getattr(actor, "id", actor),
        "reverses_id": reverses_id,
        "created_at": clock.utcnow(),
    }
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(LedgerEntry)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["event_key"])
        .returning(LedgerEntry.id)
    )
    return db.session.execute(statement).scalar() is not None


# --- amounts ---------------------------------------------------------------------------------


def round_half_up(value: Decimal) -> int:
    """Whole đồng, halves away from zero (the shop's one rounding rule)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _percent(name: str) -> Decimal:
    return Decimal(str(current_app.config[name]))


def commission_percent(group_code: str | None) -> Decimal:
    by_group = current_app.config.get("LEDGER_COMMISSION_BY_GROUP") or {}
    if group_code is not None and group_code in by_group:
        return Decimal(str(by_group[group_code]))
    return _percent("LEDGER_COMMISSION_PERCENT")


def withholds_tax(producer: Producer) -> bool:
    """True for the legal forms the shop withholds VAT and PIT for (household businesses)."""
    forms = current_app.config.get("LEDGER_WITHHOLD_LEGAL_FORMS", ())
    return producer.legal_form.value in forms


def shipment_amounts(sub: SubOrder) -> dict[EntryKind, int]:
    """What a paid shipment writes, signed from the producer's side (kinds with 0 left out)."""
    rows = db.session.execute(
        sa.select(OrderLine.line_total, ProductSet.group_code)
        .join(Product, Product.id == OrderLine.product_id)
        .join(ProductSet, ProductSet.code == Product.product_set_code)
        .where(OrderLine.sub_order_id == sub.id)
    ).all()
    commission = sum(
        (Decimal(total) * commission_percent(group) / 100 for total, group in rows), Decimal(0)
    )
    amounts = {
        K.SALE: sub.subtotal,
        K.SHIPPING: sub.shipping_fee,
        K.COMMISSION: -round_half_up(commission),
    }
    producer = db.session.get(Producer, sub.producer_id)
    if withholds_tax(producer):
        amounts[K.TAX_VAT] = -round_half_up(sub.subtotal * _percent("LEDGER_VAT_PERCENT") / 100)
        amounts[K.TAX_PIT] = -round_half_up(sub.subtotal * _percent("LEDGER_PIT_PERCENT") / 100)
    return {kind: amount for kind, amount in amounts.items() if amount}


# --- the hooks (each in the caller's transaction, with the order locked) -------------------


def _delivered_on(sub: SubOrder) -> dt.date | None:
    at = db.session.scalar(
        sa.select(sa.func.min(SubOrderEvent.at)).where(
            SubOrderEvent.sub_order_id == sub.id,
            SubOrderEvent.to_status == OrderStatus.DELIVERED,
        )
    )
    if at is None:
        return None
    return at.replace(tzinfo=dt.UTC).astimezone(clock.SHOP_TZ).date()


def _available_from(delivered_on: dt.date) -> dt.date:
    return delivered_on + dt.timedelta(days=current_app.config["LEDGER_DAYS_UNTIL_AVAILABLE"])


def shipment_paid(sub: SubOrder, delivered: dt.date | None = None) -> int:
    """The buyer's money for `sub` is in: write its entries (once); how many were written.
    `delivered`: the delivery date when known (else read from the shipment's timeline)."""
    if delivered is None and sub.status == OrderStatus.DELIVERED:
        delivered = _delivered_on(sub)
    available_on = _available_from(delivered) if delivered else None
    written = 0
    for kind, amount in shipment_amounts(sub).items():
        written += record(
            sub.producer_id,
            kind,
            amount,
            f"sub:{sub.id}:{kind.value}",
            sub_order_id=sub.id,
            available_on=available_on,
            note=sub.order.number,
        )
    return written


def order_paid(order) -> None:
    """A bank transfer or card payment confirmed: each shipment still live is paid for."""
    if order.payment_method == PaymentMethod.COD:
        return  # cash is paid shipment by shipment, at each delivery (shipment_delivered)
    for sub in order.sub_orders:
        if sub.status != OrderStatus.CANCELLED:
            shipment_paid(sub)


def shipment_delivered(sub: SubOrder) -> None:
    """`sub` was delivered just now: cash on delivery is paid now; a paid shipment's entries
    become available LEDGER_DAYS_UNTIL_AVAILABLE days from today."""
    order = sub.order
    if order.payment_method == PaymentMethod.COD:
        shipment_paid(sub, clock.today())
        return
    if order.payment_status != PaymentStatus.PAID:
        return  # (cannot ship unpaid) — becomes available once paid, by shipment_paid
    db.session.execute(
        sa.update(LedgerEntry)
        .where(
            LedgerEntry.sub_order_id == sub.id,
            LedgerEntry.kind.in_(SHIPMENT_KINDS),
            LedgerEntry.available_on.is_(None),
        )
        .values(available_on=_available_from(clock.today()))
        .execution_options(synchronize_session=False)
    )


def shipment_cancelled(sub: SubOrder) -> int:
    """A paid shipment was cancelled (its money is to be refunded): reverse each of its
    entries not reversed yet, exactly; how many reversals were written."""
    originals = db.session.scalars(
        sa.select(LedgerEntry)
        .where(
            LedgerEntry.sub_order_id == sub.id,
            LedgerEntry.kind.in_(SHIPMENT_KINDS),
            LedgerEntry.reverses_id.is_(None),
        )
        .order_by(LedgerEntry.id)
    ).all()
    written = 0
    for entry in originals:
        written += record(
            entry.producer_id,
            entry.kind,
            -entry.amount,
            f"{entry.event_key}:reversed",
            sub_order_id=sub.id,
            available_on=entry.available_on,
            reverses_id=entry.id,
            note=entry.note,
        )
    return written


# --- reading ---------------------------------------------------------------------------------


def balances(producer_id: int, day: dt.date | None = None) -> Balances:
    """Pending (not payable yet), available (payable on `day`, less what payouts claimed) and
    paid out, in đồng. pending + available is the sum of all the producer's entries."""
    day = day or clock.today()
    ready = sa.and_(LedgerEntry.available_on.is_not(None), LedgerEntry.available_on <= day)
    row = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(sa.case((ready, 0), else_=LedgerEntry.amount)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((ready, LedgerEntry.amount), else_=0)), 0),
            sa.func.coalesce(
                sa.func.sum(
                    sa.case((LedgerEntry.kind.in_(PAYOUT_KINDS), LedgerEntry.amount), else_=0)
                ),
                0,
            ),
        ).where(LedgerEntry.producer_id == producer_id)
    ).one()
    return Balances(pending=int(row[0]), available=int(row[1]), paid=-int(row[2]))


def available_by_producer(day: dt.date | None = None, minimum: int = 0) -> list[tuple[int, int]]:
    """(producer_id, available amount) for every producer with at least `minimum` available."""
    day = day or clock.today()
    total = sa.func.sum(LedgerEntry.amount)
    rows = db.session.execute(
        sa.select(LedgerEntry.producer_id, total)
        .where(LedgerEntry.available_on.is_not(None), LedgerEntry.available_on <= day)
        .group_by(LedgerEntry.producer_id)
        .having(total >= max(minimum, 1))
        .order_by(LedgerEntry.producer_id)
    ).all()
    return [(producer_id, int(amount)) for producer_id, amount in rows]


def month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    """The calendar month in Vietnam, as naive UTC stamps [start, end)."""
    last = calendar.monthrange(year, month)[1]
    start = clock.start_of_day_utc(dt.date(year, month, 1))
    end = clock.start_of_day_utc(dt.date(year, month, last) + dt.timedelta(days=1))
    return start, end


def entries_for(producer_id: int, year: int, month: int) -> dict[int | None, list[LedgerEntry]]:
    """The producer's entries written in that month (Vietnam), grouped by shipment (None:
    entries of no shipment: adjustments, payouts), each group in the order written."""
    start, end = month_bounds(year, month)
    groups: dict[int | None, list[LedgerEntry]] = defaultdict(list)
    for entry in db.session.scalars(
        sa.select(LedgerEntry)
        .where(
            LedgerEntry.producer_id == producer_id,
            LedgerEntry.created_at >= start,
            LedgerEntry.created_at < end,
        )
        .order_by(LedgerEntry.sub_order_id, LedgerEntry.id)
    ):
        groups[entry.sub_order_id].append(entry)
    return dict(groups)
