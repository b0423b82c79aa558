"""Unpaid card and transfer orders hold stock for a while, and nobody may hold too much.

An account and a browser may each have only so many unpaid card or transfer orders open at
once (MAX_UNPAID_ORDERS_PER_ACCOUNT, MAX_UNPAID_ORDERS_PER_BROWSER); the hold lasts
PAYMENT_HOLD_MINUTES. Producers see, per variant, what is in stock, what unpaid orders
reserve and what is sold.
"""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
import sqlalchemy as sa

from shop import geo
from shop.cart.models import Cart, CartLine
from shop.checkout.services import Delivery
from shop.enums import OrderStatus, PaymentMethod
from shop.mail import OutboxMessage
from shop.orders.models import Order
from shop.payments import services as payments
from tests.concurrency import Race
from tests.conftest import IsolatedClient, csrf_from
from tests.factories import PASSWORD, make_product, make_user
from tests.integration.test_buyer_orders import place_for, sign_in, walk
from tests.integration.test_checkout_twice import (
    DETAILS,
    add,
    give_details,
    orders,
    review,
    signed_in,
    stock,
)
from tests.integration.test_checkout_twice import place as place_form

DAK_LAK = 66
LIMIT_REACHED = "You already have 2 orders waiting for payment."


@pytest.fixture
def world(db, frozen_today):
    """Coffee (150k) and honey (120k), 20 of each, from two producers."""
    coffee = make_product(name="Cà phê hạt", variants=[{"price": 150_000, "stock": 20}])
    honey = make_product(name="Mật ong", variants=[{"price": 120_000, "stock": 20}])
    db.session.commit()
    return {"coffee": coffee, "honey": honey}


@pytest.fixture
def shopper(app):
    app.test_client_class = IsolatedClient
    client = app.test_client()
    client.set_cookie("lang", "en")
    return client


def buy(client, product, method: str = "bank_transfer"):
    """Put one of `product` in the cart and place it through the pages; the last answer."""
    add(client, product, 1)
    give_details(client, payment_method=method)
    return place_form(client, review(client))


def details_for(client, method: str):
    """Send the delivery details choosing `method`; the answer."""
    token = csrf_from(client.get("/checkout").get_data(as_text=True))
    return client.post("/checkout", data={**DETAILS, "payment_method": method, "csrf_token": token})


def test_an_unpaid_transfer_order_holds_its_stock_for_the_configured_window(
    app, db, shopper, world
):
    add(shopper, world["coffee"], 1)
    give_details(shopper, payment_method="bank_transfer")
    html = shopper.get("/checkout/review").get_data(as_text=True)
    assert "We keep the items for you for 2 hours" in html
    place_form(shopper, review(shopper))
    app.config["PAYMENT_HOLD_MINUTES"] = 45
    buy(shopper, world["honey"])

    first, second = orders(db)
    assert first.hold_expires_at - first.placed_at == dt.timedelta(minutes=120)  # the default
    assert second.hold_expires_at - second.placed_at == dt.timedelta(minutes=45)
    confirmation = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.subject.contains(second.number))
    ).one()
    assert "Vui lòng thanh toán trước" in confirmation.body  # pay by: the deadline, in Vietnamese
    assert buy(shopper, world["coffee"], method="cod").location.startswith("/orders/")
    assert orders(db)[-1].hold_expires_at is None  # cash on delivery holds nothing on a timer


def test_an_account_at_its_limit_of_unpaid_orders_is_told_why_and_may_still_pay_cash(
    app, db, world
):
    buyer = make_user(email="mai@example.vn")
    db.session.commit()
    phone = signed_in(app, buyer)
    for product in (world["coffee"], world["honey"]):
        assert buy(phone, product).location.startswith("/orders/")
    laptop = signed_in(app, buyer)  # another browser: the account's limit still holds
    add(laptop, world["coffee"], 3)

    refused = details_for(laptop, "bank_transfer")

    assert refused.status_code == 200  # the details page again, the reason on the field
    assert LIMIT_REACHED in refused.get_data(as_text=True)
    assert len(orders(db)) == 2 and stock(db, world["coffee"]) == 19
    assert buy(laptop, world["honey"], method="cod").location.startswith("/orders/")
    assert stock(db, world["coffee"]) == 16  # the three in the cart, by cash on delivery


def test_a_review_opened_before_the_limit_was_reached_is_refused_when_placed(app, db, world):
    buyer = make_user(email="mai@example.vn")
    db.session.commit()
    laptop = signed_in(app, buyer)
    add(laptop, world["honey"], 1)
    give_details(laptop, payment_method="bank_transfer")
    stale = review(laptop)  # reviewed while there was room
    for _ in range(2):  # meanwhile, elsewhere
        place_for(db, buyer, (world["coffee"], 1), method=PaymentMethod.BANK_TRANSFER)

    answer = place_form(laptop, stale)

    assert answer.location == "/checkout"
    assert LIMIT_REACHED in laptop.get("/checkout").get_data(as_text=True)
    assert len(orders(db)) == 2 and stock(db, world["honey"]) == 20
    assert stock(db, world["coffee"]) == 18


def test_a_browser_is_limited_whoever_is_signed_in(app, db, shopper, world):
    for product in (world["coffee"], world["honey"]):
        assert buy(shopper, product).location.startswith("/orders/")  # as a guest
    newcomer = make_user(email="newcomer@example.vn")
    db.session.commit()
    token = csrf_from(shopper.get("/login").get_data(as_text=True))
    logged_in = shopper.post(
        "/login", data={"email": newcomer.email, "password": PASSWORD, "csrf_token": token}
    )
    assert logged_in.status_code == 302
    add(shopper, world["coffee"], 1)

    refused = details_for(shopper, "bank_transfer")

    assert LIMIT_REACHED in refused.get_data(as_text=True)
    assert details_for(shopper, "cod").location == "/checkout/review"


def test_paying_or_cancelling_an_unpaid_order_makes_room_again(app, db, world):
    from shop.checkout import holds

    buyer = make_user(email="mai@example.vn")
    db.session.commit()
    first = place_for(db, buyer, (world["coffee"], 1), method=PaymentMethod.BANK_TRANSFER)
    second = place_for(db, buyer, (world["honey"], 1), method=PaymentMethod.BANK_TRANSFER)
    with pytest.raises(holds.TooManyUnpaid):
        holds.check_room(PaymentMethod.BANK_TRANSFER, buyer.id, None)
    holds.check_room(PaymentMethod.COD, buyer.id, None)  # never limited

    assert payments.mark_paid(first, PaymentMethod.BANK_TRANSFER)
    db.session.commit()
    holds.check_room(PaymentMethod.BANK_TRANSFER, buyer.id, None)
    third = place_for(db, buyer, (world["coffee"], 1), method=PaymentMethod.BANK_TRANSFER)
    with pytest.raises(holds.TooManyUnpaid):
        holds.check_room(PaymentMethod.CARD, buyer.id, None)

    walk(second.sub_orders[0], OrderStatus.CANCELLED, role="buyer")
    db.session.commit()
    holds.check_room(PaymentMethod.BANK_TRANSFER, buyer.id, None)
    assert third.cancelled_at is None


def test_placements_at_once_from_one_browser_never_pass_its_limit(app, db, world):
    from shop.checkout import holds
    from shop.checkout.services import place

    delivery = Delivery(
        "Mai", "+84987654321", "mai@example.vn", "1 Lê Duẩn", geo.wards(DAK_LAK)[0][0], DAK_LAK
    )
    carts = []
    for _ in range(4):
        cart = Cart(token=secrets.token_urlsafe(32))
        db.session.add(cart)
        db.session.add(CartLine(cart=cart, variant_id=world["coffee"].variants[0].id, quantity=1))
        db.session.flush()
        carts.append(cart.id)
    db.session.commit()
    outcomes: list[str] = []

    def place_from(cart_id: int) -> None:
        with app.app_context():
            from shop.extensions import db as scoped

            try:
                placed = place(
                    scoped.session.get(Cart, cart_id),
                    delivery,
                    PaymentMethod.BANK_TRANSFER,
                    secrets.token_hex(16),
                    150_000 + 30_000,
                    browser_key="b" * 32,
                )
                outcomes.append("placed" if placed.created else "again")
            except holds.TooManyUnpaid:
                outcomes.append("refused")
            finally:
                scoped.session.remove()

    with Race(db, rows=[(Cart, cart_id) for cart_id in carts]) as race:
        for cart_id in carts:
            race.start(place_from, cart_id)

    assert sorted(outcomes) == ["placed", "placed", "refused", "refused"]
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 2
    assert stock(db, world["coffee"]) == 18


def test_the_producer_sees_per_variant_what_is_in_stock_reserved_and_sold(app, db, world):
    coffee = world["coffee"]
    buyer = make_user()
    db.session.commit()
    place_for(db, buyer, (coffee, 2), method=PaymentMethod.BANK_TRANSFER)  # reserved
    paid = place_for(db, make_user(), (coffee, 3), method=PaymentMethod.BANK_TRANSFER)
    assert payments.mark_paid(paid, PaymentMethod.BANK_TRANSFER)
    db.session.commit()
    place_for(db, make_user(), (coffee, 4))  # cash on delivery: sold
    cancelled = place_for(db, make_user(), (coffee, 5))
    walk(cancelled.sub_orders[0], OrderStatus.CANCELLED, role="buyer")  # back in stock
    db.session.commit()
    producer = sign_in(app, db, coffee.producer.owner)

    page = producer.get(f"/producer/products/{coffee.id}").get_data(as_text=True)

    row = page.split('data-testid="variant"', 1)[1].split("</tr>", 1)[0]
    assert 'data-testid="in-stock">11<' in row  # 20 - 2 - 3 - 4
    assert 'data-testid="reserved">2<' in row
    assert 'data-testid="sold">7<' in row
    assert "come back in stock if the payment does not arrive within 2 hours" in page
    variant_page = producer.get(
        f"/producer/products/{coffee.id}/variants/{coffee.variants[0].id}"
    ).get_data(as_text=True)
    assert "Reserved by orders not paid yet: 2 · sold: 7." in variant_page
