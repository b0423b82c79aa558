"""What the staff's order pages read: orders found by number, e-mail or phone, and one
order's payments. (Refunds are shop.orders.refunds; confirming a bank transfer is
shop.payments.services.)"""

from __future__ import annotations

import contextlib

import sqlalchemy as sa

from shop.extensions import db
from shop.orders.models import Order
from shop.payments.models import Payment
from shop.phones import InvalidPhone, normalize_mobile

ORDERS_SHOWN = 100


def find_orders(q: str) -> list[Order]:
    """The newest orders (ORDERS_SHOWN), or those whose number, e-mail or phone is `q`."""
    query = sa.select(Order).order_by(Order.placed_at.desc(), Order.id.desc()).limit(ORDERS_SHOWN)
    if q:
        conditions = [Order.number == q.upper(), Order.email == q.lower()]
        with contextlib.suppress(InvalidPhone):
            conditions.append(Order.phone == normalize_mobile(q))
        query = query.where(sa.or_(*conditions))
    return list(db.session.scalars(query))


def order_by_number(number: str) -> Order | None:
    return db.session.scalar(sa.select(Order).where(Order.number == number))


def payments_of(order: Order) -> list[Payment]:
    """Every payment attempt of the order, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Payment).where(Payment.order_id == order.id).order_by(Payment.id)
        )
    )
