"""The sub-order state machine: every allowed and refused move, and what follows from them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from shop.cart.models import Cart, CartLine
from shop.catalog.models import Variant
from shop.checkout.services import Delivery, place_order
from shop.enums import ActorRole, OrderStatus, PaymentMethod, PaymentStatus
from shop.orders import states
from shop.orders.models import SubOrderEvent
from tests.factories import make_product

S = OrderStatus
ALL = list(OrderStatus)


def ward(province: int) -> int:
    from shop import geo

    return geo.wards(province)[0][0]


@pytest.fixture
def order(db, frozen_today):
    """A cash-on-delivery order with two shipments (two producers), 2 + 1 items."""
    one = make_product(variants=[{"price": 100_000, "stock": 5, "sku": "A"}])
    two = make_product(variants=[{"price": 200_000, "stock": 5, "sku": "B"}])
    cart = Cart(token="s" * 43)
    db.session.add(cart)
    db.session.add(CartLine(cart=cart, variant_id=one.variants[0].id, quantity=2))
    db.session.add(CartLine(cart=cart, variant_id=two.variants[0].id, quantity=1))
    db.session.commit()
    delivery = Delivery("Mai", "+84987654321", "mai@example.vn", "1 Lê Duẩn", ward(66), 66)
    return place_order(cart, delivery, PaymentMethod.COD, "o" * 32, 400_000 + 60_000)


def walk(sub, *targets, role="producer"):
    for target in targets:
        kwargs = {"carrier": "GHN", "tracking_number": "GHN123"} if target == S.SHIPPED else {}
        states.transition(sub, target, role=role, actor_id=None, **kwargs)


# The allowed moves, written out: (from, to) → who may make it. Everything else is refused.
P, B, ST, SY = "producer", "buyer", "staff", "system"
ROLES = (P, B, ST, SY)
ALLOWED = {
    (S.PLACED, S.CONFIRMED): {P, ST},
    (S.CONFIRMED, S.PACKED): {P, ST},
    (S.PACKED, S.SHIPPED): {P, ST},
    (S.SHIPPED, S.DELIVERED): {P, ST},
    (S.PLACED, S.CANCELLED): {P, B, ST, SY},
    (S.CONFIRMED, S.CANCELLED): {P, B, ST, SY},
    (S.PACKED, S.CANCELLED): {P, ST, SY},
}


def test_the_table_covers_every_status_and_role():
    assert {status.value for status in ALL} == {
        "placed",
        "confirmed",
        "packed",
        "shipped",
        "delivered",
        "cancelled",
    }
    assert {role.value for role in ActorRole} == set(ROLES)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("source", ALL)
@pytest.mark.parametrize("target", ALL)
def test_each_move_is_allowed_only_to_whom_the_table_says(db, order, source, target, role):
    sub = order.sub_orders[0]
    sub.status = source
    db.session.flush()
    if role in ALLOWED.get((source, target), set()):
        walk(sub, target, role=role)
        assert sub.status == target
        event = db.session.scalars(
            sa.select(SubOrderEvent).where(SubOrderEvent.sub_order_id == sub.id)
        ).one()
        assert (event.from_status, event.to_status, event.actor_role) == (source, target, role)
    else:
        with pytest.raises(states.TransitionRefused):
            walk(sub, target, role=role)
        db.session.expire(sub)
        assert sub.status == source
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SubOrderEvent)) == 0


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("source", ALL)
def test_the_buttons_offered_are_the_tables_moves(db, order, source, role):
    sub = order.sub_orders[0]
    sub.status = source
    offered = {m.target for m in states.allowed_moves(sub, role)}
    assert offered == {to for (frm, to), who in ALLOWED.items() if frm == source and role in who}


@pytest.mark.parametrize(
    "shipments, order_status",
    [
        ({S.PLACED}, S.PLACED),
        ({S.PLACED, S.CANCELLED}, S.PLACED),
        ({S.PLACED, S.CONFIRMED}, S.CONFIRMED),
        ({S.CONFIRMED}, S.CONFIRMED),
        ({S.PACKED}, S.CONFIRMED),
        ({S.PLACED, S.SHIPPED}, S.CONFIRMED),
        ({S.PACKED, S.DELIVERED}, S.CONFIRMED),
        ({S.SHIPPED}, S.SHIPPED),
        ({S.SHIPPED, S.DELIVERED}, S.SHIPPED),
        ({S.SHIPPED, S.CANCELLED}, S.SHIPPED),
        ({S.DELIVERED}, S.DELIVERED),
        ({S.DELIVERED, S.CANCELLED}, S.DELIVERED),
        ({S.CANCELLED}, S.CANCELLED),
    ],
)
def test_the_orders_status_is_what_its_shipments_add_up_to(shipments, order_status):
    assert states.derived_status(shipments) == order_status


@pytest.mark.parametrize(
    "source, role, allowed",
    [
        (S.PLACED, "buyer", True),
        (S.CONFIRMED, "buyer", True),
        (S.PACKED, "buyer", False),
        (S.PACKED, "producer", True),
        (S.SHIPPED, "staff", False),
    ],
)
def test_who_may_cancel(db, order, source, role, allowed):
    sub = order.sub_orders[0]
    sub.status = source
    if allowed:
        walk(sub, S.CANCELLED, role=role)
    else:
        with pytest.raises(states.TransitionRefused):
            walk(sub, S.CANCELLED, role=role)


def test_the_buyer_cannot_move_a_shipment_along(db, order):
    with force_locale("en"), pytest.raises(states.TransitionRefused, match="may not"):
        walk(order.sub_orders[0], S.CONFIRMED, role="buyer")


def test_shipping_needs_a_carrier_and_a_tracking_number(db, order):
    sub = order.sub_orders[0]
    walk(sub, S.CONFIRMED, S.PACKED)
    with force_locale("en"), pytest.raises(states.TransitionRefused, match="tracking"):
        states.transition(sub, S.SHIPPED, role="producer", actor_id=None, carrier="GHN")
    walk(sub, S.SHIPPED)
    assert (sub.carrier, sub.tracking_number) == ("GHN", "GHN123")


def test_each_move_is_recorded_in_the_timeline(db, order):
    sub = order.sub_orders[0]
    walk(sub, S.CONFIRMED, S.PACKED, S.SHIPPED, S.DELIVERED)
    db.session.flush()
    events = db.session.scalars(
        sa.select(SubOrderEvent)
        .where(SubOrderEvent.sub_order_id == sub.id)
        .order_by(SubOrderEvent.id)
    ).all()
    assert [(e.from_status, e.to_status) for e in events] == [
        (S.PLACED, S.CONFIRMED),
        (S.CONFIRMED, S.PACKED),
        (S.PACKED, S.SHIPPED),
        (S.SHIPPED, S.DELIVERED),
    ]


def test_cancelling_restores_the_shipments_stock_only(db, order):
    first, second = order.sub_orders
    walk(first, S.CANCELLED, role="buyer")
    db.session.flush()
    stock = dict(db.session.execute(sa.select(Variant.sku, Variant.stock)).all())
    moved = {line.sku for line in first.lines}
    for sku, left in stock.items():
        assert left == (5 if sku in moved else 4)
    assert order.status == S.PLACED  # the other shipment lives on


def test_the_order_follows_its_shipments_and_cash_is_paid_on_delivery(db, order):
    first, second = order.sub_orders
    walk(first, S.CONFIRMED)
    assert order.status == S.CONFIRMED
    walk(first, S.PACKED, S.SHIPPED, S.DELIVERED)
    walk(second, S.CONFIRMED, S.PACKED, S.SHIPPED)
    assert order.status == S.SHIPPED and order.payment_status == PaymentStatus.UNPAID
    walk(second, S.DELIVERED)
    assert order.status == S.DELIVERED and order.payment_status == PaymentStatus.PAID


def test_an_order_whose_shipments_are_all_cancelled_is_cancelled(db, order):
    for sub in order.sub_orders:
        walk(sub, S.CANCELLED, role="staff")
    assert order.status == S.CANCELLED and order.cancelled_at is not None


def test_a_cancelled_paid_shipment_is_flagged_for_refund(db, order):
    order.payment_method = PaymentMethod.BANK_TRANSFER
    order.payment_status = PaymentStatus.PAID
    walk(order.sub_orders[0], S.CANCELLED)
    assert order.sub_orders[0].refund_status == "manual"
    order.payment_method = PaymentMethod.CARD
    walk(order.sub_orders[1], S.CANCELLED)
    assert order.sub_orders[1].refund_status == "card_pending"


@pytest.mark.parametrize("method", [PaymentMethod.BANK_TRANSFER, PaymentMethod.CARD])
def test_a_prepaid_order_is_not_shipped_before_it_is_paid(db, order, method):
    """Transfer and card orders may be confirmed and packed while unpaid, not shipped."""
    from shop.payments import services as payments

    order.payment_method = method
    sub = order.sub_orders[0]
    walk(sub, S.CONFIRMED, S.PACKED)
    assert S.SHIPPED not in {m.target for m in states.allowed_moves(sub, "producer")}
    with pytest.raises(states.TransitionRefused) as refused:
        walk(sub, S.SHIPPED)
    with force_locale("en"):
        assert "has not paid yet" in str(refused.value.message)
    assert (sub.status, sub.carrier) == (S.PACKED, None)

    assert payments.mark_paid(order, method)
    assert S.SHIPPED in {m.target for m in states.allowed_moves(sub, "producer")}
    walk(sub, S.SHIPPED)
    assert sub.status == S.SHIPPED
