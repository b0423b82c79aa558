"""A buyer, in a real browser, sees and downloads her data, then deletes her account.

Elements are found by id, name or data-testid (the Vietnamese catalogue may not be compiled).
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, expect

from shop import geo
from shop.accounts.models import User
from shop.cart import services as carts
from shop.cart.models import Cart, CartLine
from shop.catalog.models import Variant
from shop.checkout.models import Address
from shop.checkout.services import Delivery, place_order
from shop.enums import OrderStatus, PaymentMethod
from shop.extensions import db
from shop.orders.models import Order
from tests.factories import PASSWORD, make_user

NAME = "Trần Thị Mai"
EMAIL = "mai.tran@example.vn"
PHONE = "+84987654321"
STREET = "15 Lê Duẩn"
DAK_LAK = 66


def seed_buyer_with_a_delivered_order(app: Flask) -> tuple[str, int]:
    """Mai, her saved address and one delivered order: (its number, its total)."""
    with app.app_context():
        mai = make_user(full_name=NAME, email=EMAIL, phone=PHONE)
        ward = geo.wards(DAK_LAK)[0][0]
        db.session.add(
            Address(
                user_id=mai.id,
                full_name=NAME,
                phone=PHONE,
                street=STREET,
                ward_code=ward,
                province_code=DAK_LAK,
            )
        )
        variant = db.session.scalars(sa.select(Variant).order_by(Variant.id)).first()
        cart = Cart(token=secrets.token_urlsafe(32), user_id=mai.id)
        db.session.add(cart)
        db.session.flush()
        db.session.add(CartLine(cart_id=cart.id, variant_id=variant.id, quantity=1))
        db.session.commit()
        delivery = Delivery(NAME, PHONE, EMAIL, STREET, ward, DAK_LAK)
        order = place_order(
            cart,
            delivery,
            PaymentMethod.COD,
            secrets.token_hex(16),
            carts.view(cart).total,
            mai.id,
        )
        for sub in order.sub_orders:
            sub.status = OrderStatus.DELIVERED
        order.status = OrderStatus.DELIVERED
        db.session.commit()
        number, total = order.number, order.total
        db.session.remove()
    return number, total


def test_a_buyer_downloads_her_data_and_deletes_her_account(
    page: Page, live_server: str, live_app: Flask, shot
):
    number, total = seed_buyer_with_a_delivered_order(live_app)

    page.goto(live_server + "/login")
    page.locator("#email").fill(EMAIL)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form[method=post] button[type=submit]").click()
    expect(page.get_by_test_id("account-menu")).to_have_text(NAME)

    # From the account page to everything the shop holds about her.
    page.goto(live_server + "/account")
    page.get_by_test_id("my-data").click()
    expect(page).to_have_url(live_server + "/account/data")
    data_page = page.get_by_test_id("my-data-page")
    for shown in (NAME, EMAIL, STREET, number):
        expect(data_page).to_contain_text(shown)
    shot(page, "my-data")

    # The same as a JSON file.
    with page.expect_download() as download:
        page.get_by_test_id("download-json").click()
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["profile"]["full_name"] == NAME and data["profile"]["email"] == EMAIL
    assert [a["street"] for a in data["addresses"]] == [STREET]
    assert [(o["number"], o["total"]) for o in data["orders"]] == [(number, total)]
    assert len(data["log_ins"]) == 1

    # Deleting the account: the password is asked for, then she is logged out for good.
    page.get_by_test_id("delete-account").click()
    expect(page).to_have_url(live_server + "/account/delete")
    page.locator("#password").fill("not-the-password")
    page.locator("#confirm").check()
    page.locator("main form[method=post] button[type=submit]").click()
    expect(page.locator(".field.has-error #password")).to_have_count(1)
    shot(page, "delete-wrong-password")
    page.locator("#password").fill(PASSWORD)
    page.locator("#confirm").check()
    page.locator("main form[method=post] button[type=submit]").click()
    expect(page).to_have_url(live_server + "/")
    expect(page.get_by_test_id("account-menu")).to_have_count(0)
    expect(page.locator(".flash-success")).to_be_visible()

    page.goto(live_server + "/login")
    page.locator("#email").fill(EMAIL)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form[method=post] button[type=submit]").click()
    expect(page.get_by_test_id("account-menu")).to_have_count(0)

    with live_app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == EMAIL)) is None
        order = db.session.scalar(sa.select(Order).where(Order.number == number))
        assert (order.full_name, order.phone, order.street, order.total) == ("", "", "", total)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Address)) == 0
        db.session.remove()
