"""Placing an order is idempotent per checkout, not only per form.

A checkout is one cart as the buyer reviewed it, with the delivery details reviewed with it.
Two tabs (or two devices) that reviewed the same cart each hold their own form; whichever
places it second is shown the order the first placed, and nothing is ordered, reserved or
charged twice. A tab that reviewed a cart or details that changed since is asked to review
again, even when the total happens to be the same.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from shop.catalog.models import Variant
from shop.mail import OutboxMessage
from shop.orders.models import Order
from shop.payments.models import Payment
from tests.concurrency import Race
from tests.conftest import IsolatedClient, csrf_from
from tests.factories import PASSWORD, make_producer, make_product, make_user
from tests.integration.test_checkout import DETAILS as CHECKOUT_DETAILS

HIDDEN = re.compile(r'<input[^>]*name="([^"]+)"[^>]*type="hidden"[^>]*value="([^"]*)"')
ALREADY = "was already placed"
# The checkout tests' delivery details, without the note.
DETAILS = {**CHECKOUT_DETAILS, "note": ""}


@pytest.fixture
def world(db, frozen_today):
    """Coffee and tea at the same price (150k) from one producer, honey from another."""
    producer = make_producer(name="HTX Cà phê", shipping_fee=25_000)
    coffee = make_product(producer, name="Cà phê hạt", variants=[{"price": 150_000, "stock": 10}])
    tea = make_product(producer, name="Trà xanh", variants=[{"price": 150_000, "stock": 10}])
    honey = make_product(name="Mật ong", variants=[{"price": 120_000, "stock": 5}])
    db.session.commit()
    return {"coffee": coffee, "tea": tea, "honey": honey}


@pytest.fixture
def shopper(app):
    """A browser, in English: a client whose tabs share its cookies."""
    app.test_client_class = IsolatedClient
    client = app.test_client()
    client.set_cookie("lang", "en")
    return client


def tab_of(app, shopper) -> IsolatedClient:
    """Another tab of `shopper`, for a thread of its own: a client with the same cookies now.
    (Tabs used one after the other are the same client: they share every cookie.)"""
    tab = app.test_client()
    for name in ("session", "lang"):
        tab.set_cookie(name, shopper.get_cookie(name).value)
    return tab


def add(client, product, quantity: int = 1) -> None:
    token = csrf_from(client.get(f"/p/{product.slug}").get_data(as_text=True))
    answer = client.post(
        "/cart/add",
        data={"variant_id": product.variants[0].id, "quantity": quantity, "csrf_token": token},
    )
    assert answer.status_code == 302


def set_quantity(client, product, quantity: int) -> None:
    from shop.cart.models import CartLine
    from shop.extensions import db

    html = client.get("/cart").get_data(as_text=True)
    line_id = db.session.scalar(
        sa.select(CartLine.id).where(CartLine.variant_id == product.variants[0].id)
    )
    answer = client.post(
        f"/cart/lines/{line_id}",
        data={"quantity": quantity, "csrf_token": csrf_from(html)},
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)


def give_details(client, **change) -> None:
    token = csrf_from(client.get("/checkout").get_data(as_text=True))
    answer = client.post("/checkout", data={**DETAILS, **change, "csrf_token": token})
    assert answer.status_code == 302, answer.get_data(as_text=True)


def review(client) -> dict[str, str]:
    """The review page's "Place the order" form: every hidden field, as the browser sends it."""
    page = client.get("/checkout/review")
    assert page.status_code == 200, page.headers.get("Location")
    html = page.get_data(as_text=True)
    form = html.split('action="/checkout/place"', 1)[1].split("</form>", 1)[0]
    return dict(HIDDEN.findall(form))


def place(client, form: dict[str, str]):
    return client.post("/checkout/place", data=form)


def orders(db) -> list[Order]:
    db.session.expire_all()
    return db.session.scalars(sa.select(Order).order_by(Order.id)).all()


def stock(db, product) -> int:
    db.session.expire_all()
    return db.session.get(Variant, product.variants[0].id).stock


def confirmations(db) -> int:
    """E-mails to the buyer (a confirmation per order placed)."""
    return db.session.scalar(
        sa.select(sa.func.count(OutboxMessage.id)).where(
            OutboxMessage.recipient == "mai@example.vn"
        )
    )


def test_a_second_tab_placing_the_same_cart_shows_the_order_the_first_placed(
    app, db, shopper, world
):
    add(shopper, world["coffee"], 2)
    give_details(shopper)
    first_tab = second_tab = shopper  # two tabs of one shopper, used one after the other
    first_form, second_form = review(first_tab), review(second_tab)
    assert first_form["idempotency_key"] != second_form["idempotency_key"]

    first = place(first_tab, first_form)
    second = place(second_tab, second_form)

    (order,) = orders(db)
    assert first.location == second.location == f"/orders/{order.number}"
    page = second_tab.get(second.location).get_data(as_text=True)
    assert f"Order {order.number} {ALREADY}" in page
    assert stock(db, world["coffee"]) == 8  # taken once
    assert db.session.scalar(sa.select(sa.func.count(Payment.id))) == 1
    # the Back button: the first tab's form sent again answers the same
    again = place(first_tab, first_form)
    assert again.location == f"/orders/{order.number}"
    assert f"Order {order.number} {ALREADY}" in first_tab.get(again.location).get_data(as_text=True)
    assert len(orders(db)) == 1


def test_two_tabs_placing_the_same_cart_at_once_make_one_order(app, db, shopper, world):
    from shop.cart.models import Cart

    add(shopper, world["coffee"], 2)
    add(shopper, world["honey"], 1)
    give_details(shopper, payment_method="bank_transfer")
    tabs = [shopper, tab_of(app, shopper)]
    forms = [review(tab) for tab in tabs]
    answers: list[str] = []

    def place_from(tab, form):
        answers.append(place(tab, form).location)

    with Race(db, rows=[(Cart, db.session.scalar(sa.select(Cart.id)))]) as race:
        for tab, form in zip(tabs, forms, strict=True):
            race.start(place_from, tab, form)

    (order,) = orders(db)
    assert answers == [f"/orders/{order.number}"] * 2
    assert (stock(db, world["coffee"]), stock(db, world["honey"])) == (8, 4)
    assert confirmations(db) == 1
    assert db.session.scalar(sa.select(sa.func.count(Payment.id))) == 1


def test_a_signed_in_buyers_second_device_placing_the_same_cart_shows_the_order(app, db, world):
    buyer = make_user(email="mai@example.vn")
    db.session.commit()
    phone, laptop = (signed_in(app, buyer) for _ in range(2))
    add(phone, world["coffee"], 1)
    for device in (phone, laptop):
        give_details(device)
    phone_form, laptop_form = review(phone), review(laptop)

    placed = place(phone, phone_form)
    later = place(laptop, laptop_form)

    (order,) = orders(db)
    assert placed.location == later.location == f"/orders/{order.number}"
    assert f"Order {order.number} {ALREADY}" in laptop.get(later.location).get_data(as_text=True)
    assert stock(db, world["coffee"]) == 9


def signed_in(app, user) -> IsolatedClient:
    app.test_client_class = IsolatedClient
    client = app.test_client()
    client.set_cookie("lang", "en")
    token = csrf_from(client.get("/login").get_data(as_text=True))
    answer = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302
    return client


def test_a_tab_that_reviewed_the_cart_before_it_changed_elsewhere_is_asked_to_review_again(
    app, db, shopper, world
):
    """The other tab swaps the coffee for tea at the same price: same total, another order."""
    add(shopper, world["coffee"], 1)
    give_details(shopper)
    stale = review(shopper)
    add(shopper, world["tea"], 1)  # in another tab
    set_quantity(shopper, world["coffee"], 0)

    answer = place(shopper, stale)

    assert answer.location == "/checkout/review"
    page = shopper.get("/checkout/review").get_data(as_text=True)
    assert "Your cart changed since you reviewed the order" in page
    assert orders(db) == []
    assert (stock(db, world["coffee"]), stock(db, world["tea"])) == (10, 10)
    placed = place(shopper, review(shopper))  # reviewed again: it goes through
    (order,) = orders(db)
    assert placed.location == f"/orders/{order.number}"
    assert [line.product_name for line in order.lines] == ["Trà xanh"]


def test_a_tab_that_reviewed_delivery_details_changed_elsewhere_is_asked_to_review_again(
    app, db, shopper, world
):
    add(shopper, world["coffee"], 1)
    give_details(shopper)
    stale = review(shopper)
    give_details(
        shopper, street="99 Nguyễn Tất Thành", payment_method="bank_transfer"
    )  # another tab

    answer = place(shopper, stale)

    assert answer.location == "/checkout/review"
    page = shopper.get("/checkout/review").get_data(as_text=True)
    assert "Your delivery details changed since you reviewed the order" in page
    assert "99 Nguyễn Tất Thành" in page  # the review shows what will be placed now
    assert orders(db) == []
