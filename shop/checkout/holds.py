"""How long, and how much, unpaid card and transfer orders may hold stock.

A card or bank-transfer order takes its stock when it is placed and holds it until it is paid
or its hold runs out (PAYMENT_HOLD_MINUTES; `flask orders release-expired` then cancels it
and puts the stock back). So that nobody can hold a producer's whole stock by placing order
after order and never paying, an account and a browser may each have only so many such
orders open at once (MAX_UNPAID_ORDERS_PER_ACCOUNT, MAX_UNPAID_ORDERS_PER_BROWSER; 0 turns a
limit off). Cash on delivery is not limited: it holds nothing on a timer.

The browser is a random key kept in its session: clearing cookies makes a new one, so the
per-browser limit slows a guest down while the per-account limit is firm.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_timedelta, ngettext

from shop import clock
from shop.enums import OrderStatus, PaymentMethod, PaymentStatus
from shop.errors import Refused
from shop.extensions import db
from shop.orders.models import Order, OrderLine, SubOrder

HELD_METHODS = (PaymentMethod.BANK_TRANSFER, PaymentMethod.CARD)


def hold_until(placed_at: dt.datetime) -> dt.datetime:
    """When an unpaid card or transfer order placed at `placed_at` gives its stock back."""
    return placed_at + hold_window()


def open_holds(*conditions: sa.ColumnElement[bool]) -> int:
    """How many card and transfer orders matching `conditions` still wait for payment."""
    return db.session.scalar(
        sa.select(sa.func.count(Order.id)).where(
            *conditions,
            Order.payment_method.in_(HELD_METHODS),
            Order.payment_status == PaymentStatus.UNPAID,
            Order.cancelled_at.is_(None),
            Order.hold_expires_at > clock.utcnow(),
        )
    )


class TooManyUnpaid(Refused):
    """The account or the browser already has the most unpaid orders allowed."""


def limits(user_id: int | None, browser_key: str | None) -> list[tuple[sa.ColumnElement, int]]:
    """The limits that apply: (which orders count, how many may be open)."""
    config = current_app.config
    found = []
    if user_id is not None and config["MAX_UNPAID_ORDERS_PER_ACCOUNT"] > 0:
        found.append((Order.user_id == user_id, config["MAX_UNPAID_ORDERS_PER_ACCOUNT"]))
    if browser_key and config["MAX_UNPAID_ORDERS_PER_BROWSER"] > 0:
        found.append((Order.browser_key == browser_key, config["MAX_UNPAID_ORDERS_PER_BROWSER"]))
    return found


def check_room(method: PaymentMethod, user_id: int | None, browser_key: str | None) -> None:
    """Raise TooManyUnpaid (with the buyer's message) if one more unpaid order is too many.

    In place_order this runs after the cart was claimed and `lock_holders` took the buyer's
    locks, so two placements at once cannot both pass on the same count.
    """
    if method not in HELD_METHODS:
        return
    for condition, allowed in limits(user_id, browser_key):
        if open_holds(condition) >= allowed:
            raise TooManyUnpaid(message(allowed), field="payment_method")


def message(allowed: int) -> str:
    return ngettext(
        "You already have %(num)s order waiting for payment. Pay it, or cancel it, before "
        "you order again by card or bank transfer — or choose cash on delivery.",
        "You already have %(num)s orders waiting for payment. Pay or cancel one of them "
        "before you order again by card or bank transfer — or choose cash on delivery.",
        allowed,
    )


def lock_holders(user_id: int | None, browser_key: str | None) -> None:
    """PostgreSQL: take the account's and the browser's transaction locks, in a fixed order,
    so their placements are counted one at a time. (SQLite runs one writer at a time, and
    place_order has written the cart's claim before it counts.)"""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    keys = sorted(
        _lock_key(f"{kind}:{value}")
        for kind, value in (("user", user_id), ("browser", browser_key))
        if value
    )
    for key in keys:
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))


def _lock_key(name: str) -> int:
    digest = hashlib.sha256(f"unpaid-holds:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@dataclass(frozen=True)
class StockUse:
    """Where a variant's units went, besides the stock still on sale."""

    reserved: int = 0  # in card or transfer orders not paid yet: back on sale if unpaid in time
    sold: int = 0  # in orders paid, or to be paid on delivery (cancelled shipments not counted)


def stock_use(variant_ids: Iterable[int]) -> dict[int, StockUse]:
    """Reserved and sold units per variant, in one query (variants never ordered: absent)."""
    ids = list(variant_ids)
    if not ids:
        return {}
    awaiting = sa.and_(
        Order.payment_method.in_(HELD_METHODS), Order.payment_status == PaymentStatus.UNPAID
    )
    rows = db.session.execute(
        sa.select(
            OrderLine.variant_id,
            sa.func.sum(sa.case((awaiting, OrderLine.quantity), else_=0)),
            sa.func.sum(sa.case((awaiting, 0), else_=OrderLine.quantity)),
        )
        .join(SubOrder, SubOrder.id == OrderLine.sub_order_id)
        .join(Order, Order.id == SubOrder.order_id)
        .where(OrderLine.variant_id.in_(ids), SubOrder.status != OrderStatus.CANCELLED)
        .group_by(OrderLine.variant_id)
    )
    return {variant_id: StockUse(int(reserved), int(sold)) for variant_id, reserved, sold in rows}


def hold_window() -> dt.timedelta:
    return dt.timedelta(minutes=current_app.config["PAYMENT_HOLD_MINUTES"])


def hold_window_text() -> str:
    """The hold in words, in whole days, hours or minutes ("2 giờ", "90 phút")."""
    minutes = current_app.config["PAYMENT_HOLD_MINUTES"]
    unit = "day" if minutes % 1440 == 0 else "hour" if minutes % 60 == 0 else "minute"
    return format_timedelta(hold_window(), granularity=unit, threshold=10**9)
