"""An order's whole life, in real browsers: the buyer orders, the producer ships, the buyer reviews.

The buyer of the checkout journey (Trần Thị Mai, here with an account so she can review) buys
two packs of coffee from the Đắk Lắk cooperative and a bottle of fish sauce from Ba Miền, cash
on delivery. In a second browser the cooperative confirms, packs, ships (carrier and tracking
number) and delivers its parcel; at each step it sees only the next allowed moves. Back in her
browser the buyer finds the order under "My orders", sees the coffee's timeline and tracking
number (the fish sauce still waiting), rates the coffee, and her review shows on the product
page, apart from the OCOP star badge. The database is checked at the end: the timeline's
events, who made them, and the one review.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, expect

from shop.accounts.models import User
from shop.enums import OrderStatus, PaymentStatus, Role
from shop.extensions import db
from shop.orders.models import Order, SubOrderEvent
from shop.producers.models import Producer
from shop.reviews.models import Review
from tests.e2e.test_checkout_journey import (
    BA_MIEN,
    BUYER,
    COFFEE,
    DAK_LAK,
    FISH_SAUCE,
    HANOI,
    HOAN_KIEM,
    SHIPPING_FEE,
    add_to_cart,
    expect_order_page,
    expect_review,
    fill_details,
    packs,  # noqa: F401  (a fixture: the packs' stock and variant ids)
    shipment_of,
    shot,  # noqa: F401  (the checkout journey's top-of-page screenshots)
    vietnamese,
    vnd,
)
from tests.factories import PASSWORD, make_user

CARRIER = "Giao Hàng Nhanh"
TRACKING = "GHN-5KX8-2611"
COMMENT = "Cà phê thơm, rang vừa, đóng gói cẩn thận. Sẽ mua lại!"
S = OrderStatus


def seed_buyer(app: Flask) -> None:
    with app.app_context():
        make_user(Role.CUSTOMER, full_name=BUYER["full_name"], email=BUYER["email"])
        db.session.commit()
        db.session.remove()


def owner_email(app: Flask, producer_name: str) -> str:
    with app.app_context():
        email = db.session.scalar(
            sa.select(User.email)
            .join(Producer, Producer.owner_id == User.id)
            .where(Producer.name == producer_name)
        )
        db.session.remove()
    return email


def log_in(page: Page, base: str, email: str, full_name: str | None = None) -> None:
    page.goto(base + "/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form[method=post] button[type=submit]").click()
    menu = page.get_by_test_id("account-menu")
    expect(menu).to_be_visible()
    if full_name:
        expect(menu).to_have_text(full_name)


def expect_flash(page: Page, msgid: str) -> None:
    expect(page.locator(".flash-success")).to_contain_text(vietnamese(msgid))


def expect_moves(page: Page, *targets: S) -> None:
    """The detail page offers exactly these next steps (buttons), nothing else."""
    buttons = page.get_by_test_id("moves").locator("button[data-testid^=move-]")
    if not targets:
        expect(page.get_by_test_id("moves")).to_have_count(0)
        return
    expect(buttons).to_have_count(len(targets))
    for target in targets:
        expect(page.get_by_test_id(f"move-{target.value}")).to_have_count(1)


def move(page: Page, target: S, flash: str, **fields: str) -> None:
    form = page.locator("form.move-form").filter(
        has=page.locator(f"input[name=target][value={target.value}]")
    )
    for name, value in fields.items():
        form.locator(f"input[name={name}]").fill(value)
    page.get_by_test_id(f"move-{target.value}").click()
    expect_flash(page, flash)
    expect(page.get_by_test_id("status")).to_have_text(vietnamese(target.value))


def timeline_of(app: Flask, number: str) -> dict[str, list[tuple[S, str]]]:
    with app.app_context():
        order = db.session.scalar(sa.select(Order).where(Order.number == number))
        found = {
            sub.producer_name: [
                (e.to_status, e.actor_role)
                for e in db.session.scalars(
                    sa.select(SubOrderEvent)
                    .where(SubOrderEvent.sub_order_id == sub.id)
                    .order_by(SubOrderEvent.id)
                )
            ]
            for sub in order.sub_orders
        }
        found["order"] = [(order.status, order.payment_status.value)]
        db.session.remove()
    return found


def test_an_order_is_confirmed_packed_shipped_delivered_followed_and_reviewed(
    page: Page,
    another_page,
    live_server: str,
    live_app: Flask,
    packs,  # noqa: F811
    shot,  # noqa: F811
):
    seed_buyer(live_app)
    basket = [(COFFEE, 2), (FISH_SAUCE, 1)]
    coffee_parcel = 2 * COFFEE.price + SHIPPING_FEE
    total = coffee_parcel + FISH_SAUCE.price + SHIPPING_FEE

    # 1. The buyer, signed in, orders as in the checkout journey (cash on delivery).
    log_in(page, live_server, BUYER["email"], BUYER["full_name"])
    add_to_cart(page, live_server, packs[COFFEE], COFFEE, 2, count=2)
    add_to_cart(page, live_server, packs[FISH_SAUCE], FISH_SAUCE, 1, count=3)
    page.goto(live_server + "/cart")
    page.get_by_test_id("checkout").click()
    fill_details(page, HANOI, HOAN_KIEM, "cod")
    page.get_by_test_id("continue").click()
    expect_review(page, basket, total, HANOI, HOAN_KIEM, "cod")
    page.get_by_test_id("place-order").click()
    number = expect_order_page(page, basket, total)
    shot(page, "buyer-order-placed")

    # 2. The coffee cooperative, in its own browser, finds the new order first in its list.
    producer = another_page()
    log_in(producer, live_server, owner_email(live_app, DAK_LAK))
    producer.goto(live_server + "/producer/orders")
    rows = producer.get_by_test_id("order-row")
    expect(rows).to_have_count(1)  # only its own shipment, not Ba Miền's
    expect(rows.first).to_contain_text(number)
    expect(rows.first).to_contain_text(BUYER["full_name"])
    expect(rows.first).to_contain_text(vnd(coffee_parcel))
    expect(rows.first.get_by_test_id("status")).to_have_text(vietnamese("placed"))
    shot(producer, "producer-orders")
    rows.first.locator("a", has_text=number).click()

    # The detail: where to send it, what to pack, and only the allowed next steps.
    expect(producer.locator("main h1")).to_contain_text(number)
    ship_to = producer.get_by_test_id("ship-to")
    for text in (BUYER["full_name"], BUYER["street"], "Hoàn Kiếm"):
        expect(ship_to).to_contain_text(text)
    expect(producer.get_by_test_id("buyer-note")).to_contain_text(BUYER["note"])
    expect(producer.get_by_test_id("line")).to_have_count(1)
    expect(producer.get_by_test_id("line")).to_contain_text(COFFEE.label)
    expect(producer.get_by_test_id("unpaid-warning")).to_have_count(0)  # cash on delivery
    expect_moves(producer, S.CONFIRMED, S.CANCELLED)
    shot(producer, "producer-order-placed")

    move(producer, S.CONFIRMED, "Order confirmed. Pack it next.")
    expect_moves(producer, S.PACKED, S.CANCELLED)
    move(producer, S.PACKED, "Marked as packed. Hand it to the carrier next.")
    expect_moves(producer, S.SHIPPED, S.CANCELLED)  # the producer may cancel until shipped
    shot(producer, "producer-order-packed")

    # Shipping asks for the carrier and the tracking number: without them, nothing moves.
    producer.get_by_test_id("move-shipped").click()  # the browser's `required` stops it
    expect(producer.get_by_test_id("status")).to_have_text(vietnamese("packed"))
    move(
        producer,
        S.SHIPPED,
        "Marked as shipped. The buyer received the tracking number.",
        carrier=CARRIER,
        tracking_number=TRACKING,
    )
    expect(producer.get_by_test_id("tracking")).to_have_text(TRACKING)
    expect_moves(producer, S.DELIVERED)
    move(producer, S.DELIVERED, "Marked as delivered. The buyer was told.")
    expect_moves(producer)  # delivered: the end of the road
    events = producer.get_by_test_id("timeline").get_by_test_id("event")
    expect(events).to_have_count(4)
    shot(producer, "producer-order-delivered")

    # 3. The buyer opens "My orders" from the account menu and then the order.
    page.goto(live_server + "/")
    page.get_by_test_id("account-menu").click()
    page.get_by_test_id("my-orders-link").click()
    expect(page).to_have_url(live_server + "/account/orders")
    [row] = page.get_by_test_id("order-row").all()
    expect(row).to_contain_text(number)
    expect(row).to_contain_text(vnd(total))
    shot(page, "buyer-my-orders")
    row.locator("a", has_text=number).click()
    expect(page).to_have_url(re.compile(rf"/orders/{number}$"))

    # One parcel delivered, one waiting: the order as a whole is "in progress".
    expect(page.get_by_test_id("order-status")).to_have_text(vietnamese("in progress"))
    # The coffee's timeline: placed, confirmed, packed, shipped, delivered, with tracking.
    coffee = shipment_of(page, DAK_LAK)
    expect(coffee.get_by_test_id("shipment-status")).to_have_text(vietnamese("delivered"))
    expect(coffee.get_by_test_id("tracking")).to_contain_text(CARRIER)
    expect(coffee.get_by_test_id("tracking")).to_contain_text(TRACKING)
    steps = coffee.get_by_test_id("timeline").locator("li")
    expect(steps).to_have_count(5)
    for i, status in enumerate(("placed", "confirmed", "packed", "shipped", "delivered")):
        expect(steps.nth(i)).to_contain_text(vietnamese(status))
    expect(coffee.get_by_test_id("cancel-shipment")).to_have_count(0)
    # The fish sauce still waits for Ba Miền: no tracking, may still be cancelled, no review.
    fish = shipment_of(page, BA_MIEN)
    expect(fish.get_by_test_id("shipment-status")).to_have_text(vietnamese("placed"))
    expect(fish.get_by_test_id("tracking")).to_have_count(0)
    expect(fish.get_by_test_id("cancel-shipment")).to_have_count(1)
    expect(fish.get_by_test_id("review-form")).to_have_count(0)
    shot(page, "buyer-order-delivered")

    # 4. She rates the delivered coffee (a form per delivered line) and comments.
    form = coffee.get_by_test_id("review-form")
    expect(form).to_have_count(1)
    form.locator("input[name=rating][value='5']").check()
    form.locator("textarea[name=comment]").fill(COMMENT)
    form.locator("button[type=submit]").click()
    expect_flash(page, "Thank you: your review is on the product page.")
    coffee = shipment_of(page, DAK_LAK)
    expect(coffee.get_by_test_id("review-form")).to_have_count(0)  # once per line
    expect(coffee.get_by_test_id("my-review")).to_contain_text("5/5")
    shot(page, "buyer-reviewed")

    # 5. The review shows on the product page, apart from the OCOP certificate's stars.
    page.goto(f"{live_server}/p/{COFFEE.slug}")
    reviews = page.get_by_test_id("buyer-reviews")
    expect(reviews.get_by_test_id("review-summary")).to_contain_text("5,0")
    expect(reviews.get_by_test_id("review")).to_have_count(1)
    expect(reviews.get_by_test_id("review-comment")).to_have_text(COMMENT)
    expect(reviews).to_contain_text(BUYER["full_name"].split()[-1])  # her given name
    expect(page.get_by_test_id("certificate-facts")).to_be_visible()
    assert (
        not page.get_by_test_id("certificate-facts").locator("[data-testid=buyer-reviews]").count()
    ), "buyers' reviews must stay apart from the OCOP badge"
    reviews.scroll_into_view_if_needed()
    shot(page, "product-with-review")

    # The database agrees: every step recorded by whom, the order still open, one review.
    timeline = timeline_of(live_app, number)
    assert timeline[DAK_LAK] == [
        (S.CONFIRMED, "producer"),
        (S.PACKED, "producer"),
        (S.SHIPPED, "producer"),
        (S.DELIVERED, "producer"),
    ]
    assert timeline[BA_MIEN] == []
    # One parcel delivered and paid in cash, one still to come: not yet paid in full.
    assert timeline["order"][0][1] == PaymentStatus.UNPAID.value
    with live_app.app_context():
        [review] = db.session.scalars(sa.select(Review)).all()
        assert (review.rating, review.comment) == (5, COMMENT)
        db.session.remove()
