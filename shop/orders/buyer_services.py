"""What a buyer does with past orders: list them, cancel a shipment, order the same again."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from shop.accounts.models import User
from shop.cart import services as carts
from shop.cart.models import Cart
from shop.enums import OrderStatus
from shop.extensions import db
from shop.mail import queue_mail
from shop.orders import states
from shop.orders.models import Order, SubOrder
from shop.producers.models import Producer
from shop.urls import external_url

ORDERS_PER_PAGE = 20


def orders_of(user_id: int, page: int = 1) -> tuple[list[Order], bool]:
    """One page of the user's orders, newest first, and whether an older page exists."""
    rows = db.session.scalars(
        sa.select(Order)
        .where(Order.user_id == user_id)
        .options(selectinload(Order.sub_orders))  # the amount due and progress of each
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .offset((max(page, 1) - 1) * ORDERS_PER_PAGE)
        .limit(ORDERS_PER_PAGE + 1)
    ).all()
    return list(rows[:ORDERS_PER_PAGE]), len(rows) > ORDERS_PER_PAGE


def shipment_of(order: Order, sub_order_id: int, *, lock: bool = False) -> SubOrder | None:
    """The order's own shipment with this id (None for another order's).

    With `lock`, its row is re-read FOR UPDATE (PostgreSQL), so a producer moving the same
    shipment at the same moment waits, and sees the cancellation.
    """
    if all(sub.id != sub_order_id for sub in order.sub_orders):
        return None
    return db.session.get(SubOrder, sub_order_id, with_for_update=lock, populate_existing=lock)


def cancel_shipment(sub: SubOrder, buyer: User | None) -> None:
    """The buyer cancels a shipment not yet packed; its producer is told by e-mail.

    Raises states.TransitionRefused (with the reason) when the shipment is too far along.
    Stock and the refund flag follow from the state machine; the card refund itself is made
    after the commit (refunds.process_card_refunds).
    """
    states.transition(
        sub,
        OrderStatus.CANCELLED,
        role=states.BUYER,
        actor_id=buyer.id if buyer is not None else None,
    )
    _tell_producer(sub)


def _tell_producer(sub: SubOrder) -> None:
    producer = db.session.get(Producer, sub.producer_id)
    owner = producer.owner
    with force_locale(owner.preferred_language or "vi"):
        body = render_template(
            "orders/email/buyer_cancelled.txt",
            sub=sub,
            order=sub.order,
            owner=owner,
            link=external_url("orders.producer_order", sub_order_id=sub.id),
        )
        subject = str(
            _l("Order %(number)s: the buyer cancelled your shipment", number=sub.order.number)
        )
    queue_mail(owner.email, subject, body)


@dataclass
class Reorder:
    """What "order again" put in the cart, and what it could not."""

    added: int = 0
    skipped: list[str] = field(default_factory=list)


def reorder(order: Order, cart: Cart) -> Reorder:
    """Add the order's lines to the cart through the cart's own rules (listable, in stock)."""
    result = Reorder()
    for line in order.lines:
        try:
            carts.add(cart, line.variant_id, line.quantity)
        except carts.CartError:
            result.skipped.append(f"{line.product_name} ({line.variant_label})")
        else:
            result.added += 1
    return result
