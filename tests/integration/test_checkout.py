"""Cart and checkout: adding, merging, shipping, place_order and its guarantees, holds."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
import sqlalchemy as sa

from shop import clock
from shop.cart.models import Cart, CartLine
from shop.catalog.models import Variant
from shop.checkout.services import Delivery, OutOfStock, place_order, release_expired_holds
from shop.enums import CertificateStatus, OrderStatus, PaymentMethod, PaymentStatus, Role
from shop.mail import OutboxMessage
from shop.orders.models import Order, OrderLine
from shop.payments import vietqr
from tests.factories import make_producer, make_product, make_user

DAK_LAK = 66


def ward_of(province: int) -> int:
    from shop import geo

    return geo.wards(province)[0][0]


DETAILS = {
    "privacy_consent": "y",
    "full_name": "Trần Thị Mai",
    "phone": "0987 654 321",
    "email": "mai@example.vn",
    "province_code": str(DAK_LAK),
    "ward_code": str(ward_of(DAK_LAK)),
    "street": "15 Lê Duẩn",
    "note": "Gọi trước khi giao",
    "payment_method": "cod",
}


@pytest.fixture
def shop_world(db, frozen_today):
    """Two producers, each with a product; one sells a cheap item with free shipping from 200k."""
    coffee = make_product(
        make_producer(name="HTX Cà phê", shipping_fee=25_000),
        name="Cà phê hạt",
        variants=[{"price": 150_000, "stock": 10, "sku": "CF-1"}],
    )
    honey = make_product(
        make_producer(name="HTX Mật ong", free_shipping_from=200_000),
        name="Mật ong",
        variants=[{"price": 120_000, "stock": 5, "sku": "MO-1"}],
    )
    db.session.commit()
    return {"coffee": coffee, "honey": honey}


def variant(product) -> Variant:
    return product.variants[0]


def add(client, csrf, product, quantity=1, json=False):
    token = csrf(f"/p/{product.slug}")
    headers = {"Accept": "application/json"} if json else {}
    return client.post(
        "/cart/add",
        data={
            "variant_id": variant(product).id,
            "quantity": quantity,
            "csrf_token": token,
            "next": f"/p/{product.slug}",
        },
        headers=headers,
    )


@pytest.fixture
def csrf(client):
    from tests.conftest import csrf_from

    return lambda path: csrf_from(client.get(path).get_data(as_text=True))


REVIEWED = ("idempotency_key", "cart_revision", "details_key")


def checkout(client, submit, **change):
    """Give the delivery details and open the review: (page, what it reviewed, total)."""
    details = submit("/checkout", {**DETAILS, **change})
    assert details.status_code == 302, details.get_data(as_text=True)
    page = client.get("/checkout/review").get_data(as_text=True)
    reviewed = {
        name: re.search(rf'name="{name}" type="hidden" value="([^"]+)"', page).group(1)
        for name in REVIEWED
    }
    total = re.search(r'name="expected_total" type="hidden" value="([^"]+)"', page).group(1)
    return page, reviewed, total


def place(client, csrf, reviewed, total):
    return client.post(
        "/checkout/place",
        data={**reviewed, "expected_total": total, "csrf_token": csrf("/")},
    )


def test_adding_to_the_cart_works_with_and_without_javascript(db, client, csrf, shop_world):
    assert add(client, csrf, shop_world["coffee"], 2).status_code == 302
    answer = add(client, csrf, shop_world["honey"], 1, json=True)
    assert answer.get_json()["ok"] and answer.get_json()["count"] == 3
    html = client.get("/cart").get_data(as_text=True)
    assert html.count('data-testid="cart-group"') == 2
    assert '<span class="badge" data-testid="cart-count">3</span>' in html


@pytest.mark.parametrize(
    "quantity, message",
    [
        (11, "Only 10 left in stock"),
        (0, "Choose a quantity from 1 to 99"),
        (-3, "Choose a quantity from 1 to 99"),
        ("abc", "Choose a quantity from 1 to 99"),
    ],
)
def test_bad_quantities_are_refused_with_a_message(
    db, english, csrf, shop_world, quantity, message
):
    answer = add(english, csrf, shop_world["coffee"], quantity, json=True)
    assert answer.status_code == 400 and message in answer.get_json()["message"]
    assert db.session.scalar(sa.select(sa.func.count(CartLine.id))) == 0


def test_an_unlisted_product_cannot_be_added(db, english, csrf, shop_world):
    product = shop_world["coffee"]
    token = csrf(f"/p/{product.slug}")
    product.certificates[0].status = CertificateStatus.REVOKED
    db.session.commit()
    answer = english.post(
        "/cart/add",
        data={"variant_id": variant(product).id, "quantity": 1, "csrf_token": token},
        headers={"Accept": "application/json"},
    )
    assert answer.status_code == 400 and "not on sale" in answer.get_json()["message"]


def test_a_line_that_stopped_being_listable_is_shown_unavailable_and_blocks_checkout(
    db, english, csrf, shop_world
):
    add(english, csrf, shop_world["coffee"], 1)
    shop_world["coffee"].certificates[0].status = CertificateStatus.REVOKED
    db.session.commit()
    html = english.get("/cart").get_data(as_text=True)
    assert 'data-testid="line-problem"' in html and "was revoked" in html
    assert 'data-testid="checkout"' not in html
    assert english.get("/checkout").status_code == 302


def test_shipping_is_per_producer_with_a_free_threshold(db, client, csrf, submit, shop_world):
    add(client, csrf, shop_world["coffee"], 1)  # 150k + 25k producer fee
    add(client, csrf, shop_world["honey"], 2)  # 240k, free from 200k
    page, _key, total = checkout(client, submit)
    assert total == str(150_000 + 25_000 + 240_000)
    assert "25.000\xa0₫" in page and "415.000\xa0₫" in page


def test_a_guest_cart_joins_the_account_at_log_in_capped_at_stock(
    db, client, csrf, login, shop_world
):
    user = make_user()
    mine = Cart(token="t" * 43, user_id=user.id)
    db.session.add(mine)
    db.session.add(CartLine(cart=mine, variant_id=variant(shop_world["honey"]).id, quantity=4))
    db.session.commit()
    add(client, csrf, shop_world["honey"], 3)  # guest: 3, stock 5
    add(client, csrf, shop_world["coffee"], 1)
    login(user)
    lines = {ln.variant_id: ln.quantity for ln in db.session.scalars(sa.select(CartLine))}
    assert lines == {variant(shop_world["honey"]).id: 5, variant(shop_world["coffee"]).id: 1}
    assert db.session.scalar(sa.select(sa.func.count(Cart.id))) == 1


def test_a_guest_checks_out_with_cash_on_delivery(app, db, client, csrf, submit, shop_world):
    add(client, csrf, shop_world["coffee"], 2)
    add(client, csrf, shop_world["honey"], 1)
    page, key, total = checkout(client, submit)
    response = place(client, csrf, key, total)
    assert response.status_code == 302
    order = db.session.scalar(sa.select(Order))
    assert re.fullmatch(r"OCOP-2026-\d{6}", order.number)
    assert response.headers["Location"] == f"/orders/{order.number}"
    assert (
        order.payment_method == PaymentMethod.COD and order.payment_status == PaymentStatus.UNPAID
    )
    assert order.phone == "+84987654321" and len(order.sub_orders) == 2
    assert (
        order.total
        == order.subtotal + order.shipping_total
        == 150_000 * 2 + 25_000 + 120_000 + 30_000
    )
    line = db.session.scalar(sa.select(OrderLine).where(OrderLine.sku == "CF-1"))
    assert (line.product_name, line.unit_price, line.quantity, line.stars) == (
        "Cà phê hạt",
        150_000,
        2,
        4,
    )
    assert line.certificate_number == shop_world["coffee"].certificates[0].number
    db.session.refresh(variant(shop_world["coffee"]))
    assert variant(shop_world["coffee"]).stock == 8
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert html.count('data-testid="shipment"') == 2
    assert db.session.scalar(sa.select(OutboxMessage.recipient)) == "mai@example.vn"
    assert db.session.scalar(sa.select(sa.func.count(CartLine.id))) == 0
    assert client.get("/cart").get_data(as_text=True).count('data-testid="cart-line"') == 0


def test_a_signed_in_buyer_saves_the_address_with_the_order_once(
    db, client, csrf, submit, login, shop_world
):
    from shop.checkout.models import Address

    buyer = make_user(email="mai@example.vn")
    db.session.commit()
    login(buyer)
    for _ in range(2):  # two orders to the same address: one entry in the address book
        add(client, csrf, shop_world["coffee"], 1)
        page, key, total = checkout(client, submit, save_address="y")
        assert place(client, csrf, key, total).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 2
    saved = db.session.scalars(sa.select(Address)).all()
    assert [(a.user_id, a.full_name, a.phone, a.street, a.ward_code) for a in saved] == [
        (buyer.id, "Trần Thị Mai", "+84987654321", "15 Lê Duẩn", ward_of(DAK_LAK))
    ]


def test_the_confirmation_e_mail_opens_a_guests_order_on_another_device(
    app, db, client, csrf, submit, shop_world
):
    """The order page belongs to the browser that placed it; the e-mail's signed link opens it
    anywhere (the guest reads the e-mail on a phone). A changed or borrowed key opens nothing."""
    add(client, csrf, shop_world["coffee"], 1)
    _page, key, total = checkout(client, submit)
    place(client, csrf, key, total)
    order = db.session.scalar(sa.select(Order))
    body = db.session.scalar(sa.select(OutboxMessage.body))
    [link] = re.findall(r"https?://\S+/orders/" + order.number + r"\?key=\S+", body)
    path = link.split("://", 1)[1].split("/", 1)[1]
    phone = app.test_client()

    assert phone.get(f"/orders/{order.number}").status_code == 404
    assert phone.get(f"/orders/{order.number}?key=forged.{path[-6:]}").status_code == 404
    from shop.checkout.services import order_link

    borrowed = order_link(Order(number="OCOP-2026-000777")).split("key=")[1]  # another order's
    assert phone.get(f"/orders/{order.number}?key={borrowed}").status_code == 404

    opened = phone.get("/" + path)
    assert opened.status_code == 302 and opened.headers["Location"] == f"/orders/{order.number}"
    html = phone.get(f"/orders/{order.number}").get_data(as_text=True)
    assert order.number in html and 'data-testid="shipment"' in html


def test_a_double_submit_makes_one_order(db, client, csrf, submit, shop_world):
    add(client, csrf, shop_world["coffee"], 1)
    _page, key, total = checkout(client, submit)
    first = place(client, csrf, key, total)
    second = place(client, csrf, key, total)
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 1


def test_a_tampered_total_changes_nothing(db, english, csrf, submit, shop_world):
    add(english, csrf, shop_world["coffee"], 1)
    _page, key, total = checkout(english, submit)
    response = place(english, csrf, key, str(int(total) - 100_000))
    assert response.headers["Location"] == "/checkout/review"
    assert "Prices or your cart changed" in english.get("/checkout/review").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 0
    db.session.refresh(variant(shop_world["coffee"]))
    assert variant(shop_world["coffee"]).stock == 10


@pytest.mark.parametrize(
    "change, message",
    [
        ({"province_code": "999"}, "Choose a province from the list."),
        ({"ward_code": "70"}, "Choose a ward or commune of the selected province."),
        ({"phone": "12345"}, "Enter a Vietnamese mobile number"),
        ({"email": "mai@"}, "Enter a valid e-mail address"),
        ({"payment_method": "card"}, "Choose a payment method from the list."),
        ({"street": ""}, "This field is required."),
    ],
)
def test_bad_delivery_details_get_a_message(db, english, csrf, submit, shop_world, change, message):
    add(english, csrf, shop_world["coffee"], 1)
    response = submit("/checkout", {**DETAILS, **change})
    assert response.status_code == 200 and message in response.get_data(as_text=True)


def test_an_item_that_sold_out_meanwhile_gets_a_clear_message(
    db, english, csrf, submit, shop_world
):
    add(english, csrf, shop_world["coffee"], 3)
    _page, key, total = checkout(english, submit)
    db.session.execute(sa.update(Variant).where(Variant.sku == "CF-1").values(stock=2))
    db.session.commit()
    response = place(english, csrf, key, total)
    assert response.headers["Location"] in ("/cart", "/checkout/review")
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 0


def test_a_bank_transfer_order_shows_a_vietqr_code_and_staff_confirm_it(
    app, db, client, csrf, submit, login, shop_world
):
    add(client, csrf, shop_world["honey"], 1)
    _page, key, total = checkout(client, submit, payment_method="bank_transfer")
    number = place(client, csrf, key, total).headers["Location"].rsplit("/", 1)[1]
    html = client.get(f"/orders/{number}").get_data(as_text=True)
    assert 'data-testid="vietqr"' in html and "<svg" in html
    order = db.session.scalar(sa.select(Order))
    from shop.payments.services import payment_box

    parsed = vietqr.parse_payload(payment_box(order)["payload"])
    assert (parsed.bank_bin, parsed.account, parsed.amount) == (
        app.config["BANK_BIN"],
        app.config["BANK_ACCOUNT"],
        order.total,
    )
    assert parsed.note == order.number
    assert order.hold_expires_at is not None
    client.delete_cookie("session")
    staff = make_user(Role.STAFF)
    db.session.commit()
    login(staff)
    from tests.conftest import csrf_from

    staff_page = client.get(f"/staff/orders/{number}").get_data(as_text=True)
    listing = client.get("/staff/orders").get_data(as_text=True)
    for html in (staff_page, listing):  # the method in words, not its code
        assert "Chuyển khoản ngân hàng" in html and "bank_transfer ·" not in html
    token = csrf_from(staff_page)
    client.post(f"/staff/orders/{number}/confirm-transfer", data={"csrf_token": token})
    db.session.refresh(order)
    assert order.payment_status == PaymentStatus.PAID and order.hold_expires_at is None


def test_unpaid_holds_are_released_once_and_stock_comes_back(app, db, frozen_today, shop_world):
    cart = Cart(token="g" * 43)
    db.session.add(cart)
    db.session.add(CartLine(cart=cart, variant_id=variant(shop_world["coffee"]).id, quantity=4))
    db.session.commit()
    delivery = Delivery(
        "Mai", "+84987654321", "mai@example.vn", "1 Lê Duẩn", ward_of(DAK_LAK), DAK_LAK
    )
    order = place_order(
        cart, delivery, PaymentMethod.BANK_TRANSFER, "k" * 32, 600_000
    )  # free shipping
    assert db.session.get(Variant, variant(shop_world["coffee"]).id).stock == 6
    assert release_expired_holds() == 0
    frozen_today(dt.datetime.now(clock.SHOP_TZ) + dt.timedelta(days=2))
    runner = app.test_cli_runner()
    assert "1 orders released" in runner.invoke(args=["orders", "release-expired"]).output
    assert "0 orders released" in runner.invoke(args=["orders", "release-expired"]).output
    db.session.expire_all()
    assert db.session.get(Variant, variant(shop_world["coffee"]).id).stock == 10
    order = db.session.get(Order, order.id)
    assert order.status == OrderStatus.CANCELLED and order.payment_status == PaymentStatus.CANCELLED


@pytest.mark.postgres
def test_forty_buyers_at_once_buy_exactly_the_ten_in_stock(app, db, frozen_today):
    product = make_product(variants=[{"price": 50_000, "stock": 10, "sku": "HOT-1"}])
    variant_id = product.variants[0].id
    cart_ids = []
    for i in range(40):
        cart = Cart(token=f"{i:043d}")
        db.session.add(cart)
        db.session.add(CartLine(cart=cart, variant_id=variant_id, quantity=1))
        db.session.flush()
        cart_ids.append(cart.id)
    db.session.commit()
    delivery = Delivery(
        "Mai", "+84987654321", "mai@example.vn", "1 Lê Duẩn", ward_of(DAK_LAK), DAK_LAK
    )
    outcomes: list[str] = []
    barrier = threading.Barrier(40)

    def buy(cart_id: int) -> None:
        with app.app_context():
            from shop.extensions import db as scoped

            try:
                barrier.wait(timeout=30)
                cart = scoped.session.get(Cart, cart_id)
                place_order(cart, delivery, PaymentMethod.COD, f"key-{cart_id:028d}", 80_000)
                outcomes.append("ok")
            except OutOfStock:
                outcomes.append("out of stock")
            except Exception as error:  # any other failure is a defect
                outcomes.append(repr(error))
            finally:
                scoped.session.remove()

    threads = [threading.Thread(target=buy, args=(cid,)) for cid in cart_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(set(outcomes)) == ["ok", "out of stock"], outcomes
    assert outcomes.count("ok") == 10 and outcomes.count("out of stock") == 30
    db.session.expire_all()
    assert db.session.get(Variant, variant_id).stock == 0
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 10
    assert db.session.scalar(sa.select(sa.func.sum(OrderLine.quantity))) == 10


@pytest.mark.postgres
def test_five_simultaneous_submits_of_one_form_make_one_order(app, db, frozen_today):
    product = make_product(variants=[{"price": 50_000, "stock": 10, "sku": "DBL-1"}])
    cart = Cart(token="d" * 43)
    db.session.add(cart)
    db.session.add(CartLine(cart=cart, variant_id=product.variants[0].id, quantity=2))
    db.session.commit()
    cart_id = cart.id
    delivery = Delivery(
        "Mai", "+84987654321", "mai@example.vn", "1 Lê Duẩn", ward_of(DAK_LAK), DAK_LAK
    )
    numbers: list[str] = []
    barrier = threading.Barrier(5)

    def submit_once() -> None:
        with app.app_context():
            from shop.extensions import db as scoped

            try:
                barrier.wait(timeout=30)
                order = place_order(
                    scoped.session.get(Cart, cart_id),
                    delivery,
                    PaymentMethod.COD,
                    "same-key" * 4,
                    130_000,
                )
                numbers.append(order.number)
            except Exception as error:  # the cart may already be empty: still the same order
                numbers.append(repr(error))
            finally:
                scoped.session.remove()

    threads = [threading.Thread(target=submit_once) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 1
    (number,) = set(numbers)
    assert number.startswith("OCOP-")
    db.session.expire_all()
    assert db.session.get(Variant, product.variants[0].id).stock == 8
