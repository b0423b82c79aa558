"""Who hears of a cancellation, and how an unpaid order's hold running out cancels it.

A cancellation someone else made is told by e-mail: the producer hears of the buyer's, the
buyer of the producer's, and when an unpaid card or transfer order's hold runs out the shop
cancels each shipment through the state machine (an event on each timeline, each producer
told) and tells the buyer once.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from shop import clock
from shop.catalog.models import Variant
from shop.checkout.services import release_expired_holds
from shop.enums import OrderStatus, PaymentMethod, PaymentStatus
from shop.mail import OutboxMessage
from shop.orders.models import Order, SubOrderEvent
from shop.payments.models import Payment
from tests.factories import make_producer, make_product, make_user
from tests.integration.test_buyer_orders import place_for, post, sign_in, walk

S = OrderStatus


@pytest.fixture
def world(db, frozen_today):
    """Coffee (100k, 30k shipping) and honey (200k, 30k shipping), 5 of each, and a buyer."""
    coffee = make_product(
        make_producer(name="HTX Cà phê Cư M'gar"),
        name="Cà phê hạt",
        variants=[{"price": 100_000, "stock": 5, "label": "Túi 500g"}],
    )
    honey = make_product(
        make_producer(name="HTX Mật ong Mèo Vạc"),
        name="Mật ong bạc hà",
        variants=[{"price": 200_000, "stock": 5, "label": "Chai 500ml"}],
    )
    buyer = make_user(full_name="Trần Thị Mai", email="mai@example.vn")
    db.session.commit()
    return {"coffee": coffee, "honey": honey, "buyer": buyer}


def mails_after(db, first_id: int) -> list[OutboxMessage]:
    return db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.id > first_id).order_by(OutboxMessage.id)
    ).all()


def last_mail_id(db) -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(OutboxMessage.id), 0)))


def stocks(db, *products) -> tuple[int, ...]:
    db.session.expire_all()
    return tuple(db.session.get(Variant, p.variants[0].id).stock for p in products)


def test_the_producers_cancellation_tells_the_buyer_once_with_the_reason_and_what_is_left_to_pay(
    app, db, world
):
    order = place_for(db, world["buyer"], (world["coffee"], 2), (world["honey"], 1))
    coffee_shipment = order.sub_orders[0]
    before = last_mail_id(db)
    producer = sign_in(app, db, world["coffee"].producer.owner)

    post(
        producer,
        f"/producer/orders/{coffee_shipment.id}/move",
        target="cancelled",
        note="Hết hàng vụ này",
    )

    (mail,) = mails_after(db, before)
    assert mail.recipient == "mai@example.vn"
    assert order.number in mail.subject and "HTX Cà phê Cư M'gar" in mail.subject
    assert "Xin chào Trần Thị Mai" in mail.body  # the buyer's mail is in Vietnamese
    assert "Hết hàng vụ này" in mail.body
    assert "Cà phê hạt (Túi 500g) × 2" in mail.body
    assert "230.000\xa0₫" in mail.body  # the honey and its shipping, still to pay in cash
    assert "/orders/" + order.number + "?key=" in mail.body


def test_the_buyers_cancellation_tells_the_producer_and_not_the_buyer(app, db, world):
    order = place_for(db, world["buyer"], (world["coffee"], 2))
    before = last_mail_id(db)
    buyer = sign_in(app, db, world["buyer"])

    post(buyer, f"/orders/{order.number}/shipments/{order.sub_orders[0].id}/cancel")

    assert [m.recipient for m in mails_after(db, before)] == [world["coffee"].producer.owner.email]


@pytest.fixture
def transfer_order(db, world):
    """The buyer's unpaid bank-transfer order: 2 coffee and 1 honey, two shipments."""
    return place_for(
        db,
        world["buyer"],
        (world["coffee"], 2),
        (world["honey"], 1),
        method=PaymentMethod.BANK_TRANSFER,
    )


def after_the_hold(frozen_today, expires: dt.datetime) -> None:
    """Move the shop's clock a minute past `expires` (a stored UTC time)."""
    frozen_today(expires.replace(tzinfo=dt.UTC).astimezone(clock.SHOP_TZ) + dt.timedelta(minutes=1))


def test_when_the_hold_runs_out_the_shop_cancels_each_shipment_records_it_and_tells_everyone_once(
    db, world, transfer_order, frozen_today
):
    order = transfer_order
    coffee_shipment, honey_shipment = order.sub_orders
    walk(coffee_shipment, S.CONFIRMED, S.PACKED)  # packed while waiting for the money
    db.session.commit()
    assert stocks(db, world["coffee"], world["honey"]) == (3, 4)
    before = last_mail_id(db)
    after_the_hold(frozen_today, order.hold_expires_at)

    assert release_expired_holds() == 1
    assert release_expired_holds() == 0

    assert stocks(db, world["coffee"], world["honey"]) == (5, 5)
    order = db.session.get(Order, order.id)
    assert order.status == S.CANCELLED and order.payment_status == PaymentStatus.CANCELLED
    for sub, source in ((coffee_shipment, S.PACKED), (honey_shipment, S.PLACED)):
        (event,) = db.session.scalars(
            sa.select(SubOrderEvent).where(
                SubOrderEvent.sub_order_id == sub.id, SubOrderEvent.to_status == S.CANCELLED
            )
        ).all()
        assert (event.from_status, event.actor_role, event.actor_id) == (source, "system", None)
    attempts = db.session.scalars(sa.select(Payment.status).where(Payment.order_id == order.id))
    assert set(attempts) == {PaymentStatus.CANCELLED}
    mails = mails_after(db, before)
    assert sorted(m.recipient for m in mails) == sorted(
        [
            "mai@example.vn",
            world["coffee"].producer.owner.email,
            world["honey"].producer.owner.email,
        ]
    )
    to_buyer = next(m for m in mails if m.recipient == "mai@example.vn")
    assert order.number in to_buyer.subject
    assert "Cà phê hạt (Túi 500g) × 2" in to_buyer.body and "Mật ong bạc hà" in to_buyer.body
    to_coffee = next(m for m in mails if m.recipient == world["coffee"].producer.owner.email)
    assert "Cà phê hạt (Túi 500g) × 2" in to_coffee.body and "Mật ong" not in to_coffee.body


def test_an_order_paid_before_the_hold_ran_out_is_kept(db, world, transfer_order, frozen_today):
    from shop.payments import services as payments

    expires = transfer_order.hold_expires_at
    assert payments.mark_paid(transfer_order, PaymentMethod.BANK_TRANSFER)
    db.session.commit()
    after_the_hold(frozen_today, expires)

    assert release_expired_holds() == 0

    assert stocks(db, world["coffee"], world["honey"]) == (3, 4)
    order = db.session.get(Order, transfer_order.id)
    assert order.payment_status == PaymentStatus.PAID and order.cancelled_at is None


def test_a_card_order_switched_to_cash_is_no_longer_held(
    db, world, frozen_today, stripe_free_card_app
):
    from shop.payments import services as payments

    order = place_for(db, world["buyer"], (world["coffee"], 1), method=PaymentMethod.CARD)
    expires = order.hold_expires_at
    payments.switch_method(order, PaymentMethod.COD)
    after_the_hold(frozen_today, expires)

    assert release_expired_holds() == 0
    assert stocks(db, world["coffee"]) == (4,)


@pytest.fixture
def stripe_free_card_app(app):
    """Cards offered (a key is set) though no test here reaches Stripe."""
    app.config["STRIPE_SECRET_KEY"] = "sk_test_unused"
    return app


def test_a_buyer_cannot_switch_a_transfer_order_to_another_way_to_pay(
    db, world, transfer_order, app
):
    buyer = sign_in(app, db, world["buyer"])
    page = post(buyer, f"/orders/{transfer_order.number}/payment-method", method="cod")
    assert "This order can no longer change its payment." in page.get_data(as_text=True)
    db.session.expire_all()
    order = db.session.get(Order, transfer_order.id)
    assert order.payment_method == PaymentMethod.BANK_TRANSFER
    assert order.hold_expires_at is not None
