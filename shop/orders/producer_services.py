"""A producer's shipments: the filtered list, the CSV export, moving one along, sales figures.

Everything takes plain arguments (a producer id, dates); only move_shipment writes, and it
commits its own transaction. Dates are Vietnamese calendar days; timestamps are stored in UTC, so a day's
bounds go through `clock.start_of_day_utc`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager, selectinload

from shop import clock, geo
from shop.catalog.browse import Page
from shop.catalog.models import Product
from shop.enums import OrderStatus
from shop.extensions import db
from shop.formatting import format_local_time
from shop.labels import ORDER_STATUS_LABELS
from shop.orders import states
from shop.orders.models import Order, OrderLine, SubOrder
from shop.phones import display_mobile
from shop.urls import db_int

PAGE_SIZE = 20
SALES_MONTHS = 12
TOP_PRODUCTS = 5
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class InvalidOrderFilter(ValueError):
    """A filter of the orders list or export that makes no sense; `message` says why."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def parse_day(text: str | None) -> dt.date | None:
    """ "30/11/2026" or "2026-11-30" → a date; empty → None; anything else is refused."""
    text = (text or "").strip()
    if not text:
        return None
    if match := _DMY.match(text):
        day, month, year = (int(part) for part in match.groups())
    elif match := _ISO.match(text):
        year, month, day = (int(part) for part in match.groups())
    else:
        raise InvalidOrderFilter(_l("Write dates as dd/mm/yyyy, for example 30/11/2026."))
    try:
        parsed = dt.date(year, month, day)
    except ValueError:
        raise InvalidOrderFilter(_l("%(text)s is not a date in the calendar.", text=text)) from None
    if not 2000 <= parsed.year <= 2999:
        raise InvalidOrderFilter(_l("Choose a date between the years 2000 and 2999."))
    return parsed


def parse_range(args) -> tuple[dt.date | None, dt.date | None]:
    """The `since` and `until` days of a request, both optional and inclusive."""
    since, until = parse_day(args.get("since")), parse_day(args.get("until"))
    if since and until and since > until:
        raise InvalidOrderFilter(_l("The start date must not be after the end date."))
    return since, until


@dataclass(frozen=True)
class OrderFilters:
    """What the producer asked the list for."""

    status: OrderStatus | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    page: int = 1
    per_page: int = PAGE_SIZE

    def query_args(self, **change: Any) -> dict[str, Any]:
        """The URL parameters that reproduce these filters (the pager's links use them)."""
        current = replace(self, **change)
        args = {
            "status": current.status.value if current.status else None,
            "since": current.since.isoformat() if current.since else None,
            "until": current.until.isoformat() if current.until else None,
            "page": current.page if current.page != 1 else None,
        }
        return {key: value for key, value in args.items() if value is not None}

    @property
    def is_filtered(self) -> bool:
        return bool(self.status or self.since or self.until)


def parse_filters(args) -> OrderFilters:
    """Read the list's filters from request arguments; raises InvalidOrderFilter."""
    raw_status = (args.get("status") or "").strip()
    if raw_status and raw_status not in {s.value for s in OrderStatus}:
        raise InvalidOrderFilter(_l("Choose a status from the list."))
    since, until = parse_range(args)
    page = db_int(args.get("page") or "1")
    if page is None or not 1 <= page <= 100_000:
        raise InvalidOrderFilter(_l("The page number must be a whole number from 1."))
    return OrderFilters(
        status=OrderStatus(raw_status) if raw_status else None,
        since=since,
        until=until,
        page=page,
        per_page=PAGE_SIZE,
    )


def _placed_between(query: sa.Select, since: dt.date | None, until: dt.date | None) -> sa.Select:
    if since:
        query = query.where(Order.placed_at >= clock.start_of_day_utc(since))
    if until:
        query = query.where(Order.placed_at < clock.start_of_day_utc(until + dt.timedelta(1)))
    return query


def _own_sub_orders(producer_id: int, filters: OrderFilters) -> sa.Select:
    query = sa.select(SubOrder).join(SubOrder.order).where(SubOrder.producer_id == producer_id)
    if filters.status:
        query = query.where(SubOrder.status == filters.status)
    return _placed_between(query, filters.since, filters.until)


def list_sub_orders(producer_id: int, filters: OrderFilters) -> Page:
    """New (placed) shipments first, then the rest newest first; three queries per page."""
    base = _own_sub_orders(producer_id, filters)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
    rows = db.session.scalars(
        base.options(contains_eager(SubOrder.order), selectinload(SubOrder.lines))
        .order_by(
            sa.case((SubOrder.status == OrderStatus.PLACED, 0), else_=1),
            Order.placed_at.desc(),
            SubOrder.id.desc(),
        )
        .limit(filters.per_page)
        .offset((filters.page - 1) * filters.per_page)
    ).all()
    return Page(rows=list(rows), total=total or 0, filters=filters)


def item_count(sub_order: SubOrder) -> int:
    """The number of items (not lines) in a shipment."""
    return sum(line.quantity for line in sub_order.lines)


def full_address(order: Order) -> str:
    """Street, ward, province: the buyer's delivery address on one line."""
    parts = (order.street, geo.ward_name(order.ward_code), geo.province_name(order.province_code))
    return ", ".join(part for part in parts if part)


CSV_COLUMNS = (
    _l("Order number"),
    _l("Placed at"),
    _l("Status"),
    _l("Buyer"),
    _l("Phone"),
    _l("Province"),
    _l("Product"),
    _l("Variant"),
    _l("SKU"),
    _l("Quantity"),
    _l("Unit price"),
    _l("Line total"),
    _l("Shipping fee"),
)


def csv_cell(value: Any) -> Any:
    """A value Excel and LibreOffice will show as text, never run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def export_lines(producer_id: int, since: dt.date | None, until: dt.date | None) -> list:
    """The producer's order lines placed in the range, oldest first, with their shipment."""
    query = (
        sa.select(OrderLine)
        .join(OrderLine.sub_order)
        .join(SubOrder.order)
        .where(SubOrder.producer_id == producer_id)
        .options(contains_eager(OrderLine.sub_order).contains_eager(SubOrder.order))
        .order_by(Order.placed_at, SubOrder.id, OrderLine.id)
    )
    return list(db.session.scalars(_placed_between(query, since, until)))


def orders_csv(lines: list[OrderLine]) -> str:
    """UTF-8 CSV text with a BOM (so Excel reads Vietnamese), one row per order line.

    The shipping fee is a shipment's, not a line's: it is written on the shipment's first line
    only, so that the column adds up to what the buyers paid for shipping.
    """
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([str(title) for title in CSV_COLUMNS])
    previous_sub_id = None
    for line in lines:
        sub, order = line.sub_order, line.sub_order.order
        first_of_shipment = sub.id != previous_sub_id
        previous_sub_id = sub.id
        row = (
            order.number,
            format_local_time(order.placed_at),
            str(ORDER_STATUS_LABELS[sub.status]),
            order.full_name,
            display_mobile(order.phone),
            geo.province_name(order.province_code),
            line.product_name,
            line.variant_label,
            line.sku,
            line.quantity,
            line.unit_price,
            line.line_total,
            sub.shipping_fee if first_of_shipment else "",
        )
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue()


def move_shipment(
    sub: SubOrder, target: OrderStatus, actor_id: int, *, carrier="", tracking_number="", note=""
) -> None:
    """The producer moves its shipment along, or cancels it: one transaction, committed.

    Raises states.TransitionRefused (nothing written) when the move is not allowed now, or
    was already made by another request (AlreadyThere). What follows a move — the buyer's
    e-mails, stock and refunds of a cancellation — comes from the state machine.
    """
    try:
        states.transition(
            sub,
            target,
            role=states.PRODUCER,
            actor_id=actor_id,
            carrier=carrier,
            tracking_number=tracking_number,
            note=note,
        )
    except states.TransitionRefused:
        db.session.rollback()
        raise
    db.session.commit()


@dataclass(frozen=True)
class MonthSales:
    """One calendar month (in Vietnam): its live shipments and what their goods sold for."""

    month: dt.date
    orders: int
    revenue: int


@dataclass(frozen=True)
class ProductSales:
    product_id: int
    name: str
    quantity: int
    revenue: int


def month_starts(today: dt.date, months: int = SALES_MONTHS) -> list[dt.date]:
    """The first days of the last `months` months (this one included), and of the next one."""
    index = today.year * 12 + today.month - 1
    return [dt.date(i // 12, i % 12 + 1, 1) for i in range(index - months + 1, index + 2)]


def _live_sales(producer_id: int, starts: list[dt.date]) -> sa.Select:
    """Shipments not cancelled, placed between the first and last of `starts`."""
    return (
        sa.select(SubOrder.id)
        .join(SubOrder.order)
        .where(
            SubOrder.producer_id == producer_id,
            SubOrder.status != OrderStatus.CANCELLED,
            Order.placed_at >= clock.start_of_day_utc(starts[0]),
            Order.placed_at < clock.start_of_day_utc(starts[-1]),
        )
    )


def monthly_sales(producer_id: int, today: dt.date) -> list[MonthSales]:
    """Shipments and goods revenue (shipping excluded) per month, one GROUP BY query.

    Months are bucketed in SQL by comparing the stored UTC time with each Vietnamese month's
    start in UTC (a CASE), which gives the same answer on SQLite and PostgreSQL.
    """
    starts = month_starts(today)
    bounds = [clock.start_of_day_utc(day) for day in starts[1:-1]]
    bucket = sa.case(
        *[(Order.placed_at < bound, index) for index, bound in enumerate(bounds)],
        else_=len(bounds),
    )
    inner = (
        _live_sales(producer_id, starts)
        .add_columns(bucket.label("bucket"), SubOrder.subtotal.label("subtotal"))
        .subquery()
    )
    grouped = db.session.execute(
        sa.select(inner.c.bucket, sa.func.count(), sa.func.sum(inner.c.subtotal)).group_by(
            inner.c.bucket
        )
    ).all()
    found = {int(index): (count, int(total or 0)) for index, count, total in grouped}
    return [
        MonthSales(month=day, orders=found.get(i, (0, 0))[0], revenue=found.get(i, (0, 0))[1])
        for i, day in enumerate(starts[:-1])
    ]


def top_products(producer_id: int, today: dt.date, limit: int = TOP_PRODUCTS) -> list:
    """The products that sold for the most over the same months (goods only)."""
    live = _live_sales(producer_id, month_starts(today))
    revenue = sa.func.sum(OrderLine.line_total)
    rows = db.session.execute(
        sa.select(Product.id, Product.name, sa.func.sum(OrderLine.quantity), revenue)
        .join(Product, Product.id == OrderLine.product_id)
        .where(OrderLine.sub_order_id.in_(live))
        .group_by(Product.id, Product.name)
        .order_by(revenue.desc(), Product.id)
        .limit(limit)
    ).all()
    return [ProductSales(pid, name, int(qty), int(total)) for pid, name, qty, total in rows]
