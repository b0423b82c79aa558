"""A double click that takes the last units: both submits must answer with the one order.

Found by the load test: a submit that read the cart before the other submit of the same
form committed, and then waited for the variant lock, found the stock gone and answered
"sold out" (or, a moment later, "your cart is empty") although the order was placed. Now
place_order() looks the form's key up again after any refused attempt and answers with
that order.
"""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from shop import geo
from shop.cart.models import Cart, CartLine
from shop.catalog.models import Variant
from shop.checkout.services import Delivery, place_order
from shop.enums import PaymentMethod
from shop.orders.models import Order
from tests.factories import make_product

pytestmark = pytest.mark.postgres
DAK_LAK = 66


def waiting_for_locks(db) -> int:
    with db.engine.connect() as connection:  # a new transaction: a fresh activity snapshot
        return connection.scalar(
            sa.text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )


def test_two_submits_of_one_form_for_the_last_units_both_answer_the_order(app, db, frozen_today):
    product = make_product(variants=[{"price": 50_000, "stock": 1, "sku": "LAST-1"}])
    variant_id = product.variants[0].id
    cart = Cart(token="l" * 43, lines=[CartLine(variant_id=variant_id, quantity=1)])
    db.session.add(cart)
    db.session.commit()
    cart_id = cart.id
    delivery = Delivery(
        "Mai", "+84987654321", "mai@example.vn", "1 Lê Duẩn", geo.wards(DAK_LAK)[0][0], DAK_LAK
    )
    answers: list[str] = []

    def submit() -> None:
        with app.app_context():
            from shop.extensions import db as scoped

            try:
                order = place_order(
                    scoped.session.get(Cart, cart_id),
                    delivery,
                    PaymentMethod.COD,
                    "same-form-key-" + "0" * 18,
                    80_000,
                )
                answers.append(order.number)
            except Exception as error:  # what the buyer would be told instead
                answers.append(type(error).__name__)
            finally:
                scoped.session.remove()

    # Hold the variant's row lock, so that both submits read the cart and then queue on it,
    # as two requests of a double click do when the first is a moment ahead.
    with db.engine.connect() as holder:
        holder.execute(sa.select(Variant.id).where(Variant.id == variant_id).with_for_update())
        threads = [threading.Thread(target=submit) for _ in range(2)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while waiting_for_locks(db) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert waiting_for_locks(db) == 2, "both submits should be waiting for the lock"
        holder.rollback()
    for thread in threads:
        thread.join(timeout=60)

    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 1  # one order: that holds
    (number,) = db.session.scalars(sa.select(Order.number)).all()
    assert answers == [number, number]  # …but one of the two submits is told "sold out"
