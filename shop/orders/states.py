"""The sub-order state machine: the one place that says which move is allowed, and by whom.

    placed → confirmed → packed → shipped (carrier, tracking) → delivered
    placed, confirmed, packed → cancelled

The producer moves its own shipments along; the buyer may cancel until the shipment is
packed; staff may do what the producer can. Every move is recorded as a SubOrderEvent, and
the order's own status and payment status follow from its shipments.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from shop import clock
from shop.enums import OrderStatus, PaymentMethod, PaymentStatus
from shop.extensions import db
from shop.orders.models import Order, SubOrder, SubOrderEvent

S = OrderStatus
PRODUCER, BUYER, STAFF = "producer", "buyer", "staff"


@dataclass(frozen=True)
class Move:
    """An allowed transition and who may make it."""

    source: OrderStatus
    target: OrderStatus
    roles: frozenset[str]
    label: object


MOVES = (
    Move(S.PLACED, S.CONFIRMED, frozenset({PRODUCER, STAFF}), _l("Confirm")),
    Move(S.CONFIRMED, S.PACKED, frozenset({PRODUCER, STAFF}), _l("Mark as packed")),
    Move(S.PACKED, S.SHIPPED, frozenset({PRODUCER, STAFF}), _l("Mark as shipped")),
    Move(S.SHIPPED, S.DELIVERED, frozenset({PRODUCER, STAFF}), _l("Mark as delivered")),
    Move(S.PLACED, S.CANCELLED, frozenset({PRODUCER, BUYER, STAFF}), _l("Cancel")),
    Move(S.CONFIRMED, S.CANCELLED, frozenset({PRODUCER, BUYER, STAFF}), _l("Cancel")),
    Move(S.PACKED, S.CANCELLED, frozenset({PRODUCER, STAFF}), _l("Cancel")),
)

STATUS_LABELS = {
    S.PLACED: _l("placed"),
    S.CONFIRMED: _l("confirmed"),
    S.PACKED: _l("packed"),
    S.SHIPPED: _l("shipped"),
    S.DELIVERED: _l("delivered"),
    S.CANCELLED: _l("cancelled"),
}


class TransitionRefused(Exception):
    """A move that is not allowed from this status, or not for this person."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def awaits_payment(order: Order) -> bool:
    """A bank transfer or card order not paid yet: its parcels must not leave."""
    return order.payment_method != PaymentMethod.COD and order.payment_status != PaymentStatus.PAID


def allowed_moves(sub_order: SubOrder, role: str) -> list[Move]:
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


def transition(
    sub_order: SubOrder,
    target: OrderStatus,
    *,
    role: str,
    actor_id: int | None,
    carrier: str = "",
    tracking_number: str = "",
    note: str = "",
) -> SubOrderEvent:
    """Move a shipment to `target`, or raise TransitionRefused with a clear message."""
    move = find_move(sub_order.status, target)
    if move is None:
        raise TransitionRefused(
            _l(
                "A shipment that is %(current)s cannot become %(target)s.",
                current=STATUS_LABELS[sub_order.status],
                target=STATUS_LABELS[target],
            )
        )
    if role not in move.roles:
        raise TransitionRefused(_l("You may not make this change to the shipment."))
    if target == S.SHIPPED:
        if awaits_payment(sub_order.order):
            raise TransitionRefused(
                _l("The buyer has not paid yet: ship once the payment is confirmed.")
            )
        if not carrier.strip() or not tracking_number.strip():
            raise TransitionRefused(_l("Give the carrier and the tracking number."))
        sub_order.carrier, sub_order.tracking_number = (
            carrier.strip()[:80],
            tracking_number.strip()[:80],
        )
    event = SubOrderEvent(
        sub_order=sub_order,
        from_status=sub_order.status,
        to_status=target,
        actor_id=actor_id,
        actor_role=role,
        note=note.strip()[:300],
    )
    db.session.add(event)
    sub_order.status = target
    if target == S.CANCELLED:
        from shop.orders.cancellation import after_cancel

        after_cancel(sub_order)
    follow_order(sub_order.order)
    return event


def follow_order(order: Order) -> None:
    """Derive the order's status and payment status from its shipments."""
    statuses = {sub.status for sub in order.sub_orders}
    live = statuses - {S.CANCELLED}
    if not live:
        order.status = S.CANCELLED
        order.cancelled_at = order.cancelled_at or clock.utcnow()
    elif live == {S.DELIVERED}:
        order.status = S.DELIVERED
    elif live <= {S.SHIPPED, S.DELIVERED}:
        order.status = S.SHIPPED
    elif S.PLACED in live and len(live) == 1:
        order.status = S.PLACED
    else:
        order.status = S.CONFIRMED
    if (
        order.payment_method == PaymentMethod.COD
        and order.status == S.DELIVERED
        and order.payment_status == PaymentStatus.UNPAID
    ):
        from shop.payments.services import mark_paid

        mark_paid(order, PaymentMethod.COD)  # cash on delivery is paid when it is delivered
