"""What a buyer does with past orders: list them, cancel a shipment, order the same again."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from shop.accounts.models import User
from shop.cart import services as carts
from shop.cart.models import Cart
from shop.catalog.models import ProductImage
from shop.enums import OrderStatus, PaymentMethod, PaymentStatus, RefundStatus
from shop.errors import Refused
from shop.extensions import db
from shop.labels import CANCEL_REASONS
from shop.orders import states
from shop.orders.models import Order, SubOrder
from shop.transaction import use_case

ORDERS_PER_PAGE = 20


# My orders' tabs, by what the buyer waits for: each is a condition on the order's own columns.
TABS = ("all", "to_pay", "to_ship", "shipping", "delivered", "cancelled")
_AWAITING_PAYMENT = sa.and_(
    Order.payment_method != PaymentMethod.COD,
    Order.payment_status == PaymentStatus.UNPAID,
    Order.status != OrderStatus.CANCELLED,
)
_TAB_FILTERS = {
    "to_pay": _AWAITING_PAYMENT,
    "to_ship": sa.and_(
        sa.not_(_AWAITING_PAYMENT),
        Order.status.in_([OrderStatus.PLACED, OrderStatus.CONFIRMED, OrderStatus.PACKED]),
    ),
    "shipping": Order.status == OrderStatus.SHIPPED,
    "delivered": Order.status == OrderStatus.DELIVERED,
    "cancelled": Order.status == OrderStatus.CANCELLED,
}


def orders_of(user_id: int, page: int = 1, tab: str = "all") -> tuple[list[Order], bool]:
    """One page of the user's orders in a tab, newest first, and whether an older page exists."""
    query = sa.select(Order).where(Order.user_id == user_id)
    if tab in _TAB_FILTERS:
        query = query.where(_TAB_FILTERS[tab])
    rows = db.session.scalars(
        query.options(selectinload(Order.sub_orders).selectinload(SubOrder.lines))
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .offset((max(page, 1) - 1) * ORDERS_PER_PAGE)
        .limit(ORDERS_PER_PAGE + 1)
    ).all()
    return list(rows[:ORDERS_PER_PAGE]), len(rows) > ORDERS_PER_PAGE


def tab_counts(user_id: int) -> dict[str, int]:
    """How many of the user's orders each tab holds (one query)."""
    columns = [
        sa.func.count(sa.case((condition, 1))).label(tab) for tab, condition in _TAB_FILTERS.items()
    ]
    row = db.session.execute(
        sa.select(sa.func.count(Order.id).label("all"), *columns).where(Order.user_id == user_id)
    ).one()
    return dict(row._mapping)


def thumbnails(orders: list[Order]) -> dict[int, ProductImage]:
    """The first photo of each product in these orders, by product id (one query)."""
    product_ids = {line.product_id for o in orders for sub in o.sub_orders for line in sub.lines}
    if not product_ids:
        return {}
    images = db.session.scalars(
        sa.select(ProductImage)
        .where(ProductImage.product_id.in_(product_ids))
        .order_by(ProductImage.product_id, ProductImage.position.desc(), ProductImage.id.desc())
    )
    return {image.product_id: image for image in images}  # the last one kept: the first photo


def shipment_of(order: Order, sub_order_id: int) -> SubOrder | None:
    """The order's own shipment with this id (None for another order's)."""
    return next((sub for sub in order.sub_orders if sub.id == sub_order_id), None)


@dataclass(frozen=True)
class Cancelled:
    """What the buyer is told after cancelling: from whom, how much, and how it comes back."""

    producer_name: str
    amount: int
    refund_status: RefundStatus | None


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


@use_case
def reorder(order: Order, cart: Cart | None = None) -> Reorder:
    """Add the order's lines to the cart (the visitor's, made on first use) through the cart's
    own rules (listable, in stock); one transaction, committed."""
    if cart is None:
        cart = carts.current_cart(create=True)
    result = Reorder()
    for line in order.lines:
        try:
            carts.add(cart, line.variant_id, line.quantity)
        except Refused:
            result.skipped.append(f"{line.product_name} ({line.variant_label})")
        else:
            result.added += 1
    return result
