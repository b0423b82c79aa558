"""What a buyer does with past orders: list them, cancel a shipment, order the same again."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from shop.accounts.models import User
from shop.cart import services as carts
from shop.cart.models import Cart
from shop.enums import OrderStatus
from shop.errors import Refused
from shop.extensions import db
from shop.orders import states
from shop.orders.cancel_reasons import CANCEL_REASONS
from shop.orders.models import Order, SubOrder

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


def shipment_of(order: Order, sub_order_id: int) -> SubOrder | None:
    """The order's own shipment with this id (None for another order's)."""
    return next((sub for sub in order.sub_orders if sub.id == sub_order_id), None)


@dataclass(frozen=True)
class Cancelled:
    """What the buyer is told after cancelling: from whom, how much, and how it comes back."""

    producer_name: str
    amount: int
    refund_status: str | None


def cancel_shipment(sub: SubOrder, buyer: User | None, reason: str | None = None) -> Cancelled:
    """The buyer cancels a shipment not yet packed: one transaction, committed.

    `reason` is a code of CANCEL_REASONS (or None: the buyer did not say); it is kept on the
    shipment by the UPDATE that cancels it. An unknown code is refused before anything.

    Raises states.TransitionRefused (nothing written) when the shipment is too far along, or
    is already cancelled (AlreadyThere: a double click, another tab, the producer or the
    hold running out went first). Stock, the refund, the producer's e-mail and the Stripe
    calls after the commit follow from the state machine, once.
    """
    if reason is not None and reason not in CANCEL_REASONS:
        raise Refused(_l("Choose a reason from the list, or none."))
    try:
        states.transition(
            sub,
            OrderStatus.CANCELLED,
            role=states.BUYER,
            actor_id=buyer.id if buyer is not None else None,
            cancel_reason=reason,
        )
    except states.TransitionRefused:
        db.session.rollback()
        raise
    cancelled = Cancelled(sub.producer_name, sub.total, sub.refund_status)
    db.session.commit()
    return cancelled


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
