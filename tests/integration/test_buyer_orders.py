"""The buyer's side of an order: the history, the timeline, cancelling a shipment, ordering again."""

from __future__ import annotations

import re
import secrets

import pytest
import sqlalchemy as sa

from shop import geo
from shop.cart import services as carts
from shop.cart.models import Cart, CartLine
from shop.catalog.models import Variant
from shop.checkout.services import Delivery, place_order
from shop.enums import CertificateStatus, OrderStatus, PaymentMethod, ProductStatus, Role
from shop.formatting import format_vnd
from shop.mail import OutboxMessage
from shop.orders import states
from shop.orders.models import Order, SubOrderEvent
from tests.conftest import IsolatedClient, csrf_from
from tests.factories import PASSWORD, make_producer, make_product, make_user

S = OrderStatus
DAK_LAK = 66


def place_for(db, buyer, *lines, method=PaymentMethod.COD) -> Order:
    """Place an order as `buyer` (None: a guest) for (product, quantity) pairs."""
    cart = Cart(token=secrets.token_urlsafe(32))
    db.session.add(cart)
    for product, quantity in lines:
        db.session.add(CartLine(cart=cart, variant_id=product.variants[0].id, quantity=quantity))
    db.session.commit()
    delivery = Delivery(
        "Trần Thị Mai", "+84987654321", "mai@example.vn", "15 Lê Duẩn", geo.wards(DAK_LAK)[0][0], 66
    )
    total = carts.view(cart).total
    return place_order(
        cart, delivery, method, secrets.token_hex(16), total, user_id=buyer.id if buyer else None
    )


def walk(sub, *targets, role="producer"):
    """Move a shipment along as its producer would (carrier and tracking when shipping)."""
    for target in targets:
        extra = {"carrier": "Giao Hàng Nhanh", "tracking_number": "GHN123456"}
        states.transition(
            sub, target, role=role, actor_id=None, **(extra if target == S.SHIPPED else {})
        )


def sign_in(app, db, user):
    """A new English-speaking client, logged in as `user` through the real form."""
    db.session.commit()  # what the factories built is visible to the requests
    app.test_client_class = IsolatedClient
    client = app.test_client()
    client.set_cookie("lang", "en")
    token = csrf_from(client.get("/login").get_data(as_text=True))
    answer = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


@pytest.fixture
def signed_in(app, db):
    return lambda user: sign_in(app, db, user)


def post(client, url: str, **data):
    """POST with a CSRF token from the home page, following the redirect."""
    token = csrf_from(client.get("/").get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token}, follow_redirects=True)


@pytest.fixture
def world(db, frozen_today):
    """A buyer, and two producers selling coffee (100k) and honey (200k), 5 of each."""
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
    buyer = make_user(full_name="Trần Thị Mai")
    db.session.commit()
    return {"coffee": coffee, "honey": honey, "buyer": buyer}


@pytest.fixture
def order(db, world):
    """The buyer's order: 2 coffee (one shipment), 1 honey (another)."""
    return place_for(db, world["buyer"], (world["coffee"], 2), (world["honey"], 1))


def stock(db, product) -> int:
    db.session.expire_all()
    return db.session.get(Variant, product.variants[0].id).stock


def test_my_orders_lists_the_buyers_orders_newest_first_with_total_status_and_payment(
    db, world, signed_in, frozen_today, count_queries
):
    import datetime as dt

    first = place_for(db, world["buyer"], (world["coffee"], 1))
    frozen_today(dt.date(2026, 12, 2))
    second = place_for(db, world["buyer"], (world["honey"], 1), method=PaymentMethod.BANK_TRANSFER)
    someone_else = place_for(db, make_user(), (world["coffee"], 1))
    walk(first.sub_orders[0], S.CONFIRMED)
    db.session.commit()

    html = signed_in(world["buyer"]).get("/account/orders").get_data(as_text=True)

    assert html.index(second.number) < html.index(first.number)
    assert someone_else.number not in html
    assert html.count('data-testid="order-row"') == 2
    assert "02/12/2026" in html and "30/11/2026" in html
    # totals in whole VND, shipping included
    assert format_vnd(230_000, "en") in html and format_vnd(130_000, "en") in html
    assert "Bank transfer (VietQR) · not paid yet" in html
    assert "Cash on delivery · not paid yet" in html
    assert ">confirmed<" in html and ">placed<" in html

    # One shipment delivered, the other still placed: "in progress"; queries do not grow.
    mixed = place_for(db, world["buyer"], (world["coffee"], 1), (world["honey"], 1))
    walk(mixed.sub_orders[0], S.CONFIRMED, S.PACKED, S.SHIPPED, S.DELIVERED)
    db.session.commit()
    client = signed_in(world["buyer"])
    with count_queries() as three_orders:
        html = client.get("/account/orders").get_data(as_text=True)
    assert 'data-testid="order-progress">in progress<' in html
    for _ in range(3):
        place_for(db, world["buyer"], (world["honey"], 1))
    with count_queries() as six_orders:
        client.get("/account/orders")
    assert six_orders["n"] == three_orders["n"]


def test_my_orders_asks_a_visitor_to_log_in(client):
    answer = client.get("/account/orders")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_the_order_page_shows_each_shipments_timeline_carrier_and_tracking_number(
    db, world, order, signed_in
):
    coffee_shipment, honey_shipment = order.sub_orders
    walk(coffee_shipment, S.CONFIRMED, S.PACKED, S.SHIPPED)
    db.session.commit()

    html = signed_in(world["buyer"]).get(f"/orders/{order.number}").get_data(as_text=True)

    assert "Carrier: Giao Hàng Nhanh · tracking number: GHN123456" in html
    shipped_part, placed_part = html.split('data-testid="shipment"')[1:3]
    assert [line.split("· ")[-1] for line in _timeline(shipped_part)] == [
        "placed",
        "confirmed",
        "packed",
        "shipped",
    ]
    assert "30/11/2026 12:00" in shipped_part  # when, in Vietnam's time
    assert _timeline(placed_part) == ["30/11/2026 12:00 · placed"]
    assert 'data-testid="cancel-shipment"' not in shipped_part  # packed and gone: too late
    assert 'data-testid="cancel-shipment"' in placed_part


def _timeline(html: str) -> list[str]:
    import re

    block = html.split('data-testid="timeline"', 1)[1].split("</ol>", 1)[0]
    items = re.findall(r"<li[^>]*>(.*?)</li>", block, re.S)
    return [re.sub(r"<[^>]+>", "", item).strip() for item in items]


def test_the_buyer_cancels_a_shipment_not_yet_packed_its_stock_returns_and_the_producer_is_told(
    db, world, order, signed_in
):
    coffee_shipment = order.sub_orders[0]
    owner_email = world["coffee"].producer.owner.email
    assert stock(db, world["coffee"]) == 3
    client = signed_in(world["buyer"])

    answer = post(client, f"/orders/{order.number}/shipments/{coffee_shipment.id}/cancel")

    html = answer.get_data(as_text=True)
    assert "The shipment from HTX Cà phê Cư M&#39;gar is cancelled." in html
    db.session.expire_all()
    assert coffee_shipment.status == S.CANCELLED
    assert order.sub_orders[1].status == S.PLACED  # the honey still comes
    assert stock(db, world["coffee"]) == 5
    event = db.session.scalars(
        sa.select(SubOrderEvent).where(SubOrderEvent.sub_order_id == coffee_shipment.id)
    ).one()
    assert (event.actor_role, event.actor_id) == ("buyer", world["buyer"].id)
    (mail,) = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == owner_email)
    ).all()
    assert order.number in mail.subject
    assert "Cà phê hạt (Túi 500g) × 2" in mail.body
    assert _timeline(html.split('data-testid="shipment"')[1])[-1].endswith(
        "cancelled (by the buyer)"
    )


@pytest.mark.parametrize(
    "status, message",
    [
        (S.PACKED, "You may not make this change to the shipment."),
        (S.SHIPPED, "A shipment that is shipped cannot become cancelled."),
        (S.CANCELLED, "This shipment is already cancelled."),
    ],
)
def test_a_shipment_too_far_along_cannot_be_cancelled_by_the_buyer(
    db, world, order, signed_in, status, message
):
    sub = order.sub_orders[0]
    targets = {
        S.PACKED: (S.CONFIRMED, S.PACKED),
        S.SHIPPED: (S.CONFIRMED, S.PACKED, S.SHIPPED),
        S.CANCELLED: (S.CANCELLED,),
    }[status]
    walk(sub, *targets)
    db.session.commit()
    client = signed_in(world["buyer"])

    html = post(client, f"/orders/{order.number}/shipments/{sub.id}/cancel").get_data(as_text=True)

    assert message in html
    db.session.expire_all()
    assert sub.status == status
    assert stock(db, world["coffee"]) == (5 if status == S.CANCELLED else 3)


def test_another_buyer_gets_404_for_the_order_its_cancel_and_its_reorder(
    db, world, order, signed_in
):
    stranger = signed_in(make_user())
    sub = order.sub_orders[0]
    assert stranger.get(f"/orders/{order.number}").status_code == 404
    assert post(stranger, f"/orders/{order.number}/shipments/{sub.id}/cancel").status_code == 404
    assert post(stranger, f"/orders/{order.number}/reorder").status_code == 404
    db.session.expire_all()
    assert sub.status == S.PLACED


def test_staff_see_the_order_but_do_not_cancel_as_the_buyer(db, world, order, signed_in):
    staff = signed_in(make_user(Role.STAFF))
    html = staff.get(f"/orders/{order.number}").get_data(as_text=True)
    assert 'data-testid="shipment-status"' in html
    assert 'data-testid="cancel-shipment"' not in html and 'data-testid="reorder"' not in html
    sub = order.sub_orders[0]
    assert post(staff, f"/orders/{order.number}/shipments/{sub.id}/cancel").status_code == 404


def test_a_shipment_of_another_order_cannot_be_cancelled_through_this_one(
    db, world, order, signed_in
):
    other = place_for(db, make_user(), (world["honey"], 1))
    client = signed_in(world["buyer"])
    url = f"/orders/{order.number}/shipments/{other.sub_orders[0].id}/cancel"
    assert post(client, url).status_code == 404


def test_a_guest_cancels_from_the_browser_that_placed_the_order(db, world, client):
    guest_order = place_for(db, None, (world["coffee"], 1))
    client.set_cookie("lang", "en")
    assert client.get(f"/orders/{guest_order.number}").status_code == 404
    with client.session_transaction() as session:
        session["my_orders"] = [guest_order.number]
    sub = guest_order.sub_orders[0]
    html = post(client, f"/orders/{guest_order.number}/shipments/{sub.id}/cancel").get_data(
        as_text=True
    )
    assert "is cancelled" in html
    db.session.expire_all()
    assert sub.status == S.CANCELLED


def test_cancelling_needs_the_forms_csrf_token(db, world, order, signed_in):
    client = signed_in(world["buyer"])
    sub = order.sub_orders[0]
    assert client.post(f"/orders/{order.number}/shipments/{sub.id}/cancel").status_code == 400
    db.session.expire_all()
    assert sub.status == S.PLACED


def test_order_again_puts_the_lines_back_in_the_cart_and_names_what_it_could_not_add(
    db, world, signed_in
):
    tea = make_product(name="Trà Shan tuyết", variants=[{"price": 90_000, "label": "Hộp 100g"}])
    db.session.commit()
    past = place_for(db, world["buyer"], (world["coffee"], 2), (world["honey"], 1), (tea, 3))
    world["honey"].variants[0].stock = 0
    tea.status = ProductStatus.HIDDEN
    db.session.commit()
    client = signed_in(world["buyer"])

    html = post(client, f"/orders/{past.number}/reorder").get_data(as_text=True)

    assert f"1 item from order {past.number} is in your cart." in html
    assert (
        "Not added (no longer on sale, sold out or not enough left): "
        "Mật ong bạc hà (Chai 500ml), Trà Shan tuyết (Hộp 100g)."
    ) in html
    cart = db.session.scalar(sa.select(Cart).where(Cart.user_id == world["buyer"].id))
    assert [(line.variant_id, line.quantity) for line in cart.lines] == [
        (world["coffee"].variants[0].id, 2)
    ]


def test_order_again_with_nothing_left_to_buy_only_explains(db, world, order, signed_in):
    for product in (world["coffee"], world["honey"]):
        product.certificates[0].status = CertificateStatus.REVOKED
    db.session.commit()
    html = post(signed_in(world["buyer"]), f"/orders/{order.number}/reorder").get_data(as_text=True)
    assert "in your cart." not in html
    assert "Not added (no longer on sale, sold out or not enough left)" in html


@pytest.mark.parametrize("method", [PaymentMethod.COD, PaymentMethod.BANK_TRANSFER])
def test_after_a_cancelled_shipment_the_order_asks_only_for_what_still_comes(
    db, world, signed_in, method
):
    """2 coffee (200k + 30k shipping) and 1 honey (200k + 30k): 460k; without the coffee 230k."""
    from shop.payments import vietqr

    order = place_for(db, world["buyer"], (world["coffee"], 2), (world["honey"], 1), method=method)
    assert order.total == order.amount_due == 460_000
    client = signed_in(world["buyer"])

    html = post(
        client, f"/orders/{order.number}/shipments/{order.sub_orders[0].id}/cancel"
    ).get_data(as_text=True)

    db.session.expire_all()
    assert (order.total, order.amount_due) == (460_000, 230_000)  # the sale's record is kept
    assert f'data-testid="cancelled-amount">−{format_vnd(230_000, "en")}' in html
    assert f'data-testid="amount-due">{format_vnd(230_000, "en")}' in html
    listing = client.get("/account/orders").get_data(as_text=True)
    assert f'data-testid="order-amount">{format_vnd(230_000, "en")}<' in listing
    if method == PaymentMethod.COD:
        assert f"Pay {format_vnd(230_000, 'en')} in cash" in html
        assert format_vnd(460_000, "en") + " in cash" not in html
    else:
        assert f'data-testid="transfer-amount">{format_vnd(230_000, "en")}' in html
        payload = vietqr.build_payload(
            client.application.config["BANK_BIN"],
            client.application.config["BANK_ACCOUNT"],
            230_000,
            vietqr.transfer_note(order.number),
        )
        assert vietqr.qr_svg(payload) in html  # the code itself asks for 230k

    # Staff confirming the transfer, or the courier collecting the cash, record 230k.
    from shop.payments import services as payments
    from shop.payments.models import Payment

    assert payments.mark_paid(order, method)
    db.session.commit()
    paid = db.session.scalars(sa.select(Payment).where(Payment.order_id == order.id)).all()
    assert [p.amount for p in paid] == [230_000]


def test_cancelling_asks_to_confirm_offers_reasons_and_keeps_the_one_chosen(
    db, world, order, signed_in
):
    coffee, honey = order.sub_orders
    client = signed_in(world["buyer"])
    page = client.get(f"/orders/{order.number}").get_data(as_text=True)
    box = page.split('data-testid="cancel-box"', 1)[1].split("</details>", 1)[0]
    assert 'name="reason" value="changed_mind"' in box and "I changed my mind" in box
    assert "This cannot be undone." in box and "Yes, cancel this shipment" in box

    html = post(
        client, f"/orders/{order.number}/shipments/{coffee.id}/cancel", reason="found_elsewhere"
    ).get_data(as_text=True)

    db.session.expire_all()
    assert (coffee.status, coffee.cancel_reason) == (S.CANCELLED, "found_elsewhere")
    assert "Thank you! Order" not in html  # one shipment gone: no "your order is placed"
    shipment = html.split('data-testid="shipment"')[1]
    assert "You cancelled this shipment on 30/11/2026." in shipment
    assert "Reason: I found it cheaper elsewhere" in shipment

    html = post(client, f"/orders/{order.number}/shipments/{honey.id}/cancel").get_data(
        as_text=True
    )
    db.session.expire_all()
    assert (honey.status, honey.cancel_reason) == (S.CANCELLED, None)  # no reason given
    assert f"Order {order.number} is cancelled" in html
    assert "All its 2 shipments are cancelled: nothing will be sent." in html


def test_a_made_up_cancel_reason_is_refused_and_nothing_changes(db, world, order, signed_in):
    coffee = order.sub_orders[0]
    client = signed_in(world["buyer"])
    html = post(
        client, f"/orders/{order.number}/shipments/{coffee.id}/cancel", reason="<b>x</b>"
    ).get_data(as_text=True)
    assert "Choose a reason from the list, or none." in html
    db.session.expire_all()
    assert (coffee.status, coffee.cancel_reason) == (S.PLACED, None)
    assert stock(db, world["coffee"]) == 3


def test_my_orders_has_tabs_by_state_with_names_thumbnails_and_tracking_links(db, world, signed_in):
    from shop.catalog.models import ProductImage

    db.session.add(ProductImage(product_id=world["coffee"].id, key="a" * 64, width=800, height=600))
    to_pay = place_for(db, world["buyer"], (world["honey"], 1), method=PaymentMethod.BANK_TRANSFER)
    to_ship = place_for(db, world["buyer"], (world["honey"], 1))
    shipping = place_for(db, world["buyer"], (world["coffee"], 1))
    walk(shipping.sub_orders[0], S.CONFIRMED, S.PACKED, S.SHIPPED)
    delivered = place_for(db, world["buyer"], (world["coffee"], 1))
    walk(delivered.sub_orders[0], S.CONFIRMED, S.PACKED, S.SHIPPED, S.DELIVERED)
    cancelled = place_for(db, world["buyer"], (world["honey"], 1))
    walk(cancelled.sub_orders[0], S.CANCELLED)
    db.session.commit()
    client = signed_in(world["buyer"])

    html = client.get("/account/orders").get_data(as_text=True)
    counts = dict(re.findall(r'data-testid="tab-(\w+)">[^<]*<span class="tab-count">(\d+)<', html))
    assert counts == {
        "all": "5",
        "to_pay": "1",
        "to_ship": "1",
        "shipping": "1",
        "delivered": "1",
        "cancelled": "1",
    }
    assert "Cà phê hạt · Túi 500g" in html and "Mật ong bạc hà · Chai 500ml" in html
    assert html.count('data-testid="order-thumb"') == 2  # the two coffee orders
    link = "https://donhang.ghn.vn/?order_code=GHN123456"
    assert html.count(f'href="{link}"') == 2  # the shipping and the delivered coffee

    expected = {
        "to_pay": to_pay,
        "to_ship": to_ship,
        "shipping": shipping,
        "delivered": delivered,
        "cancelled": cancelled,
    }
    for tab, only in expected.items():
        page = client.get(f"/account/orders?tab={tab}").get_data(as_text=True)
        shown = [o.number for o in expected.values() if o.number in page]
        assert shown == [only.number], tab
        assert f'aria-current="page" data-testid="tab-{tab}"' in page
    delivered_page = client.get("/account/orders?tab=delivered").get_data(as_text=True)
    assert 'data-testid="cod-paid">paid in cash on delivery<' in delivered_page
    order_page = client.get(f"/orders/{shipping.number}").get_data(as_text=True)
    assert f'href="{link}"' in order_page


def test_a_delivered_cash_shipment_shows_as_paid_while_the_rest_of_the_order_travels(
    db, world, order, signed_in
):
    coffee, honey = order.sub_orders
    walk(coffee, S.CONFIRMED, S.PACKED, S.SHIPPED, S.DELIVERED)
    db.session.commit()
    html = signed_in(world["buyer"]).get(f"/orders/{order.number}").get_data(as_text=True)
    coffee_part, honey_part = html.split('data-testid="shipment"')[1:3]
    assert "paid in cash on delivery" in coffee_part
    assert "paid in cash on delivery" not in honey_part


def test_the_review_form_offers_five_tappable_stars(db, world, order, signed_in):
    walk(order.sub_orders[0], S.CONFIRMED, S.PACKED, S.SHIPPED, S.DELIVERED)
    db.session.commit()
    html = signed_in(world["buyer"]).get(f"/orders/{order.number}").get_data(as_text=True)
    form = html.split('data-testid="review-form"', 1)[1].split("</form>", 1)[0]
    stars = re.findall(
        r'<label class="star"><input type="radio" name="rating" value="(\d)" required>'
        r'<span class="star-shape" aria-hidden="true">★</span>',
        form,
    )
    assert stars == ["1", "2", "3", "4", "5"]
