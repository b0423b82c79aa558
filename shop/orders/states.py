"""The sub-order state machine: the one place that says which move is allowed, and by whom.

    placed → confirmed → packed → shipped (carrier, tracking) → delivered
    placed, confirmed, packed → cancelled

The producer moves its own shipments along; the buyer may cancel until the shipment is
packed; staff may do what the producer can; the shop itself (SYSTEM) cancels what is left of
an unpaid card or transfer order when its hold runs out.

How a move is made (`transition`): the order's row is locked (`lock_order`), so that every
change to one order and its shipments happens one at a time and reads fresh rows; the move
itself is one conditional UPDATE (`… SET status = :to WHERE id = :id AND status = :from`,
shop.conditional.change), and only if that UPDATE changed the row does anything follow: the
timeline event, the stock and the refund flag of a cancellation, the order's own status and
payment, the e-mails, and the work hung on the commit (a card refund, the Stripe intent).
A request that lost the race changes nothing and is told what happened instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from shop import clock
from shop.conditional import change
from shop.enums import ActorRole, OrderStatus, PaymentMethod, PaymentStatus
from shop.errors import Refused
from shop.extensions import db
from shop.labels import ORDER_STATUS_LABELS
from shop.orders.models import Order, SubOrder, SubOrderEvent

S = OrderStatus
PRODUCER, BUYER, STAFF, SYSTEM = (
    ActorRole.PRODUCER,
    ActorRole.BUYER,
    ActorRole.STAFF,
    ActorRole.SYSTEM,
)
BY_THE_SHOP = frozenset({PRODUCER, STAFF, SYSTEM})


@dataclass(frozen=True)
class Move:
    """An allowed transition and who may make it."""

    source: OrderStatus
    target: OrderStatus
    roles: frozenset[ActorRole]
    label: object


MOVES = (
    Move(S.PLACED, S.CONFIRMED, frozenset({PRODUCER, STAFF}), _l("Confirm")),
    Move(S.CONFIRMED, S.PACKED, frozenset({PRODUCER, STAFF}), _l("Mark as packed")),
    Move(S.PACKED, S.SHIPPED, frozenset({PRODUCER, STAFF}), _l("Mark as shipped")),
    Move(S.SHIPPED, S.DELIVERED, frozenset({PRODUCER, STAFF}), _l("Mark as delivered")),
    Move(S.PLACED, S.CANCELLED, BY_THE_SHOP | {BUYER}, _l("Cancel")),
    Move(S.CONFIRMED, S.CANCELLED, BY_THE_SHOP | {BUYER}, _l("Cancel")),
    Move(S.PACKED, S.CANCELLED, BY_THE_SHOP, _l("Cancel")),
)


class TransitionRefused(Refused):
    """A move that is not allowed from this status, or not for this person."""


class AlreadyThere(TransitionRefused):
    """The shipment already is where the person wanted it: a double click, or a race lost to
    another request (another tab, the producer, the hold running out)."""

    category = "info"

    def __init__(self, status: OrderStatus):
        super().__init__(
            _l("This shipment is already %(status)s.", status=ORDER_STATUS_LABELS[status])
        )


def awaits_payment(order: Order) -> bool:
    """A bank transfer or card order not paid yet: its parcels must not leave."""
    return order.payment_method != PaymentMethod.COD and order.payment_status != PaymentStatus.PAID


def allowed_moves(sub_order: SubOrder, role: ActorRole) -> list[Move]:
    """The moves this role may make now (the buttons to show)."""
    return [
        m
        for m in MOVES
        if m.source == sub_order.status
        and role in m.roles
        and not (m.target == S.SHIPPED and awaits_payment(sub_order.order))
    ]


def find_move(source: OrderStatus, target: OrderStatus) -> Move | None:
    return next((m for m in MOVES if m.source == source and m.target == target), None)


def lock_order(order_id: int, session: Session | None = None) -> Order:
    """Take the order's row for the rest of the transaction and read it and its shipments
    afresh: every change to one order happens one at a time, on what is really there.

    PostgreSQL locks the row (FOR NO KEY UPDATE: inserting rows that refer to the order is
    not blocked). SQLite has no row locks: a write takes its one write lock, which a
    transaction then keeps until it ends. Locks are always taken order first, then its
    shipments, then variants in id order, so two transactions cannot wait for each other.
    """
    session = session or db.session()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            sa.select(Order.id).where(Order.id == order_id).with_for_update(key_share=True)
        )
    else:
        session.execute(
            sa.update(Order)
            .where(Order.id == order_id)
            .values(id=Order.id)
            .execution_options(synchronize_session=False)
        )
    order = session.get(Order, order_id, populate_existing=True)
    session.scalars(
        sa.select(SubOrder)
        .where(SubOrder.order_id == order_id)
        .execution_options(populate_existing=True)
    ).all()
    return order


def _check(sub_order: SubOrder, target: OrderStatus, role: ActorRole, carrier: str, tracking: str):
    """The move's own rules; raises TransitionRefused with the reason."""
    if sub_order.status == target:
        raise AlreadyThere(target)
    move = find_move(sub_order.status, target)
    if move is None:
        raise TransitionRefused(
            _l(
                "A shipment that is %(current)s cannot become %(target)s.",
                current=ORDER_STATUS_LABELS[sub_order.status],
                target=ORDER_STATUS_LABELS[target],
            )
        )
    if role not in move.roles:
        raise TransitionRefused(_l("You may not make this change to the shipment."))
    if target == S.SHIPPED:
        if awaits_payment(sub_order.order):
            raise TransitionRefused(
                _l("The buyer has not paid yet: ship once the payment is confirmed.")
            )
        if not carrier.strip() or not tracking.strip():
            raise TransitionRefused(
                _l("Give the carrier and the tracking number."),
                field="tracking_number" if carrier.strip() else "carrier",
            )


def transition(
    sub_order: SubOrder,
    target: OrderStatus,
    *,
    role: ActorRole,
    actor_id: int | None,
    carrier: str = "",
    tracking_number: str = "",
    note: str = "",
    cancel_reason: str | None = None,
) -> SubOrderEvent:
    """Move a shipment to `target`, or raise TransitionRefused with a clear message.

    In the caller's transaction (the caller commits). See the module's docstring for what
    follows a move, and only a move this call made.
    """
    order = lock_order(sub_order.order_id)
    _check(sub_order, target, role, carrier, tracking_number)
    source = sub_order.status
    extra = {}
    if target == S.SHIPPED:
        extra = {"carrier": carrier.strip()[:80], "tracking_number": tracking_number.strip()[:80]}
    if target == S.CANCELLED and cancel_reason:
        extra = {"cancel_reason": cancel_reason}  # set by the same conditional UPDATE
    if not change(sub_order, SubOrder.status == source, status=target, **extra):
        if sub_order.status == target:  # (cannot happen under the lock; never act twice)
            raise AlreadyThere(target)
        raise TransitionRefused(_l("This shipment was changed meanwhile. Look at it again."))
    event = SubOrderEvent(
        sub_order=sub_order,
        from_status=source,
        to_status=target,
        actor_id=actor_id,
        actor_role=role,
        note=note.strip()[:300],
    )
    db.session.add(event)
    if target == S.CANCELLED:
        from shop.orders.cancellation import after_cancel

        after_cancel(sub_order)
    if target == S.DELIVERED:
        from shop.ledger.services import shipment_delivered

        shipment_delivered(sub_order)  # cash collected, or the day the money is payable
    follow_order(order)
    from shop.orders import notices

    notices.after_move(sub_order, event)
    return event


def derived_status(statuses: set[OrderStatus]) -> OrderStatus:
    """The order's status, from its shipments' statuses."""
    live = statuses - {S.CANCELLED}
    if not live:
        return S.CANCELLED
    if live == {S.DELIVERED}:
        return S.DELIVERED
    if live <= {S.SHIPPED, S.DELIVERED}:
        return S.SHIPPED
    if live == {S.PLACED}:
        return S.PLACED
    return S.CONFIRMED


def follow_order(order: Order) -> None:
    """Derive the order's status and payment status from its shipments (order locked).

    Both are conditional updates of the order's row; cash on delivery is paid when delivered.
    """
    statuses = set(
        db.session.scalars(sa.select(SubOrder.status).where(SubOrder.order_id == order.id))
    )
    status = derived_status(statuses)
    values: dict = {}
    if status != order.status:
        values["status"] = status
    if status == S.CANCELLED and order.cancelled_at is None:
        values["cancelled_at"] = clock.utcnow()
    if values:
        change(order, Order.status == order.status, **values)
    if (
        order.payment_method == PaymentMethod.COD
        and order.status == S.DELIVERED
        and order.payment_status == PaymentStatus.UNPAID
    ):
        from shop.payments.services import mark_paid

        mark_paid(order, PaymentMethod.COD)  # cash on delivery is paid when it is delivered
